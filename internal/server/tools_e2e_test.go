package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/geo"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// call invokes a tool and decodes its structured content.
func call(ctx context.Context, t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) (*mcp.CallToolResult, map[string]any) {
	t.Helper()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error: %v", tool, err)
	}
	var m map[string]any
	if res.StructuredContent != nil {
		data, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(data, &m)
	}
	return res, m
}

func mustOK(t *testing.T, tool string, res *mcp.CallToolResult) {
	t.Helper()
	if res.IsError {
		t.Fatalf("%s returned a tool error: %s", tool, testenv.Text(res))
	}
}

func rows(m map[string]any, key string) []map[string]any {
	var out []map[string]any
	list, _ := m[key].([]any)
	for _, r := range list {
		if row, ok := r.(map[string]any); ok {
			out = append(out, row)
		}
	}
	return out
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// toolCheck is one tool call and what its answer must satisfy.
type toolCheck struct {
	tool  string
	args  map[string]any
	check func(t *testing.T, text string, m map[string]any)
}

var london = []float64{-0.1276, 51.5072}

func toolChecks() []toolCheck {
	return []toolCheck{
		{"get_air_quality", map[string]any{"location_point": london, "radius_km": 30, "parameters": []string{"pm25"}, "resolution": "readings", "limit": 50},
			func(t *testing.T, text string, m map[string]any) {
				rs := rows(m, "measurements")
				if len(rs) == 0 {
					t.Fatal("no measurements around London")
				}
				for _, r := range rs {
					d := geo.DistanceKm(geo.Point{Lon: london[0], Lat: london[1]}, geo.Point{Lon: num(r["lon"]), Lat: num(r["lat"])})
					if d > 30.5 {
						t.Errorf("station %v is %.1f km away, outside radius 30", r["station"], d)
					}
					if r["pollutant"] != "pm25" || num(r["value"]) == -999 {
						t.Errorf("unexpected row %v", r)
					}
				}
				if !strings.Contains(text, "OpenAQ") || !strings.Contains(text, "Over this page of readings: pm25") {
					t.Errorf("text lacks attribution or summary:\n%s", text)
				}
				if _, ok := m["summary"]; !ok {
					t.Error("structured content lacks the per-pollutant summary")
				}
			}},
		{"get_air_quality", map[string]any{"location_bbox": []float64{2.2, 48.8, 2.5, 48.95}, "resolution": "readings"},
			func(t *testing.T, _ string, m map[string]any) {
				rs := rows(m, "measurements")
				if len(rs) == 0 {
					t.Fatal("no measurements in the Paris box")
				}
				for _, r := range rs {
					if lon, lat := num(r["lon"]), num(r["lat"]); lon < 2.2 || lon > 2.5 || lat < 48.8 || lat > 48.95 {
						t.Errorf("row outside bbox: %v", r)
					}
				}
			}},
		{"get_air_quality", map[string]any{"country_codes": []string{"IND"}, "date_from": "2026-01-01", "date_to": "2026-01-31", "resolution": "readings"},
			func(t *testing.T, _ string, m map[string]any) {
				rs := rows(m, "measurements")
				if len(rs) == 0 {
					t.Fatal("no measurements in India in January 2026")
				}
				for _, r := range rs {
					at, _ := time.Parse(time.RFC3339, r["measured_at"].(string))
					if r["country"] != "IN" || at.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || at.After(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
						t.Errorf("row outside country/date filter: %v", r)
					}
				}
			}},
		{"get_emissions", map[string]any{"country_codes": []string{"NLD"}, "limit": 50},
			func(t *testing.T, text string, m map[string]any) {
				fac, nat := rows(m, "facility_emissions"), rows(m, "national_totals")
				if len(fac) == 0 || len(nat) == 0 {
					t.Fatalf("want both sources, got %d facility and %d national rows", len(fac), len(nat))
				}
				for _, r := range fac {
					if r["country"] != "NLD" || r["gas"] != "co2e_100yr" {
						t.Errorf("facility row off filter: %v", r)
					}
				}
				for _, r := range nat {
					if r["country"] != "NLD" || r["gas"] != "GHG" || r["sector"] != "TOTAL" {
						t.Errorf("national row off filter: %v", r)
					}
				}
				if !strings.Contains(text, "Climate TRACE") || !strings.Contains(text, "EDGAR") {
					t.Error("attribution missing")
				}
			}},
		{"get_emissions", map[string]any{"location_point": []float64{4.4777, 51.9244}, "radius_km": 40, "sources": []string{"climatetrace"}, "sectors": []string{"electricity-generation", "cement"}, "gases": []string{"co2"}},
			func(t *testing.T, _ string, m map[string]any) {
				fac := rows(m, "facility_emissions")
				if len(fac) == 0 {
					t.Fatal("no power or cement emissions around Rotterdam")
				}
				for _, r := range fac {
					if s := r["sector"]; (s != "electricity-generation" && s != "cement") || r["gas"] != "co2" {
						t.Errorf("row off filter: %v", r)
					}
				}
				if _, ok := m["national_totals"]; ok {
					t.Error("EDGAR was not asked for")
				}
			}},
		{"get_trends", map[string]any{"parameter": "no2", "country_codes": []string{"GBR"}, "resolution": "weekly", "date_from": "2026-01-01"},
			func(t *testing.T, text string, m map[string]any) {
				st, _ := m["statistics"].(map[string]any)
				if n := num(st["points"]); n < 30 || n > 40 {
					t.Errorf("weekly points since January: %v", n)
				}
				if len(rows(m, "series")) != int(num(st["points"])) || !strings.Contains(text, "OpenAQ") {
					t.Errorf("series/statistics mismatch: %v", st)
				}
			}},
		{"get_trends", map[string]any{"parameter": "co2e", "country_codes": []string{"DEU"}},
			func(t *testing.T, text string, m map[string]any) {
				if m["source"] != "climatetrace" || len(rows(m, "series")) < 24 || !strings.Contains(text, "Climate TRACE") {
					t.Errorf("gas trend: source %v, %d points", m["source"], len(rows(m, "series")))
				}
			}},
		{"find_nearby", map[string]any{"location_point": []float64{4.4777, 51.9244}, "radius_km": 50},
			func(t *testing.T, _ string, m map[string]any) {
				rs := rows(m, "places")
				if len(rs) == 0 {
					t.Fatal("nothing near Rotterdam")
				}
				var ds []float64
				kinds := map[string]bool{}
				for _, r := range rs {
					ds = append(ds, num(r["distance_km"]))
					kinds[r["source"].(string)] = true
					if num(r["distance_km"]) > 50 {
						t.Errorf("place beyond radius: %v", r)
					}
				}
				if !sort.Float64sAreSorted(ds) {
					t.Error("not sorted nearest first")
				}
				if !kinds["openaq"] || !kinds["climatetrace"] {
					t.Errorf("want stations and facilities, got %v", kinds)
				}
			}},
		{"get_data_summary", map[string]any{},
			func(t *testing.T, _ string, m map[string]any) {
				srcs := rows(m, "sources")
				if len(srcs) != 3 {
					t.Fatalf("want 3 sources, got %v", srcs)
				}
				for _, s := range srcs {
					if num(s["records"]) <= 0 {
						t.Errorf("source without records: %v", s)
					}
				}
			}},
		{"get_system_health", map[string]any{},
			func(t *testing.T, text string, m map[string]any) {
				bridge, _ := m["bridge"].(map[string]any)
				if bridge["backend_reachable"] != true || m["system_status"] == nil {
					t.Errorf("health lacks status or bridge view: %v", m)
				}
				if !strings.Contains(text, "Jana is reachable") {
					t.Errorf("text lacks the bridge's view:\n%s", text)
				}
			}},
		{"list_pollutants", map[string]any{},
			func(t *testing.T, _ string, m map[string]any) {
				got := map[string]string{}
				for _, r := range rows(m, "pollutants") {
					got[r["name"].(string)] = r["units"].(string)
				}
				if got["pm25"] != "µg/m³" || got["pm10"] != "µg/m³" || len(got) < 6 {
					t.Errorf("pollutant catalogue = %v", got)
				}
			}},
		{"get_station", map[string]any{"station_id": 1},
			func(t *testing.T, _ string, m map[string]any) {
				if num(m["id"]) != 1 || m["name"] == "" || len(rows(m, "sensors")) == 0 {
					t.Errorf("station 1 = %v", m)
				}
			}},
		{"air_quality_country_totals", map[string]any{"parameters": []string{"pm25"}},
			func(t *testing.T, _ string, m map[string]any) {
				cs := rows(m, "countries")
				if len(cs) < 30 {
					t.Errorf("want 30+ countries, got %d", len(cs))
				}
			}},
		{"list_emission_sectors", map[string]any{"limit": 100},
			func(t *testing.T, _ string, m map[string]any) {
				if n := len(rows(m, "sectors")); n != 26 {
					t.Errorf("want the 26 Climate TRACE sectors, got %d", n)
				}
			}},
		{"emissions_by_sector", map[string]any{"country_codes": []string{"USA"}},
			func(t *testing.T, _ string, m map[string]any) {
				if len(rows(m, "sectors")) == 0 {
					t.Error("no sector totals for the USA")
				}
			}},
		{"emissions_by_country", map[string]any{"sectors": []string{"cement"}},
			func(t *testing.T, _ string, m map[string]any) {
				if len(rows(m, "countries")) < 5 {
					t.Errorf("cement in fewer than 5 countries: %v", m)
				}
			}},
		{"edgar_country_totals", map[string]any{"country_codes": []string{"IND"}, "gas": "CH4", "limit": 10},
			func(t *testing.T, _ string, m map[string]any) {
				rs := rows(m, "totals")
				if len(rs) != 10 || m["next_cursor"] == nil {
					t.Fatalf("want a first page of 10 with a next cursor, got %d rows", len(rs))
				}
				for _, r := range rs {
					if r["country_code"] != "IND" || r["gas_type"] != "CH4" || r["sector"] != "TOTAL" {
						t.Errorf("row off filter: %v", r)
					}
				}
			}},
		{"platform_statistics", map[string]any{},
			func(t *testing.T, _ string, m map[string]any) {
				if len(rows(m, "tables")) < 4 {
					t.Errorf("tables = %v", m["tables"])
				}
			}},
		{"station_means", map[string]any{"station_id": 3, "resolution": "monthly", "parameters": []string{"pm25"}},
			func(t *testing.T, text string, m map[string]any) {
				if rs := rows(m, "means"); len(rs) != 24 || rs[0]["pollutant"] != "pm25" || !strings.Contains(text, "OpenAQ") {
					t.Errorf("monthly PM2.5 means at station 3: %d rows", len(rs))
				}
			}},
		{"edgar_air_pollutants", map[string]any{"country_codes": []string{"IND"}, "pollutant": "SO2", "limit": 5},
			func(t *testing.T, _ string, m map[string]any) {
				for _, r := range rows(m, "totals") {
					if r["country_code"] != "IND" || r["gas"] != "SO2" || r["sector"] != "TOTAL" {
						t.Errorf("row off filter: %v", r)
					}
				}
				if len(rows(m, "totals")) != 5 || m["next_cursor"] == nil {
					t.Errorf("want a first page of 5 with a next cursor: %v", m)
				}
			}},
		{"facility_owners", map[string]any{"asset_id": 4},
			func(t *testing.T, text string, m map[string]any) {
				if len(rows(m, "owners")) == 0 || !strings.Contains(text, "GLEIF") {
					t.Errorf("owners of asset 4: %s", text)
				}
			}},
		{"storm_events", map[string]any{"location_point": []float64{-95.37, 29.76}, "radius_km": 50, "limit": 10},
			func(t *testing.T, _ string, m map[string]any) {
				for _, r := range rows(m, "events") {
					if d := geo.DistanceKm(geo.Point{Lon: -95.37, Lat: 29.76}, geo.Point{Lon: num(r["lon"]), Lat: num(r["lat"])}); d > 50.5 {
						t.Errorf("event %v is %.1f km away", r["event_id"], d)
					}
				}
				if len(rows(m, "events")) == 0 {
					t.Error("no storms near Houston")
				}
			}},
		{"gcp_national_emissions", map[string]any{"country_codes": []string{"IND"}, "year": 2020},
			func(t *testing.T, _ string, m map[string]any) {
				if rs := rows(m, "emissions"); len(rs) != 1 || rs[0]["country_code"] != "IND" || num(rs[0]["territorial_mtco2"]) < 1000 {
					t.Errorf("India 2020: %v", rs)
				}
			}},
		{"gcp_carbon_budget", map[string]any{},
			func(t *testing.T, _ string, m map[string]any) {
				if rs := rows(m, "budget"); len(rs) < 20 || num(rs[len(rs)-1]["fossil_emissions"]) < 20 {
					t.Errorf("carbon budget rows: %d", len(rs))
				}
			}},
	}
}

// TestEveryToolOverEveryTransport calls every tool, curated and generated, over legacy SSE
// (DRF token in the URL, as URL-only clients do), stateful Streamable HTTP (Token header) and
// stateless Streamable HTTP (a JWT in a Bearer header), and checks the data against the filters.
func TestEveryToolOverEveryTransport(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	stateful := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	stateless := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_STATELESS": "true"}))

	for _, tc := range []struct{ name, base, transport, auth string }{
		{"sse", stateful.URL, testenv.SSE, "query"},
		{"streamable", stateful.URL, testenv.Streamable, "header"},
		{"stateless", stateless.URL, testenv.Streamable, "bearer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			token := sb.Token
			if tc.auth == "bearer" {
				var err error
				if token, _, err = sb.IssueJWT(sandbox.DefaultUsername); err != nil {
					t.Fatal(err)
				}
			}
			cs := testenv.MustConnect(ctx, t, tc.base, tc.transport, token, tc.auth)
			list, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tool := range list.Tools {
				names = append(names, tool.Name)
			}
			seen := map[string]bool{}
			for _, c := range toolChecks() {
				seen[c.tool] = true
				if !slices.Contains(names, c.tool) {
					t.Errorf("tools/list lacks %s", c.tool)
					continue
				}
				res, m := call(ctx, t, cs, c.tool, c.args)
				mustOK(t, c.tool, res)
				c.check(t, testenv.Text(res), m)
			}
			for _, n := range names {
				if !seen[n] {
					t.Errorf("tool %s is served but not exercised by this test", n)
				}
			}
		})
	}
}

// TestTrendsMatchGroundTruth checks get_trends' direction against the trend built into the
// sandbox data for cities that rise, fall and stay flat.
func TestTrendsMatchGroundTruth(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")

	// One city of each kind: falling, rising, flat.
	want := map[string]string{}
	picked := map[string]bool{}
	for _, c := range sb.Dataset().Cities {
		var dir string
		switch {
		case c.TrendPercentPerYear <= -5:
			dir = "decreasing"
		case c.TrendPercentPerYear >= 5:
			dir = "increasing"
		case c.TrendPercentPerYear == 0:
			dir = "stable"
		default:
			continue
		}
		if !picked[dir] {
			picked[dir] = true
			want[c.Name] = dir
		}
	}
	if len(want) != 3 {
		t.Fatalf("dataset lacks a city of each trend kind: %v", want)
	}
	for name, dir := range want {
		c, _ := sb.Dataset().CityByName(name)
		res, m := call(ctx, t, cs, "get_trends", map[string]any{"parameter": "pm25", "location_point": []float64{c.Lon, c.Lat}, "radius_km": 10})
		mustOK(t, "get_trends", res)
		st, _ := m["statistics"].(map[string]any)
		if st["direction"] != dir {
			t.Errorf("%s (built-in trend %+.1f %%/yr): direction %v, want %s\n%s", name, c.TrendPercentPerYear, st["direction"], dir, testenv.Text(res))
		}
		if math.IsNaN(num(st["slope_per_year"])) || st["seasonality_removed"] != true {
			t.Errorf("%s: statistics = %v", name, st)
		}
	}
	// Too little data is said plainly, not an error.
	c := sb.Dataset().Cities[0]
	res, m := call(ctx, t, cs, "get_trends", map[string]any{"parameter": "pm25", "location_point": []float64{c.Lon, c.Lat}, "radius_km": 10,
		"date_from": "2026-09-01", "date_to": "2026-09-20"})
	mustOK(t, "get_trends", res)
	if st, _ := m["statistics"].(map[string]any); st["direction"] != "insufficient_data" || !strings.Contains(testenv.Text(res), "not enough data for a trend") {
		t.Errorf("one monthly point: %v\n%s", m["statistics"], testenv.Text(res))
	}
}

// TestPagingFollowsCursor follows next_cursor of a generated and a curated tool to the end
// and checks no row repeats.
func TestPagingFollowsCursor(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")

	var names []string
	args := map[string]any{"limit": 7}
	for page := 0; ; page++ {
		res, m := call(ctx, t, cs, "list_emission_sectors", args)
		mustOK(t, "list_emission_sectors", res)
		for _, r := range rows(m, "sectors") {
			names = append(names, r["name"].(string))
		}
		next, _ := m["next_cursor"].(string)
		if next == "" {
			break
		}
		if page > 10 {
			t.Fatal("cursor never ends")
		}
		args = map[string]any{"limit": 7, "cursor": next}
	}
	if len(names) != 26 || len(slices.Compact(slices.Sorted(slices.Values(names)))) != 26 {
		t.Errorf("paged through %d sectors (%d distinct), want 26", len(names), len(slices.Compact(slices.Sorted(slices.Values(names)))))
	}

	first := map[string]any{"country_codes": []string{"GBR"}, "limit": 50}
	res1, m1 := call(ctx, t, cs, "get_air_quality", first)
	mustOK(t, "get_air_quality", res1)
	next, _ := m1["next_cursor"].(string)
	if next == "" {
		t.Fatal("no next_cursor on a 50-row page of British measurements")
	}
	second := map[string]any{"country_codes": []string{"GBR"}, "limit": 50, "cursor": next}
	res2, m2 := call(ctx, t, cs, "get_air_quality", second)
	mustOK(t, "get_air_quality", res2)
	key := func(r map[string]any) string { return fmt.Sprint(r["station_id"], r["pollutant"], r["measured_at"]) }
	seen := map[string]bool{}
	for _, r := range rows(m1, "measurements") {
		seen[key(r)] = true
	}
	for _, r := range rows(m2, "measurements") {
		if seen[key(r)] {
			t.Errorf("row repeated on page 2: %v", r)
		}
	}
	// A cursor used with other arguments is refused with a clear message.
	res3, _ := call(ctx, t, cs, "get_air_quality", map[string]any{"country_codes": []string{"FRA"}, "cursor": next})
	if !res3.IsError || !strings.Contains(testenv.Text(res3), "cursor") {
		t.Errorf("foreign cursor: %s", testenv.Text(res3))
	}
}

// TestResultsAreBounded makes a large query against a small size bound.
func TestResultsAreBounded(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_MAX_RESULT_BYTES": "20000"}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")
	// Two years of daily points, one table without paging: cut to fit, and said so.
	res, m := call(ctx, t, cs, "get_trends", map[string]any{"parameter": "pm25", "country_codes": []string{"IND"}, "resolution": "daily"})
	mustOK(t, "get_trends", res)
	data, _ := json.Marshal(res.StructuredContent)
	if size := len(testenv.Text(res)) + len(data); size > 20000 {
		t.Errorf("result is %d bytes, bound 20000", size)
	}
	if m["truncated"] != true || !strings.Contains(testenv.Text(res), "Narrow the query") {
		t.Errorf("cut result does not say so:\n%.500s", testenv.Text(res))
	}
}
