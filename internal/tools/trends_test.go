package tools_test

import (
	"strings"
	"testing"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// TestTrendsResolutionAndSource: get_trends gives one point a week at weekly resolution, and
// takes a gas's trend from Climate TRACE.
func TestTrendsResolutionAndSource(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	_, text, m := h.call(t, "get_trends", map[string]any{"parameter": "no2", "country_codes": []string{"GBR"}, "resolution": "weekly", "date_from": "2026-01-01"})
	st, _ := m["statistics"].(map[string]any)
	if n := num(st["points"]); n < 30 || n > 40 {
		t.Errorf("weekly points from January to the data's end (September): %v", n)
	}
	if len(rowsOf(m, "series")) != int(num(st["points"])) || !strings.Contains(text, "OpenAQ") {
		t.Errorf("series and statistics disagree: %v\n%.500s", st, text)
	}

	_, text, m = h.call(t, "get_trends", map[string]any{"parameter": "co2e", "country_codes": []string{"DEU"}})
	if m["source"] != "climatetrace" || len(rowsOf(m, "series")) < 24 || !strings.Contains(text, "Climate TRACE") {
		t.Errorf("gas trend: source %v, %d points\n%.500s", m["source"], len(rowsOf(m, "series")), text)
	}
}
