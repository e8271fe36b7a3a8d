package tools_test

import (
	"sort"
	"testing"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// TestNearbyWithinTheRadiusNearestFirst: find_nearby lists stations and facilities inside the
// radius, nearest first.
func TestNearbyWithinTheRadiusNearestFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	_, text, m := h.call(t, "find_nearby", map[string]any{"location_point": []float64{4.4777, 51.9244}, "radius_km": 50})
	rows := rowsOf(m, "places")
	if len(rows) == 0 {
		t.Fatalf("nothing near Rotterdam:\n%s", text)
	}
	var ds []float64
	kinds := map[any]bool{}
	for _, r := range rows {
		ds = append(ds, num(r["distance_km"]))
		kinds[r["source"]] = true
		if num(r["distance_km"]) > 50 {
			t.Errorf("place beyond the radius: %v", r)
		}
	}
	if !sort.Float64sAreSorted(ds) {
		t.Errorf("not nearest first: %v", ds)
	}
	if !kinds["openaq"] || !kinds["climatetrace"] {
		t.Errorf("want stations and facilities, got %v", kinds)
	}
}
