package toolkit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/janaplatform/jana-mcp/internal/geo"
)

// Place is the location filter shared by the data tools. Embed it in a tool's input.
type Place struct {
	LocationBbox  []float64 `json:"location_bbox,omitempty" jsonschema:"Bounding box [min_lon, min_lat, max_lon, max_lat] in degrees, longitude first. Example for Greater London: [-0.51, 51.28, 0.33, 51.69]."`
	LocationPoint []float64 `json:"location_point,omitempty" jsonschema:"Centre point [lon, lat] in degrees, longitude first (London is [-0.1276, 51.5072]). Use with radius_km."`
	RadiusKm      float64   `json:"radius_km,omitempty" jsonschema:"Radius around location_point in kilometres, 0.1-500; required with location_point (a city: 10-30)."`
	CountryCodes  []string  `json:"country_codes,omitempty" jsonschema:"Countries as ISO 3166-1 codes, alpha-3 (GBR, IND) or alpha-2 (GB, IN)."`
}

// Where is a validated Place.
type Where struct {
	BBox      *geo.BBox
	Point     *geo.Point
	RadiusKm  float64
	Countries []geo.Country
}

// Resolve validates the filter. With required, at least one of the three kinds must be given.
func (p Place) Resolve(required bool) (Where, error) {
	var w Where
	if len(p.LocationBbox) > 0 && len(p.LocationPoint) > 0 {
		return w, Invalid("location_point", "give either location_bbox or location_point (with radius_km), not both")
	}
	if len(p.LocationBbox) > 0 {
		b, err := geo.ParseBBox(p.LocationBbox)
		if err != nil {
			return w, Invalid("location_bbox", "%v", err)
		}
		w.BBox = &b
	}
	if len(p.LocationPoint) > 0 {
		pt, err := geo.ParsePoint(p.LocationPoint)
		if err != nil {
			return w, Invalid("location_point", "%v", err)
		}
		w.Point = &pt
		if p.RadiusKm == 0 {
			// No quiet default: a radius decides what the answer covers.
			return w, Invalid("radius_km", "is required with location_point: give the search radius in km, 0.1-500 (10-30 covers a city)")
		}
	}
	if p.RadiusKm != 0 {
		if w.Point == nil {
			return w, Invalid("radius_km", "only applies with location_point [lon, lat]")
		}
		if p.RadiusKm < 0.1 || p.RadiusKm > 500 {
			return w, Invalid("radius_km", "%g is outside 0.1-500 km", p.RadiusKm)
		}
		w.RadiusKm = p.RadiusKm
	}
	seen := map[string]bool{}
	for _, code := range p.CountryCodes {
		c, err := lookupCountry("country_codes", code)
		if err != nil {
			return w, err
		}
		if !seen[c.Alpha3] {
			seen[c.Alpha3] = true
			w.Countries = append(w.Countries, c)
		}
	}
	if required && w.BBox == nil && w.Point == nil && len(w.Countries) == 0 {
		return w, Invalid("location_bbox", "a location filter is required: location_bbox, location_point (+ radius_km) or country_codes")
	}
	return w, nil
}

// BBoxParam is the per-source bbox parameter "min_lon,min_lat,max_lon,max_lat".
func (w Where) BBoxParam() *string {
	if w.BBox == nil {
		return nil
	}
	b := w.BBox
	s := joinFloats(b.MinLon, b.MinLat, b.MaxLon, b.MaxLat)
	return &s
}

// PointParam is the per-source coordinates parameter "lon,lat".
func (w Where) PointParam() *string {
	if w.Point == nil {
		return nil
	}
	s := joinFloats(w.Point.Lon, w.Point.Lat)
	return &s
}

// RadiusParam is the radius in km, when a point is given.
func (w Where) RadiusParam() *float64 {
	if w.Point == nil {
		return nil
	}
	r := w.RadiusKm
	return &r
}

// BBoxList is location_bbox for the unified endpoints.
func (w Where) BBoxList() *[]float64 {
	if w.BBox == nil {
		return nil
	}
	return &[]float64{w.BBox.MinLon, w.BBox.MinLat, w.BBox.MaxLon, w.BBox.MaxLat}
}

// PointList is location_point for the unified endpoints.
func (w Where) PointList() *[]float64 {
	if w.Point == nil {
		return nil
	}
	return &[]float64{w.Point.Lon, w.Point.Lat}
}

// Alpha2 returns the countries as ISO alpha-2 codes (OpenAQ), or nil.
func (w Where) Alpha2() *[]string {
	if len(w.Countries) == 0 {
		return nil
	}
	out := make([]string, len(w.Countries))
	for i, c := range w.Countries {
		out[i] = c.Alpha2
	}
	return &out
}

// Alpha3 returns the countries as ISO alpha-3 codes (Climate TRACE, EDGAR, unified), or nil.
func (w Where) Alpha3() *[]string {
	if len(w.Countries) == 0 {
		return nil
	}
	out := make([]string, len(w.Countries))
	for i, c := range w.Countries {
		out[i] = c.Alpha3
	}
	return &out
}

// Describe says in words what the filter covers, for result titles.
func (w Where) Describe() string {
	var parts []string
	if w.BBox != nil {
		parts = append(parts, "in bbox ["+joinFloats(w.BBox.MinLon, w.BBox.MinLat, w.BBox.MaxLon, w.BBox.MaxLat)+"]")
	}
	if w.Point != nil {
		parts = append(parts, fmt.Sprintf("within %g km of [%s]", w.RadiusKm, joinFloats(w.Point.Lon, w.Point.Lat)))
	}
	if len(w.Countries) > 0 {
		names := make([]string, len(w.Countries))
		for i, c := range w.Countries {
			names[i] = c.Alpha3
		}
		parts = append(parts, "in "+strings.Join(names, ", "))
	}
	if len(parts) == 0 {
		return "everywhere"
	}
	return strings.Join(parts, " and ")
}

func joinFloats(v ...float64) string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

// Dates is the date range shared by the data tools.
type Dates struct {
	DateFrom string `json:"date_from,omitempty" jsonschema:"Start, inclusive: ISO 8601 date (2025-01-31) or date-time (2025-01-31T06:00:00Z)."`
	DateTo   string `json:"date_to,omitempty" jsonschema:"End, inclusive: ISO 8601 date (a whole day) or date-time."`
}

// Span is a validated date range; either end may be nil.
type Span struct{ From, To *time.Time }

// Resolve parses the dates (a date-only date_to covers that whole day) and checks order.
func (d Dates) Resolve() (Span, error) {
	var s Span
	if d.DateFrom != "" {
		t, _, err := parseWhen(d.DateFrom)
		if err != nil {
			return s, Invalid("date_from", "%v", err)
		}
		s.From = &t
	}
	if d.DateTo != "" {
		t, dateOnly, err := parseWhen(d.DateTo)
		if err != nil {
			return s, Invalid("date_to", "%v", err)
		}
		if dateOnly {
			t = t.Add(24*time.Hour - time.Second)
		}
		s.To = &t
	}
	if s.From != nil && s.To != nil && s.From.After(*s.To) {
		return s, Invalid("date_from", "%s is after date_to %s", d.DateFrom, d.DateTo)
	}
	return s, nil
}

// Describe says in words what the span covers.
func (s Span) Describe() string {
	switch {
	case s.From != nil && s.To != nil:
		return fmt.Sprintf("from %s to %s", s.From.Format(time.RFC3339), s.To.Format(time.RFC3339))
	case s.From != nil:
		return "from " + s.From.Format(time.RFC3339)
	case s.To != nil:
		return "until " + s.To.Format(time.RFC3339)
	}
	return "all dates"
}

func parseWhen(v string) (t time.Time, dateOnly bool, err error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, true, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), false, nil
	}
	// A date-time without offset is taken as UTC.
	if t, err := time.Parse("2006-01-02T15:04:05", v); err == nil {
		return t, false, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not an ISO 8601 date (2025-01-31) or date-time (2025-01-31T06:00:00Z)", v)
}

// Paging is the page size and continuation shared by list tools.
type Paging struct {
	Limit  int    `json:"limit,omitempty" jsonschema:"Rows to return, 1-{limit_max} (default {limit_default})."`
	Cursor string `json:"cursor,omitempty" jsonschema:"To get the next page, the next_cursor of the previous result; pass the other arguments unchanged."`
}

// Limits of the list tools.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// PageSize returns the validated limit.
func (p Paging) PageSize() (int, error) {
	switch {
	case p.Limit == 0:
		return DefaultLimit, nil
	case p.Limit < 1 || p.Limit > MaxLimit:
		return 0, Invalid("limit", "%d is outside 1-%d", p.Limit, MaxLimit)
	}
	return p.Limit, nil
}

// Constrain adds to a derived schema the ranges and shapes of the shared arguments that the
// input type embeds: item counts and ranges of coordinates, radius bounds, code patterns,
// limit bounds and defaults. Properties the input lacks are left alone.
func Constrain(props map[string]*jsonschema.Schema) {
	if s := props["location_bbox"]; s != nil {
		s.MinItems, s.MaxItems = new(4), new(4)
		s.Items = &jsonschema.Schema{Type: "number", Minimum: new(-180.0), Maximum: new(180.0)}
	}
	if s := props["location_point"]; s != nil {
		s.MinItems, s.MaxItems = new(2), new(2)
		s.Items = &jsonschema.Schema{Type: "number", Minimum: new(-180.0), Maximum: new(180.0)}
	}
	if s := props["radius_km"]; s != nil {
		s.Minimum, s.Maximum = new(0.1), new(500.0)
	}
	if s := props["country_codes"]; s != nil {
		s.Items = &jsonschema.Schema{Type: "string", Pattern: countryPattern}
		s.MaxItems = new(50)
	}
	if s := props["limit"]; s != nil {
		s.Minimum, s.Maximum = new(1.0), new(float64(MaxLimit))
		s.Default = json.RawMessage(strconv.Itoa(DefaultLimit))
	}
}

// countryPattern is the form of an ISO 3166-1 alpha-2 or alpha-3 code argument.
const countryPattern = "^[A-Za-z]{2,3}$"

// Enum restricts a string property (or the items of an array property) to values.
func Enum(s *jsonschema.Schema, values ...string) {
	target := s
	if s.Type == "array" {
		if s.Items == nil {
			s.Items = &jsonschema.Schema{Type: "string"}
		}
		target = s.Items
	}
	target.Enum = make([]any, len(values))
	for i, v := range values {
		target.Enum[i] = v
	}
}

// CountryCodes converts country codes given as ISO 3166-1 alpha-2 or alpha-3, in any case, to
// the form a backend parameter takes (alpha 2 or 3), without duplicates. An unknown code is an
// *ArgError for arg.
func CountryCodes(arg string, codes []string, alpha int) ([]string, error) {
	var out []string
	for _, code := range codes {
		c, err := lookupCountry(arg, code)
		if err != nil {
			return nil, err
		}
		v := c.Alpha3
		if alpha == 2 {
			v = c.Alpha2
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// lookupCountry finds a country by code, or says what the code may have meant.
func lookupCountry(arg, code string) (geo.Country, error) {
	if c, ok := geo.LookupCountry(code); ok {
		return c, nil
	}
	hint := ""
	if sug := geo.SuggestCountries(code, 3); len(sug) > 0 {
		names := make([]string, len(sug))
		for i, c := range sug {
			names[i] = fmt.Sprintf("%s/%s (%s)", c.Alpha3, c.Alpha2, c.Name)
		}
		hint = " (did you mean " + strings.Join(names, " or ") + "?)"
	}
	return geo.Country{}, Invalid(arg, "%q is not an ISO 3166-1 country code%s; use alpha-3 like GBR or alpha-2 like GB", bound(code, 20), hint)
}
