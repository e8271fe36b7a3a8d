package tools_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// backendRows reads every row of a Jana list endpoint straight from the sandbox, following
// DRF's next links (page, offset or cursor), as the backend's own account of a listing.
func (h *harness) backendRows(t *testing.T, path string, q url.Values) []map[string]any {
	t.Helper()
	if !q.Has("limit") {
		q.Set("page_size", "1000")
	}
	next := h.sb.URL + path + "?" + q.Encode()
	var rows []map[string]any
	for next != "" {
		req, _ := http.NewRequest(http.MethodGet, next, nil)
		req.Header.Set("Authorization", "Token "+h.sb.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Next    *string          `json:"next"`
			Results []map[string]any `json:"results"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", next, resp.StatusCode, err)
		}
		rows = append(rows, body.Results...)
		next = ""
		if body.Next != nil {
			next = *body.Next
		}
	}
	return rows
}

func keys(rows []map[string]any, fields ...string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		parts := make([]string, len(fields))
		for j, f := range fields {
			parts[j] = fmt.Sprint(r[f])
		}
		out[i] = strings.Join(parts, "|")
	}
	return out
}

// pagedCase walks one paged tool's listing and the same listing straight from Jana.
type pagedCase struct {
	name, tool, table string
	args              map[string]any
	fields            []string // identify a row of the tool's table
	// backend gives the backend's rows' keys, in the order Jana lists them.
	backend  func(t *testing.T, h *harness) []string
	maxBytes int  // the bound the walk renders under, small enough that pages are cut
	unsorted bool // the tool orders the rows itself: compare them as sets
}

// TestPagingWalksEveryRow walks every paged tool through a large listing with a size bound
// small enough that pages are cut, and checks that the rows it shows are exactly the
// backend's: none lost, none repeated, in order. At 1fe6f64 a cut page's next_cursor pointed at
// the next backend page, so the rows cut from every page were never shown.
func TestPagingWalksEveryRow(t *testing.T) {
	t.Parallel()
	api := "/api/v1/data-sources"
	cases := []pagedCase{
		{name: "pollutants", tool: "list_pollutants", table: "pollutants", args: map[string]any{"limit": 10}, fields: []string{"name", "units"},
			backend: func(t *testing.T, h *harness) []string {
				return keys(h.backendRows(t, api+"/openaq/parameters/", url.Values{}), "name", "units")
			}, maxBytes: 2000},
		{name: "sectors", tool: "list_emission_sectors", table: "sectors", args: map[string]any{"limit": 26}, fields: []string{"name"},
			backend: func(t *testing.T, h *harness) []string {
				return keys(h.backendRows(t, api+"/climatetrace/sectors/", url.Values{}), "name")
			}, maxBytes: 3000},
		{name: "statistics", tool: "platform_statistics", table: "tables", args: map[string]any{"limit": 8}, fields: []string{"table"},
			backend: func(t *testing.T, h *harness) []string {
				return keys(h.backendRows(t, "/api/v1/esg/statistics/", url.Values{"limit": {"1000"}}), "table")
			}, maxBytes: 2200},
		{name: "edgar totals of IN", tool: "edgar_country_totals", table: "totals", args: map[string]any{"country_codes": []string{"IN"}, "limit": 60},
			fields: []string{"country_code", "year", "gas_type", "sector"},
			backend: func(t *testing.T, h *harness) []string {
				return keys(h.backendRows(t, api+"/edgar/country-totals/", url.Values{"country_iso3": {"IND"}, "sector": {"TOTAL"}}),
					"country_code", "year", "gas_type", "sector")
			}, maxBytes: 5000},
		{name: "edgar air pollutants of NP", tool: "edgar_air_pollutants", table: "totals", args: map[string]any{"country_codes": []string{"np"}, "limit": 50},
			fields: []string{"country_code", "year", "gas", "sector"},
			backend: func(t *testing.T, h *harness) []string {
				return keys(h.backendRows(t, api+"/edgar/air-pollutant-totals/", url.Values{"country_iso3": {"NPL"}, "sector": {"TOTAL"}}),
					"country_code", "year", "gas", "sector")
			}, maxBytes: 5000},
		{name: "gcp national", tool: "gcp_national_emissions", table: "emissions", args: map[string]any{"country_codes": []string{"USA", "CN"}, "limit": 40},
			fields: []string{"country_code", "year"},
			backend: func(t *testing.T, h *harness) []string {
				return keys(h.backendRows(t, api+"/gcp/national-emissions/", url.Values{"country_code": {"USA,CHN"}, "budget_version": {"2024"}}),
					"country_code", "year")
			}, maxBytes: 4500},
		{name: "gcp budget", tool: "gcp_carbon_budget", table: "budget", args: map[string]any{"limit": 25}, fields: []string{"year"},
			backend: func(t *testing.T, h *harness) []string {
				return keys(h.backendRows(t, api+"/gcp/carbon-budget/", url.Values{"budget_version": {"2024"}}), "year")
			}, maxBytes: 3000},
		{name: "storms in Texas", tool: "storm_events", table: "events", args: map[string]any{"state": "Texas", "year": 2019, "limit": 25},
			fields: []string{"event_id"},
			backend: func(t *testing.T, h *harness) []string {
				return keys(h.backendRows(t, api+"/noaa_storm_events/events/", url.Values{"state": {"TEXAS"}, "year": {"2019"}}), "id")
			}, maxBytes: 5000},
		{name: "climate trace NLD", tool: "get_emissions", table: "facility_emissions",
			args:   map[string]any{"country_codes": []string{"NL"}, "sources": []string{"climatetrace"}, "date_from": "2024-01-01", "date_to": "2024-12-31", "limit": 60},
			fields: []string{"asset_id", "month", "gas"},
			backend: func(t *testing.T, h *harness) []string {
				rows := h.backendRows(t, api+"/climatetrace/emissions/", url.Values{"country_iso3": {"NLD"}, "gas": {"co2e_100yr"},
					"start_date": {"2024-01-01"}, "end_date": {"2024-12-31"}})
				for _, r := range rows {
					r["month"] = fmt.Sprint(r["start_time"])[:7]
				}
				return keys(rows, "asset_id", "month", "gas")
			}, maxBytes: 6000},
		{name: "edgar NLD", tool: "get_emissions", table: "national_totals",
			args: map[string]any{"country_codes": []string{"NLD"}, "sources": []string{"edgar"}, "limit": 30}, fields: []string{"country", "year", "gas"},
			backend: func(t *testing.T, h *harness) []string {
				return keys(h.backendRows(t, api+"/edgar/country-totals/", url.Values{"country_iso3": {"NLD"}, "sector": {"TOTAL"}, "gas": {"GHG"}}),
					"country_code", "year", "gas_type")
			}, maxBytes: 3000},
		{name: "NL pm25 readings", tool: "get_air_quality", table: "measurements",
			args: map[string]any{"country_codes": []string{"NL"}, "parameters": []string{"pm25"}, "date_from": "2026-09-01", "date_to": "2026-09-04",
				"resolution": "readings", "limit": 30},
			fields: []string{"station_id", "measured_at"},
			backend: func(t *testing.T, h *harness) []string {
				rows := h.backendRows(t, api+"/openaq/measurements/", url.Values{"location__country_iso2": {"NL"}, "parameter_name": {"pm25"},
					"date_from": {"2026-09-01T00:00:00Z"}, "date_to": {"2026-09-04T23:59:59Z"}, "ordering": {"-measured_at"}})
				rows = slices.DeleteFunc(rows, func(r map[string]any) bool { return r["value"] == float64(-999) })
				for _, r := range rows {
					ts, _ := time.Parse(time.RFC3339, fmt.Sprint(r["measured_at"]))
					r["measured_at"] = ts.UTC().Format(time.RFC3339)
				}
				return keys(rows, "location_id", "measured_at")
			}, maxBytes: 6000},
		{name: "Delhi daily means", tool: "get_air_quality", table: "stations",
			args: map[string]any{"location_point": []float64{77.209, 28.6139}, "radius_km": 30, "date_from": "2026-09-01", "date_to": "2026-09-05",
				"resolution": "daily", "limit": 20},
			fields: []string{"station_id", "pollutant", "unit", "period"},
			backend: func(t *testing.T, h *harness) []string {
				sensors := h.backendRows(t, api+"/openaq/sensors/", url.Values{"coordinates": {"77.209,28.6139"}, "radius": {"30"},
					"parameter__name": {"pm25,pm10,o3,no2,so2,co"}})
				var out []string
				for _, s := range sensors {
					days := h.backendRows(t, fmt.Sprintf("%s/openaq/sensors/%v/daily/", api, s["id"]), url.Values{
						"date_from": {"2026-09-01T00:00:00Z"}, "date_to": {"2026-09-05T23:59:59Z"}})
					for _, d := range days {
						if d["avg_value"] != nil && d["count"] != float64(0) {
							out = append(out, fmt.Sprintf("%v|%v|%v|%s", s["location_id"], s["parameter_name"], s["units"], fmt.Sprint(d["period_start"])[:10]))
						}
					}
				}
				return out
			}, maxBytes: 9000, unsorted: true},
	}
	h := newHarness(t, sandbox.Config{})
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.tool] = true
	}
	for name, tool := range h.tools {
		var s struct {
			Properties map[string]any `json:"properties"`
		}
		data, _ := json.Marshal(tool.InputSchema)
		_ = json.Unmarshal(data, &s)
		if _, paged := s.Properties["cursor"]; paged && !covered[name] {
			t.Errorf("%s pages (it takes a cursor) but no case here walks it", name)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := c.backend(t, h)
			if len(want) < 5 {
				t.Fatalf("the backend has %d rows: not a large listing", len(want))
			}
			bound := h.env.MaxResultBytes
			cutHarness := newHarness(t, sandbox.Config{})
			cutHarness.env.MaxResultBytes = c.maxBytes // tools built for 60 KB, rendered under less: pages are cut
			got, cuts := cutHarness.walkCounting(t, c.tool, c.args, c.table)
			gotKeys := keys(got, c.fields...)
			if c.unsorted {
				slices.Sort(gotKeys)
				slices.Sort(want)
			}
			if !slices.Equal(gotKeys, want) {
				t.Errorf("%s: walked %d rows over the pages, the backend has %d (bound %d, was %d)\n%s", c.tool, len(gotKeys), len(want),
					c.maxBytes, bound, firstDifference(gotKeys, want))
			}
			if cuts == 0 {
				t.Errorf("%s: no page was cut under %d bytes: the walk does not test resuming", c.tool, c.maxBytes)
			}
		})
	}
}

func firstDifference(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("first difference at row %d: got %s, want %s", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("one is a prefix of the other (%d vs %d rows)", len(got), len(want))
}

// walkCounting is walk, also counting the pages that were cut to fit.
func (h *harness) walkCounting(t *testing.T, tool string, args map[string]any, key string) ([]map[string]any, int) {
	t.Helper()
	var rows []map[string]any
	cuts := 0
	call := args
	for page := 0; ; page++ {
		if page > 400 {
			t.Fatalf("%s: more than 400 pages", tool)
		}
		res, text, m := h.call(t, tool, call)
		if res.IsError {
			t.Fatalf("%s %v: %s", tool, call, text)
		}
		if m["truncated"] == true {
			cuts++
		}
		rows = append(rows, rowsOf(m, key)...)
		next, _ := m["next_cursor"].(string)
		if next == "" {
			return rows, cuts
		}
		call = map[string]any{"cursor": next}
		for k, v := range args {
			call[k] = v
		}
	}
}

// TestLimitMaximumFits asks each tool with a limit for its advertised maximum over a listing
// with more rows than that: the page holds them all, uncut, at the default size bound. At
// 1fe6f64 get_air_quality advertised 1000 rows a page and cut a page of 300.
func TestLimitMaximumFits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	calls := []struct {
		tool, table string
		args        map[string]any
	}{
		{"get_air_quality", "measurements", map[string]any{"country_codes": []string{"IN"}, "resolution": "readings"}},
		{"get_air_quality", "stations", map[string]any{"country_codes": []string{"IN", "CN", "US"}, "resolution": "monthly", "date_from": "2026-04-01", "date_to": "2026-09-30"}},
		{"get_emissions", "facility_emissions", map[string]any{"country_codes": []string{"US"}, "sources": []string{"climatetrace"}}},
		{"get_emissions", "national_totals", map[string]any{"country_codes": []string{"US", "CN", "IN", "DE"}, "sources": []string{"edgar"}}},
		{"find_nearby", "places", map[string]any{"location_point": []float64{4.4777, 51.9244}, "radius_km": 500}},
		{"storm_events", "events", map[string]any{"state": "Texas"}},
		{"edgar_country_totals", "totals", map[string]any{}},
		{"edgar_air_pollutants", "totals", map[string]any{}},
		{"gcp_national_emissions", "emissions", map[string]any{}},
	}
	for _, c := range calls {
		var s struct {
			Properties map[string]struct {
				Maximum float64 `json:"maximum"`
			} `json:"properties"`
		}
		data, _ := json.Marshal(h.tools[c.tool].InputSchema)
		_ = json.Unmarshal(data, &s)
		limit := int(s.Properties["limit"].Maximum)
		if limit < 20 {
			t.Errorf("%s: limit's maximum is %d: too few rows a page to be useful", c.tool, limit)
		}
		args := map[string]any{"limit": limit}
		for k, v := range c.args {
			args[k] = v
		}
		res, text, m := h.call(t, c.tool, args)
		rows := rowsOf(m, c.table)
		switch {
		case res.IsError:
			t.Errorf("%s with limit %d: %s", c.tool, limit, text)
		case m["truncated"] == true:
			t.Errorf("%s: a page of limit=%d (its maximum) was cut to %d rows", c.tool, limit, len(rows))
		case len(rows) < limit && m["next_cursor"] != nil:
			t.Errorf("%s: %d rows of %d asked, with more to come", c.tool, len(rows), limit)
		case len(rows) < limit:
			t.Errorf("%s: the listing has only %d rows, fewer than limit %d: not a test of the bound", c.tool, len(rows), limit)
		}
		t.Logf("%s: limit max %d, %d rows fit", c.tool, limit, len(rows))
	}
}
