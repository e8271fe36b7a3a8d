package tools_test

import (
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/geo"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// TestAirQualityReadingsKeepToTheArea: every reading get_air_quality shows is inside the
// radius, the box, or the country and dates asked for.
func TestAirQualityReadingsKeepToTheArea(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	london := geo.Point{Lon: -0.1276, Lat: 51.5072}

	_, text, m := h.call(t, "get_air_quality", map[string]any{"location_point": []float64{london.Lon, london.Lat}, "radius_km": 30,
		"parameters": []string{"pm25"}, "resolution": "readings", "limit": 50})
	rows := rowsOf(m, "measurements")
	if len(rows) == 0 {
		t.Fatalf("no readings around London:\n%s", text)
	}
	for _, r := range rows {
		if d := geo.DistanceKm(london, geo.Point{Lon: num(r["lon"]), Lat: num(r["lat"])}); d > 30.5 {
			t.Errorf("station %v is %.1f km away, outside radius 30", r["station"], d)
		}
		if r["pollutant"] != "pm25" || num(r["value"]) == -999 {
			t.Errorf("unexpected row %v", r)
		}
	}

	_, text, m = h.call(t, "get_air_quality", map[string]any{"location_bbox": []float64{2.2, 48.8, 2.5, 48.95}, "resolution": "readings"})
	rows = rowsOf(m, "measurements")
	if len(rows) == 0 {
		t.Fatalf("no readings in the Paris box:\n%s", text)
	}
	for _, r := range rows {
		if lon, lat := num(r["lon"]), num(r["lat"]); lon < 2.2 || lon > 2.5 || lat < 48.8 || lat > 48.95 {
			t.Errorf("row outside the box: %v", r)
		}
	}

	_, text, m = h.call(t, "get_air_quality", map[string]any{"country_codes": []string{"IND"}, "date_from": "2026-01-01", "date_to": "2026-01-31",
		"resolution": "readings"})
	rows = rowsOf(m, "measurements")
	if len(rows) == 0 {
		t.Fatalf("no readings in India in January 2026:\n%s", text)
	}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range rows {
		at, err := time.Parse(time.RFC3339, r["measured_at"].(string))
		if err != nil || r["country"] != "IN" || at.Before(from) || at.After(to) {
			t.Errorf("row outside the country or dates: %v", r)
		}
	}
	if !strings.Contains(text, "OpenAQ") {
		t.Errorf("no attribution:\n%s", text)
	}
}
