package toolkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

func bigPage(rows int) *Page {
	t := &Table{Name: "rows", Columns: []string{"id", "text"}, Total: rows * 2}
	for i := range rows {
		t.Add(map[string]any{"id": i, "text": strings.Repeat("x", 50)}, fmt.Sprint(i), strings.Repeat("x", 50))
	}
	return &Page{Title: "Big", Tables: []*Table{t}, Sources: []Source{OpenAQ}}
}

func TestRenderBoundsSizeAndSaysSo(t *testing.T) {
	t.Parallel()
	const max = 8000
	res := bigPage(1000).render(max, jana.CallSummary{})
	text := res.Content[0].(*mcp.TextContent).Text
	structured := res.StructuredContent.(json.RawMessage)
	if got := len(text) + len(structured); got > max {
		t.Fatalf("result is %d bytes, bound is %d", got, max)
	}
	if !strings.Contains(text, "Truncated: showing") || !strings.Contains(text, "Narrow the query") {
		t.Errorf("text does not say it was cut and how to narrow:\n%s", text[len(text)-300:])
	}
	var m map[string]any
	if err := json.Unmarshal(structured, &m); err != nil {
		t.Fatal(err)
	}
	if m["truncated"] != true {
		t.Errorf("structured content lacks truncated=true: %v", m["truncated"])
	}
	items := m["rows"].([]any)
	csvRows := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasSuffix(line, ","+strings.Repeat("x", 50)) {
			csvRows++
		}
	}
	if csvRows != len(items) || len(items) == 0 || len(items) >= 1000 {
		t.Errorf("text has %d rows, structured %d: want the same, cut, non-zero count", csvRows, len(items))
	}
	if !strings.Contains(text, "Sources: OpenAQ") {
		t.Error("attribution missing")
	}
}

func TestRenderSmallPageUntouched(t *testing.T) {
	t.Parallel()
	res := bigPage(3).render(60000, jana.CallSummary{Cached: true, CacheAge: 42 * time.Second})
	text := res.Content[0].(*mcp.TextContent).Text
	if strings.Contains(text, "Truncated") {
		t.Error("small page marked truncated")
	}
	if !strings.Contains(text, "fetched from Jana 42s ago") {
		t.Errorf("cache age not reported:\n%s", text)
	}
	var m map[string]any
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &m)
	if m["data_age_seconds"] != float64(42) {
		t.Errorf("data_age_seconds = %v", m["data_age_seconds"])
	}
}

func TestCursorRoundTripAndBinding(t *testing.T) {
	t.Parallel()
	type q struct{ A string }
	c := EncodeCursor(q{"x"}, Cursor{"openaq": "3"})
	got, err := DecodeCursor(c, q{"x"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Cursor{"openaq": "3"}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if _, err := DecodeCursor(c, q{"y"}); err == nil || !strings.Contains(err.Error(), "different arguments") {
		t.Errorf("cursor reused with other arguments: err = %v", err)
	}
	if _, err := DecodeCursor("garbage!", q{"x"}); err == nil {
		t.Error("garbage cursor accepted")
	}
	if EncodeCursor(q{"x"}, nil) != "" {
		t.Error("empty cursor should encode as empty string")
	}
}

func TestPlaceResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      Place
		wantArg string // "" = valid
	}{
		{"bbox", Place{LocationBbox: []float64{-0.5, 51.2, 0.3, 51.7}}, ""},
		{"bbox swapped", Place{LocationBbox: []float64{0.3, 51.2, -0.5, 51.7}}, "location_bbox"},
		{"bbox lat first", Place{LocationBbox: []float64{51.2, -0.5, 51.7, 0.3}}, ""}, // valid numbers, a different place
		{"bbox lat out of range", Place{LocationBbox: []float64{-0.5, -95, 0.3, 51.7}}, "location_bbox"},
		{"point", Place{LocationPoint: []float64{-0.12, 51.5}, RadiusKm: 10}, ""},
		{"point lat out of range", Place{LocationPoint: []float64{10, 100}}, "location_point"},
		{"radius without point", Place{RadiusKm: 10, CountryCodes: []string{"GBR"}}, "radius_km"},
		{"radius too big", Place{LocationPoint: []float64{0, 0}, RadiusKm: 501}, "radius_km"},
		{"both", Place{LocationBbox: []float64{0, 0, 1, 1}, LocationPoint: []float64{0, 0}}, "location_point"},
		{"iso2 accepted", Place{CountryCodes: []string{"gb"}}, ""},
		{"unknown country", Place{CountryCodes: []string{"XXX"}}, "country_codes"},
		{"none", Place{}, "location_bbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.in.Resolve(true)
			var ae *ArgError
			switch {
			case tt.wantArg == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantArg != "" && (!errors.As(err, &ae) || ae.Arg != tt.wantArg):
				t.Fatalf("err = %v, want an error about %s", err, tt.wantArg)
			}
		})
	}
	w, _ := Place{CountryCodes: []string{"gb", "GBR", "IN"}}.Resolve(true)
	if diff := cmp.Diff([]string{"GB", "IN"}, *w.Alpha2()); diff != "" {
		t.Errorf("alpha-2 (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]string{"GBR", "IND"}, *w.Alpha3()); diff != "" {
		t.Errorf("alpha-3 (-want +got)\n%s", diff)
	}
}

func TestDatesResolve(t *testing.T) {
	t.Parallel()
	s, err := Dates{DateFrom: "2025-01-01", DateTo: "2025-01-31"}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if s.To.Format(time.RFC3339) != "2025-01-31T23:59:59Z" {
		t.Errorf("date-only date_to should cover the day, got %s", s.To)
	}
	if _, err := (Dates{DateFrom: "2025-02-01", DateTo: "2025-01-01"}).Resolve(); err == nil {
		t.Error("reversed range accepted")
	}
	if _, err := (Dates{DateFrom: "last week"}).Resolve(); err == nil || !strings.Contains(err.Error(), "ISO 8601") {
		t.Errorf("err = %v", err)
	}
	if s, err := (Dates{DateFrom: "2025-01-01T06:00:00+02:00"}).Resolve(); err != nil || s.From.Hour() != 4 {
		t.Errorf("offset date-time: %v %v", s.From, err)
	}
}

func TestErrorTextIsActionableAndSanitized(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{Invalid("limit", "5000 is outside 1-1000"), `Invalid argument "limit"`},
		{&jana.Error{Kind: jana.KindRateLimited, RetryAfter: 12 * time.Second}, "Retry after 12 s"},
		{&jana.Error{Kind: jana.KindUnavailable, Status: 503}, "Jana is unavailable (HTTP 503). Retry later."},
		{&jana.Error{Kind: jana.KindTimeout}, "Narrow the query"},
		{&jana.Error{Kind: jana.KindUnauthorized, Status: 401}, "did not accept the token"},
		{&jana.Error{Kind: jana.KindUnauthorized, Status: 403, Detail: "Invalid token."}, "did not accept the token (HTTP 403)"},
		{&jana.Error{Kind: jana.KindUnauthorized, Status: 403, Detail: "You do not have permission to perform this action."}, "lacks permission for it"},
		{&jana.Error{Kind: jana.KindUnauthorized, Expired: true}, "sign-in has expired"},
		{&jana.Error{Kind: jana.KindInvalid, Status: 400, Fields: map[string][]string{"limit": {"Ensure this value is less than or equal to 1000."}}}, "limit: Ensure"},
		{&jana.Error{Kind: jana.KindInvalid, Status: 400, UnknownParams: []string{"country_code"}, AllowedParams: []string{"country_iso3"}}, "parameters it does not know: country_code"},
	}
	for _, tt := range tests {
		if got := ErrorText(tt.err); !strings.Contains(got, tt.want) {
			t.Errorf("ErrorText(%v) = %q, want it to contain %q", tt.err, got, tt.want)
		}
	}
	if got := ErrorText(errors.New("dial tcp 10.0.0.1:8000: secret internals")); got != "" {
		t.Errorf("internal error described to the model: %q", got)
	}
}
