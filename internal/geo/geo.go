// Package geo holds the geographic conventions shared by the tools: ISO 3166-1 country codes
// (Jana uses alpha-3 for Climate TRACE, EDGAR and the unified API, alpha-2 for OpenAQ),
// longitude-first coordinates, bounding boxes and great-circle distances.
package geo

import (
	"fmt"
	"math"
	"strings"
)

// Country is an ISO 3166-1 country.
type Country struct {
	Alpha2, Alpha3, Name string
}

var byCode = func() map[string]Country {
	m := make(map[string]Country, 2*len(countries))
	for _, c := range countries {
		m[c.Alpha2] = c
		m[c.Alpha3] = c
	}
	return m
}()

// LookupCountry finds a country by its alpha-2 or alpha-3 code, in any case.
func LookupCountry(code string) (Country, bool) {
	c, ok := byCode[strings.ToUpper(strings.TrimSpace(code))]
	return c, ok
}

// BBox is [min_lon, min_lat, max_lon, max_lat] in degrees.
type BBox struct{ MinLon, MinLat, MaxLon, MaxLat float64 }

// ParseBBox validates four numbers given longitude first.
func ParseBBox(v []float64) (BBox, error) {
	if len(v) != 4 {
		return BBox{}, fmt.Errorf("needs exactly 4 numbers [min_lon, min_lat, max_lon, max_lat], got %d", len(v))
	}
	b := BBox{v[0], v[1], v[2], v[3]}
	for _, lon := range []float64{b.MinLon, b.MaxLon} {
		if err := checkLon(lon); err != nil {
			return BBox{}, err
		}
	}
	for _, lat := range []float64{b.MinLat, b.MaxLat} {
		if err := checkLat(lat); err != nil {
			return BBox{}, err
		}
	}
	if b.MinLon >= b.MaxLon {
		return BBox{}, fmt.Errorf("min_lon %g must be less than max_lon %g (order is [min_lon, min_lat, max_lon, max_lat])", b.MinLon, b.MaxLon)
	}
	if b.MinLat >= b.MaxLat {
		return BBox{}, fmt.Errorf("min_lat %g must be less than max_lat %g (order is [min_lon, min_lat, max_lon, max_lat])", b.MinLat, b.MaxLat)
	}
	return b, nil
}

// Contains reports whether the point lies inside the box (edges included).
func (b BBox) Contains(lon, lat float64) bool {
	return lon >= b.MinLon && lon <= b.MaxLon && lat >= b.MinLat && lat <= b.MaxLat
}

// Point is a longitude-first position.
type Point struct{ Lon, Lat float64 }

// ParsePoint validates [lon, lat].
func ParsePoint(v []float64) (Point, error) {
	if len(v) != 2 {
		return Point{}, fmt.Errorf("needs exactly 2 numbers [lon, lat], got %d", len(v))
	}
	if err := checkLon(v[0]); err != nil {
		return Point{}, err
	}
	if err := checkLat(v[1]); err != nil {
		return Point{}, fmt.Errorf("%w (order is [lon, lat], longitude first)", err)
	}
	return Point{v[0], v[1]}, nil
}

func checkLon(lon float64) error {
	if math.IsNaN(lon) || lon < -180 || lon > 180 {
		return fmt.Errorf("longitude %g is outside -180..180", lon)
	}
	return nil
}

func checkLat(lat float64) error {
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		return fmt.Errorf("latitude %g is outside -90..90", lat)
	}
	return nil
}

const earthRadiusKm = 6371.0088

// DistanceKm is the great-circle (haversine) distance between two points.
func DistanceKm(a, b Point) float64 {
	rad := math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// aliases are codes people use that ISO 3166-1 reserves for the country they mean.
var aliases = map[string]string{"UK": "GB", "EL": "GR"}

func init() {
	for alias, code := range aliases {
		byCode[alias] = byCode[code]
	}
}

// SuggestCountries returns up to n countries a mistyped code or a name may have meant: those
// whose name starts with or contains it, then codes one letter away.
func SuggestCountries(s string, n int) []Country {
	q := strings.ToUpper(strings.TrimSpace(s))
	if q == "" {
		return nil
	}
	var out []Country
	add := func(c Country) {
		for _, o := range out {
			if o.Alpha3 == c.Alpha3 {
				return
			}
		}
		if len(out) < n {
			out = append(out, c)
		}
	}
	for _, c := range countries {
		if strings.HasPrefix(strings.ToUpper(c.Name), q) {
			add(c)
		}
	}
	if len(q) > 3 {
		for _, c := range countries {
			if strings.Contains(strings.ToUpper(c.Name), q) {
				add(c)
			}
		}
		return out
	}
	for _, c := range countries {
		for _, code := range []string{c.Alpha2, c.Alpha3} {
			if len(code) == len(q) && oneApart(code, q) {
				add(c)
			}
		}
	}
	return out
}

// oneApart reports whether two codes of one length differ in one letter, or in two swapped.
func oneApart(a, b string) bool {
	diff := []int{}
	for i := range a {
		if a[i] != b[i] {
			diff = append(diff, i)
		}
	}
	switch len(diff) {
	case 1:
		return true
	case 2:
		i, j := diff[0], diff[1]
		return j == i+1 && a[i] == b[j] && a[j] == b[i]
	}
	return false
}

// Countries returns every ISO 3166-1 country, in alpha-2 order.
func Countries() []Country { return countries[:] }
