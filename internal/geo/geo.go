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
