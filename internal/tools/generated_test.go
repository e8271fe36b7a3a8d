package tools_test

import (
	"testing"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// TestGeneratedToolsAnswerTheSandbox checks what the tools generated from api/tools.yaml
// answer against what the sandbox holds: catalogues complete, filters kept, pages cut where
// the limit says.
func TestGeneratedToolsAnswerTheSandbox(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	for _, c := range []struct {
		tool  string
		args  map[string]any
		check func(t *testing.T, m map[string]any)
	}{
		{"list_pollutants", map[string]any{}, func(t *testing.T, m map[string]any) {
			got := map[any]any{}
			for _, r := range rowsOf(m, "pollutants") {
				got[r["name"]] = r["units"]
			}
			if got["pm25"] != "µg/m³" || got["pm10"] != "µg/m³" || len(got) < 6 {
				t.Errorf("pollutant catalogue = %v", got)
			}
		}},
		{"get_station", map[string]any{"station_id": 1}, func(t *testing.T, m map[string]any) {
			if num(m["id"]) != 1 || m["name"] == "" || len(rowsOf(m, "sensors")) == 0 {
				t.Errorf("station 1 = %v", m)
			}
		}},
		{"air_quality_country_totals", map[string]any{"parameters": []string{"pm25"}}, func(t *testing.T, m map[string]any) {
			if n := len(rowsOf(m, "countries")); n < 30 {
				t.Errorf("want 30+ countries, got %d", n)
			}
		}},
		{"list_emission_sectors", map[string]any{"limit": 100}, func(t *testing.T, m map[string]any) {
			if n := len(rowsOf(m, "sectors")); n != 26 {
				t.Errorf("want the 26 Climate TRACE sectors, got %d", n)
			}
		}},
		{"emissions_by_sector", map[string]any{"country_codes": []string{"USA"}}, func(t *testing.T, m map[string]any) {
			if len(rowsOf(m, "sectors")) == 0 {
				t.Error("no sector totals for the USA")
			}
		}},
		{"emissions_by_country", map[string]any{"sectors": []string{"cement"}}, func(t *testing.T, m map[string]any) {
			if n := len(rowsOf(m, "countries")); n < 5 {
				t.Errorf("cement in %d countries, want 5 or more", n)
			}
		}},
		{"edgar_country_totals", map[string]any{"country_codes": []string{"IND"}, "gas": "CH4", "limit": 10}, func(t *testing.T, m map[string]any) {
			rows := rowsOf(m, "totals")
			if len(rows) != 10 || m["next_cursor"] == nil {
				t.Fatalf("want a first page of 10 with a next cursor, got %d rows", len(rows))
			}
			for _, r := range rows {
				if r["country_code"] != "IND" || r["gas_type"] != "CH4" || r["sector"] != "TOTAL" {
					t.Errorf("row off the filter: %v", r)
				}
			}
		}},
		{"edgar_air_pollutants", map[string]any{"country_codes": []string{"IND"}, "pollutant": "SO2", "limit": 5}, func(t *testing.T, m map[string]any) {
			rows := rowsOf(m, "totals")
			if len(rows) != 5 || m["next_cursor"] == nil {
				t.Errorf("want a first page of 5 with a next cursor: %v", m)
			}
			for _, r := range rows {
				if r["country_code"] != "IND" || r["gas"] != "SO2" || r["sector"] != "TOTAL" {
					t.Errorf("row off the filter: %v", r)
				}
			}
		}},
		{"platform_statistics", map[string]any{}, func(t *testing.T, m map[string]any) {
			if n := len(rowsOf(m, "tables")); n < 4 {
				t.Errorf("%d tables, want 4 or more", n)
			}
		}},
		{"gcp_national_emissions", map[string]any{"country_codes": []string{"IND"}, "year": 2020}, func(t *testing.T, m map[string]any) {
			if rows := rowsOf(m, "emissions"); len(rows) != 1 || rows[0]["country_code"] != "IND" || num(rows[0]["territorial_mtco2"]) < 1000 {
				t.Errorf("India 2020: %v", rows)
			}
		}},
		{"gcp_carbon_budget", map[string]any{}, func(t *testing.T, m map[string]any) {
			if rows := rowsOf(m, "budget"); len(rows) < 20 || num(rows[len(rows)-1]["fossil_emissions"]) < 20 {
				t.Errorf("carbon budget: %d rows", len(rows))
			}
		}},
	} {
		t.Run(c.tool, func(t *testing.T) {
			res, text, m := h.call(t, c.tool, c.args)
			if res.IsError {
				t.Fatalf("%v: %s", c.args, text)
			}
			c.check(t, m)
		})
	}
}
