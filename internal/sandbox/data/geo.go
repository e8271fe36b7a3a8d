package data

import "math"

// BBox is a longitude-first bounding box: [min_lon, min_lat, max_lon, max_lat].
type BBox struct {
	MinLon, MinLat, MaxLon, MaxLat float64
}

// Contains reports whether (lon, lat) lies inside the box, borders included.
func (b BBox) Contains(lon, lat float64) bool {
	return lon >= b.MinLon && lon <= b.MaxLon && lat >= b.MinLat && lat <= b.MaxLat
}

// Circle is a centre point (longitude first) and a radius in kilometres.
type Circle struct {
	Lon, Lat, RadiusKm float64
}

// Contains reports whether (lon, lat) is within the circle's radius (great-circle distance).
func (c Circle) Contains(lon, lat float64) bool {
	return HaversineKm(c.Lon, c.Lat, lon, lat) <= c.RadiusKm
}

// earthRadiusKm is the mean Earth radius used by PostGIS-style distance approximations.
const earthRadiusKm = 6371.0088

// HaversineKm is the great-circle distance in kilometres between two longitude-first points.
func HaversineKm(lon1, lat1, lon2, lat2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// Spatial is an optional spatial filter: a box, a circle, both, or neither.
type Spatial struct {
	Box    *BBox
	Circle *Circle
}

// Empty reports whether the filter matches everything.
func (s Spatial) Empty() bool { return s.Box == nil && s.Circle == nil }

// Match reports whether (lon, lat) passes every part of the filter.
func (s Spatial) Match(lon, lat float64) bool {
	if s.Box != nil && !s.Box.Contains(lon, lat) {
		return false
	}
	if s.Circle != nil && !s.Circle.Contains(lon, lat) {
		return false
	}
	return true
}

// offsetKm moves a point by dx km east and dy km north (small-distance approximation).
func offsetKm(lon, lat, dxKm, dyKm float64) (float64, float64) {
	const kmPerDegLat = 111.32
	newLat := lat + dyKm/kmPerDegLat
	newLon := lon + dxKm/(kmPerDegLat*math.Cos(lat*math.Pi/180))
	return round6(newLon), round6(newLat)
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
