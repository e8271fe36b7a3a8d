package data

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// AdminArea is an administrative area as Climate TRACE's admin endpoints give it: level 0 a
// country, level 1 one of the dataset's cities or regions. The sandbox knows its places, not
// national borders: a place's area is a 24-sided polygon around it that holds all of its
// stations and assets, and a country's area is the union of its places' polygons.
type AdminArea struct {
	ID, Name, FullName string
	Level              int
	Country            int // index into Dataset.Countries
	Centroid           [2]float64
	BBox               [4]float64
	Polygons           [][][2]float64 // one closed ring of [lon, lat] per polygon
}

// AdminAreas returns the areas: countries (in ISO-3 order), then places.
func (d *Dataset) AdminAreas() []AdminArea { return d.adminAreas }

// placeRadiusKm is how far a place's stations and assets lie from it, at most.
func placeRadiusKm(p *Place) float64 {
	if p.Kind == KindCity {
		return 25
	}
	return 80
}

func ring(lon, lat, radiusKm float64) [][2]float64 {
	const n = 24
	r := radiusKm * 1.02 / math.Cos(math.Pi/n) // the polygon contains the whole circle
	out := make([][2]float64, 0, n+1)
	for k := 0; k < n; k++ {
		a := 2 * math.Pi * float64(k) / n
		x, y := offsetKm(lon, lat, r*math.Cos(a), r*math.Sin(a))
		out = append(out, [2]float64{x, y})
	}
	return append(out, out[0])
}

func bboxOf(polys [][][2]float64) [4]float64 {
	b := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range polys {
		for _, v := range p {
			b[0], b[1] = math.Min(b[0], v[0]), math.Min(b[1], v[1])
			b[2], b[3] = math.Max(b[2], v[0]), math.Max(b[3], v[1])
		}
	}
	for i := range b {
		b[i] = round6(b[i])
	}
	return b
}

func (d *Dataset) buildAdminAreas() {
	var countries, places []AdminArea
	perCountry := map[int][]*Place{}
	for i := range d.Places {
		perCountry[d.Places[i].Country] = append(perCountry[d.Places[i].Country], &d.Places[i])
	}
	for ci, ps := range perCountry {
		c := d.Countries[ci]
		area := AdminArea{ID: c.ISO3, Name: c.Name, FullName: c.Name, Level: 0, Country: ci}
		var sumLon, sumLat float64
		for n, p := range ps {
			poly := ring(p.Lon, p.Lat, placeRadiusKm(p))
			area.Polygons = append(area.Polygons, poly)
			sumLon, sumLat = sumLon+p.Lon, sumLat+p.Lat
			pa := AdminArea{ID: fmt.Sprintf("%s.%d_1", c.ISO3, n+1), Name: p.Name, FullName: p.Name + ", " + c.Name,
				Level: 1, Country: ci, Centroid: [2]float64{p.Lon, p.Lat}, Polygons: [][][2]float64{poly}}
			pa.BBox = bboxOf(pa.Polygons)
			places = append(places, pa)
		}
		area.Centroid = [2]float64{round6(sumLon / float64(len(ps))), round6(sumLat / float64(len(ps)))}
		area.BBox = bboxOf(area.Polygons)
		countries = append(countries, area)
	}
	slices.SortFunc(countries, func(a, b AdminArea) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(places, func(a, b AdminArea) int { return strings.Compare(a.ID, b.ID) })
	d.adminAreas = append(countries, places...)
}

// AdminAreaByID returns the area with that id.
func (d *Dataset) AdminAreaByID(id string) (AdminArea, bool) {
	for _, a := range d.AdminAreas() {
		if a.ID == id {
			return a, true
		}
	}
	return AdminArea{}, false
}

// Contains reports whether (lon, lat) lies inside one of the area's polygons.
func (a AdminArea) Contains(lon, lat float64) bool {
	if lon < a.BBox[0] || lon > a.BBox[2] || lat < a.BBox[1] || lat > a.BBox[3] {
		return false
	}
	for _, poly := range a.Polygons {
		in := false
		for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
			xi, yi, xj, yj := poly[i][0], poly[i][1], poly[j][0], poly[j][1]
			if (yi > lat) != (yj > lat) && lon < (xj-xi)*(lat-yi)/(yj-yi)+xi {
				in = !in
			}
		}
		if in {
			return true
		}
	}
	return false
}

// Intersects reports whether the area's bounding box meets the box.
func (a AdminArea) Intersects(b BBox) bool {
	return a.BBox[0] <= b.MaxLon && a.BBox[2] >= b.MinLon && a.BBox[1] <= b.MaxLat && a.BBox[3] >= b.MinLat
}
