package sandbox

import (
	"strconv"
	"strings"

	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// defaultRadiusKm applies when a centre point comes without a radius.
const defaultRadiusKm = 10

func parseFloats(v string, n int) ([]float64, bool) {
	parts := strings.Split(v, ",")
	if len(parts) != n {
		return nil, false
	}
	out := make([]float64, n)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}

func validLonLat(lon, lat float64) bool {
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// bboxOf checks a longitude-first box; field names the parameter in errors.
func bboxOf(field string, v []float64) (*data.BBox, error) {
	b := &data.BBox{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}
	switch {
	case !validLonLat(b.MinLon, b.MinLat) || !validLonLat(b.MaxLon, b.MaxLat):
		return nil, fieldError(field, "Longitude must be between -180 and 180 and latitude between -90 and 90 (longitude first).")
	case b.MinLon > b.MaxLon || b.MinLat > b.MaxLat:
		return nil, fieldError(field, "min_lon must not exceed max_lon and min_lat must not exceed max_lat (order: min_lon, min_lat, max_lon, max_lat).")
	}
	return b, nil
}

func circleOf(field string, v []float64, radius *float64) (*data.Circle, error) {
	if !validLonLat(v[0], v[1]) {
		return nil, fieldError(field, "Longitude must be between -180 and 180 and latitude between -90 and 90 (longitude first).")
	}
	r := float64(defaultRadiusKm)
	if radius != nil {
		r = *radius
	}
	return &data.Circle{Lon: v[0], Lat: v[1], RadiusKm: r}, nil
}

// sourceSpatial reads the per-source filters: bbox "min_lon,min_lat,max_lon,max_lat",
// coordinates "lon,lat" and radius (km).
func sourceSpatial(bbox, coordinates *string, radius *float64) (data.Spatial, error) {
	var sp data.Spatial
	if bbox != nil {
		v, ok := parseFloats(*bbox, 4)
		if !ok {
			return sp, fieldError("bbox", "Expected 'min_lon,min_lat,max_lon,max_lat': four comma-separated numbers, longitude first.")
		}
		b, err := bboxOf("bbox", v)
		if err != nil {
			return sp, err
		}
		sp.Box = b
	}
	if coordinates != nil {
		v, ok := parseFloats(*coordinates, 2)
		if !ok {
			return sp, fieldError("coordinates", "Expected 'lon,lat': two comma-separated numbers, longitude first.")
		}
		circ, err := circleOf("coordinates", v, radius)
		if err != nil {
			return sp, err
		}
		sp.Circle = circ
	} else if radius != nil {
		return sp, fieldError("radius", "radius requires coordinates.")
	}
	return sp, nil
}

// unifiedSpatial reads the unified API's filters: location_bbox (four repeated values),
// location_point (two) and radius_km.
func unifiedSpatial(bbox, point *[]float64, radius *float64) (data.Spatial, error) {
	var sp data.Spatial
	if bbox != nil {
		b, err := bboxOf("location_bbox", *bbox)
		if err != nil {
			return sp, err
		}
		sp.Box = b
	}
	if point != nil {
		circ, err := circleOf("location_point", *point, radius)
		if err != nil {
			return sp, err
		}
		sp.Circle = circ
	} else if radius != nil {
		return sp, fieldError("radius_km", "radius_km requires location_point.")
	}
	return sp, nil
}

// upper copies a list of codes in upper case (country codes match case-insensitively).
func upper(v *[]string) []string {
	if v == nil {
		return nil
	}
	out := make([]string, len(*v))
	for i, s := range *v {
		out[i] = strings.ToUpper(s)
	}
	return out
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

// strOf is the string behind p, or "".
func strOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
