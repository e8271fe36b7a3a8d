package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

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

// TestEveryToolOverEveryTransport makes every example call of the manifest (gen/calls.gen.json,
// curated and generated tools alike) over legacy SSE (DRF token in the URL, as URL-only
// clients do), stateful Streamable HTTP (Token header) and stateless Streamable HTTP (a JWT in
// a Bearer header), and checks each answer shows what its example says. Every served tool must
// have an example; what a tool's rows must satisfy (radius, bbox, filters) is tested beside
// the tool in internal/tools.
func TestEveryToolOverEveryTransport(t *testing.T) {
	t.Parallel()
	calls := testenv.Calls(t)
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
			for i, c := range calls {
				if !slices.Contains(names, c.Tool) {
					t.Errorf("tools/list lacks %s", c.Tool)
					continue
				}
				res, m := call(ctx, t, cs, c.Tool, c.Arguments)
				for _, problem := range c.Expect.Check(res.IsError, testenv.Text(res), m) {
					t.Errorf("call %d, %s %v: %s\n%.500s", i+1, c.Tool, c.Arguments, problem, testenv.Text(res))
				}
			}
			examined := testenv.CalledTools(calls)
			for _, n := range names {
				if !slices.Contains(examined, n) {
					t.Errorf("tool %s is served but has no example in api/tools.yaml", n)
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
