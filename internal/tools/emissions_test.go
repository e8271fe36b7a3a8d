package tools_test

import (
	"testing"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// TestEmissionsKeepToTheFilters: get_emissions' facility rows (Climate TRACE) and national
// totals (EDGAR) hold only the country, sectors and gases asked for, and a source not asked
// for is not there.
func TestEmissionsKeepToTheFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})

	_, text, m := h.call(t, "get_emissions", map[string]any{"country_codes": []string{"NLD"}, "limit": 50})
	fac, nat := rowsOf(m, "facility_emissions"), rowsOf(m, "national_totals")
	if len(fac) == 0 || len(nat) == 0 {
		t.Fatalf("want both sources, got %d facility and %d national rows:\n%s", len(fac), len(nat), text)
	}
	for _, r := range fac {
		if r["country"] != "NLD" || r["gas"] != "co2e_100yr" {
			t.Errorf("facility row off the filter: %v", r)
		}
	}
	for _, r := range nat {
		if r["country"] != "NLD" || r["gas"] != "GHG" || r["sector"] != "TOTAL" {
			t.Errorf("national row off the filter: %v", r)
		}
	}

	_, text, m = h.call(t, "get_emissions", map[string]any{"location_point": []float64{4.4777, 51.9244}, "radius_km": 40,
		"sources": []string{"climatetrace"}, "sectors": []string{"electricity-generation", "cement"}, "gases": []string{"co2"}})
	fac = rowsOf(m, "facility_emissions")
	if len(fac) == 0 {
		t.Fatalf("no power or cement emissions around Rotterdam:\n%s", text)
	}
	for _, r := range fac {
		if s := r["sector"]; (s != "electricity-generation" && s != "cement") || r["gas"] != "co2" {
			t.Errorf("row off the filter: %v", r)
		}
	}
	if _, ok := m["national_totals"]; ok {
		t.Error("EDGAR answered, but was not asked for")
	}
}
