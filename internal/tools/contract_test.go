package tools_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// filterCalls exercise every tool with every filter it can send, so that what reaches Jana
// can be checked against the schema.
var filterCalls = []struct {
	tool string
	args map[string]any
}{
	{"get_air_quality", map[string]any{"country_codes": []string{"IN", "GBR"}, "parameters": []string{"pm25", "no2"},
		"date_from": "2026-01-01", "date_to": "2026-01-31", "limit": 20}},
	{"get_air_quality", map[string]any{"location_bbox": []float64{-0.51, 51.28, 0.33, 51.69}, "limit": 5}},
	{"get_air_quality", map[string]any{"location_point": []float64{-0.1276, 51.5072}, "radius_km": 30, "limit": 5}},
	{"get_emissions", map[string]any{"country_codes": []string{"NLD"}, "sectors": []string{"cement"}, "gases": []string{"co2", "ch4"},
		"date_from": "2024-01-01", "date_to": "2024-12-31", "year_from": 2015, "year_to": 2020, "edgar_sector": "ENE", "limit": 10}},
	{"get_emissions", map[string]any{"location_point": []float64{4.4777, 51.9244}, "radius_km": 40, "gases": []string{"co2e"},
		"year_from": 2020, "year_to": 2021, "limit": 10}},
	{"get_emissions", map[string]any{"location_bbox": []float64{4.2, 51.8, 4.8, 52.1}, "sources": []string{"edgar"}, "edgar_sector": "ENE"}},
	{"find_nearby", map[string]any{"location_point": []float64{4.4777, 51.9244}, "radius_km": 50, "limit": 10}},
	{"get_trends", map[string]any{"parameter": "no2", "country_codes": []string{"GBR"}, "resolution": "weekly", "date_from": "2026-01-01"}},
	{"get_trends", map[string]any{"parameter": "co2e", "country_codes": []string{"DEU"}}},
	{"get_data_summary", map[string]any{}},
	{"get_system_health", map[string]any{}},
	{"list_pollutants", map[string]any{"limit": 5}},
	{"get_station", map[string]any{"station_id": 1}},
	{"air_quality_country_totals", map[string]any{"country_codes": []string{"GB", "FR"}, "parameters": []string{"pm25"},
		"date_from": "2026-01-01T00:00:00Z", "date_to": "2026-02-01T00:00:00Z"}},
	{"list_emission_sectors", map[string]any{"limit": 5}},
	{"emissions_by_sector", map[string]any{"country_codes": []string{"USA"}, "gases": []string{"co2"}, "sectors": []string{"cement"},
		"date_from": "2024-01-01", "date_to": "2024-06-30"}},
	{"emissions_by_country", map[string]any{"country_codes": []string{"USA", "CHN"}, "sectors": []string{"cement"}}},
	{"edgar_country_totals", map[string]any{"country_codes": []string{"IND"}, "gas": "CH4", "sector": "TOTAL",
		"start_date": "2015-01-01", "end_date": "2020-12-31", "ordering": "-value", "limit": 3}},
	{"platform_statistics", map[string]any{}},
	{"station_means", map[string]any{"station_id": 3, "parameters": []string{"pm25", "no2"}, "date_from": "2026-03-01", "date_to": "2026-03-31"}},
	{"station_means", map[string]any{"station_id": 3, "resolution": "monthly"}},
	{"edgar_air_pollutants", map[string]any{"country_codes": []string{"NPL", "IND"}, "pollutant": "PM2.5", "sector": "RCO", "year": 2020,
		"ordering": "-value", "limit": 1}},
	{"facility_owners", map[string]any{"asset_id": 4}},
	{"storm_events", map[string]any{"location_point": []float64{-95.37, 29.76}, "radius_km": 60, "event_type": "Hail", "state": "Texas",
		"year": 2019, "month": 5, "limit": 2}},
	{"storm_events", map[string]any{"location_bbox": []float64{-103, 33.6, -94.4, 37}, "limit": 5}},
	{"gcp_national_emissions", map[string]any{"country_codes": []string{"USA", "CHN"}, "year": 2022, "budget_version": "2024", "limit": 1}},
	{"gcp_carbon_budget", map[string]any{"year": 2022, "budget_version": "2023"}},
}

// TestToolsSendCanonicalParameters: every query parameter any tool sends is one its
// operation's schema lists (Jana answers 400 with allowed_params for any other) and none is a
// deprecated alias (Jana has accepted an alias and ignored it); each tool is called with every
// filter it has, and a second page where it pages. At 1fe6f64 the tools sent country_code,
// date_from and year_from, which today's Jana rejects or ignores.
func TestToolsSendCanonicalParameters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	schema := operationParams(t)
	covered := map[string]bool{}
	for _, c := range filterCalls {
		covered[c.tool] = true
		args := c.args
		for page := 1; page <= 2 && args != nil; page++ {
			res, text, m := h.call(t, c.tool, args)
			if res.IsError {
				t.Errorf("%s %v: %s", c.tool, args, text)
			}
			for _, e := range h.events() {
				params, ok := schema[e.OperationID]
				if !ok {
					t.Errorf("%s called %s %s, which the schema lacks", c.tool, e.Method, e.Path)
					continue
				}
				for _, name := range queryNames(t, e.RawQuery) {
					deprecated, known := params[name]
					switch {
					case !known:
						t.Errorf("%s sent %s to %s, which is not among its parameters", c.tool, name, e.OperationID)
					case deprecated:
						t.Errorf("%s sent the deprecated alias %s to %s; send the canonical parameter", c.tool, name, e.OperationID)
					}
				}
			}
			next, _ := m["next_cursor"].(string)
			args = nil
			if next != "" {
				args = map[string]any{"cursor": next}
				for k, v := range c.args {
					args[k] = v
				}
			}
		}
	}
	list, err := tools.Listed(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range list {
		if !covered[tool.Name] {
			t.Errorf("%s is not exercised here: add it to filterCalls", tool.Name)
		}
	}
}

// TestIgnoredFilterIsNotPresentedAsFiltered: when Jana accepts a filter and ignores it (its
// own probe saw Climate TRACE emissions do so with country_code), the tools never show the
// unfiltered rows as the filtered answer: rows outside the filter are left out and the answer
// says Jana did not apply it.
func TestIgnoredFilterIsNotPresentedAsFiltered(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{Faults: sandbox.FaultConfig{
		IgnoredParams: []string{"country_iso3", "location__country_iso2", "country_iso2"}}})
	for _, c := range []struct {
		tool, table, field string
		args               map[string]any
		want               string
	}{
		// The Netherlands: not where the unfiltered lists start, so an ignored filter shows.
		{"get_emissions", "facility_emissions", "country", map[string]any{"country_codes": []string{"NLD"}, "sources": []string{"climatetrace"}}, "NLD"},
		{"get_emissions", "national_totals", "country", map[string]any{"country_codes": []string{"NLD"}, "sources": []string{"edgar"}}, "NLD"},
		{"get_air_quality", "stations", "country", map[string]any{"country_codes": []string{"NL"}, "parameters": []string{"pm25"}}, "NL"},
		{"get_air_quality", "measurements", "country", map[string]any{"country_codes": []string{"NL"}, "resolution": "readings"}, "NL"},
		{"edgar_country_totals", "totals", "country_code", map[string]any{"country_codes": []string{"NLD"}}, "NLD"},
		{"emissions_by_country", "countries", "country_iso3", map[string]any{"country_codes": []string{"NLD"}}, "NLD"},
		{"air_quality_country_totals", "countries", "country_code", map[string]any{"country_codes": []string{"NL"}}, "NL"},
	} {
		_, text, m := h.call(t, c.tool, c.args)
		if !strings.Contains(text, "did not apply the") {
			t.Errorf("%s: the answer does not say Jana ignored the filter:\n%.600s", c.tool, text)
		}
		flagged, _ := m["filter_not_applied"].([]any)
		if len(flagged) == 0 {
			t.Errorf("%s: structured content lacks filter_not_applied", c.tool)
		}
		rows, _ := m[c.table].([]any)
		for _, r := range rows {
			if v := r.(map[string]any)[c.field]; v != c.want {
				t.Errorf("%s: a row from %v is shown as %s's: %v", c.tool, v, c.want, r)
				break
			}
		}
	}
	// The recorded bug itself: country_code accepted and ignored.
	bug := newHarness(t, sandbox.Config{Faults: sandbox.FaultConfig{IgnoredParams: []string{"country_code"}}})
	_, text, _ := bug.call(t, "get_emissions", map[string]any{"country_codes": []string{"IND"}, "sources": []string{"climatetrace"}})
	if strings.Contains(text, "did not apply") {
		t.Errorf("the tools send country_iso3, so an ignored country_code alias must not matter:\n%.400s", text)
	}
	if !slices.ContainsFunc(bug.events(), func(e sandbox.Event) bool { return strings.Contains(e.RawQuery, "country_iso3=IND") }) {
		t.Error("get_emissions did not send country_iso3")
	}
}
