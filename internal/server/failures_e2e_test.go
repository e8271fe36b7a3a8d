package server_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

const (
	opStation      = "v1_data_sources_openaq_locations_retrieve"
	opMeasurements = "v1_data_sources_openaq_measurements_list"
)

// leaks are things a tool error must never show a model.
func assertClean(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, bad := range append([]string{"goroutine", "panic", "dial tcp", "127.0.0.1", "<html", "nginx", "jana/", ".go:"}, secrets...) {
		if bad != "" && strings.Contains(text, bad) {
			t.Errorf("tool error leaks %q: %s", bad, text)
		}
	}
}

// TestFailuresBecomeActionableToolErrors drives every failure class through a real tool call:
// invalid arguments, Jana 4xx, 5xx, HTML error pages, throttling, timeouts and Jana being
// down. Each must come back as a tool error that says what to do, with no internals or token.
func TestFailuresBecomeActionableToolErrors(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{Slow: map[string]time.Duration{"sector_totals": 5 * time.Second}})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_CACHE_ENABLED": "false", "JANA_TIMEOUT": "2500ms", "JANA_SLOW_TIMEOUT": "2500ms", "JANA_RETRIES": "2", "JANA_MAX_RETRY_AFTER": "2s",
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")
	station := map[string]any{"station_id": 3}

	tests := []struct {
		name  string
		setup func()
		tool  string
		args  map[string]any
		want  []string
		ok    bool // the call recovers and succeeds
	}{
		{"swapped bbox", nil, "get_air_quality", map[string]any{"location_bbox": []float64{0.3, 51.2, -0.5, 51.7}},
			[]string{`"location_bbox"`, "min_lon", "Fix it"}, false},
		{"missing location", nil, "get_emissions", map[string]any{"gases": []string{"co2"}},
			[]string{"location filter is required"}, false},
		{"limit out of schema range", nil, "get_air_quality", map[string]any{"country_codes": []string{"GBR"}, "limit": 5000},
			[]string{"limit"}, false},
		{"reversed dates", nil, "get_air_quality", map[string]any{"country_codes": []string{"GBR"}, "date_from": "2026-02-01", "date_to": "2026-01-01"},
			[]string{`"date_from"`, "after date_to"}, false},
		{"unknown station", nil, "get_station", map[string]any{"station_id": 999999},
			[]string{"Not found in Jana (HTTP 404)"}, false},
		{"500", func() { sb.FailNext(opStation, 500, 1) }, "get_station", station,
			[]string{"Jana is unavailable (HTTP 500)", "Retry later"}, false},
		{"503 twice then fine", func() { sb.FailNext(opStation, 503, 2) }, "get_station", station, nil, true},
		{"503 beyond retries", func() { sb.FailNext(opStation, 503, 3) }, "get_station", station,
			[]string{"Jana is unavailable (HTTP 503)"}, false},
		{"HTML 503 from the proxy", func() {
			sb.SetFaults(sandbox.FaultConfig{HTML503: true, ErrorRates: map[int]float64{503: 1}})
		}, "get_station", station, []string{"Jana is unavailable (HTTP 503)"}, false},
		{"429 with a short retry_after is waited out", func() {
			sb.SetFaults(sandbox.FaultConfig{RetryAfter: 1})
			sb.FailNext(opStation, 429, 1)
		}, "get_station", station, nil, true},
		{"429 with a long retry_after is reported", func() {
			sb.SetFaults(sandbox.FaultConfig{RetryAfter: 30})
			sb.FailNext(opStation, 429, 1)
		}, "get_station", station, []string{"rate limiting", "Retry after 30 s"}, false},
		{"slow aggregate times out", nil, "emissions_by_sector", map[string]any{"country_codes": []string{"USA"}},
			[]string{"did not answer in time", "Narrow the query"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sb.SetFaults(sandbox.FaultConfig{})
			if tc.setup != nil {
				tc.setup()
			}
			res, _ := call(ctx, t, cs, tc.tool, tc.args)
			text := testenv.Text(res)
			if res.IsError == tc.ok {
				t.Fatalf("isError = %v, want %v: %s", res.IsError, !tc.ok, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q: %s", w, text)
				}
			}
			assertClean(t, text, sb.Token)
		})
	}
	sb.SetFaults(sandbox.FaultConfig{})
}

// TestJanaDown: a backend that does not answer gives "Jana is unavailable" tool errors and a
// 503 from /ready, while /health stays 200.
func TestJanaDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more

	token := strings.Repeat("7", 40)
	srv := testenv.StartServer(t, testenv.Config(t, dead, map[string]string{"MCP_AUTH_MODE": "service", "JANA_TOKEN": token, "JANA_RETRIES": "1"}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.SSE, "", "")
	res, _ := call(ctx, t, cs, "get_data_summary", map[string]any{})
	if !res.IsError || !strings.Contains(testenv.Text(res), "Jana is unavailable") {
		t.Errorf("tool result with Jana down: %s", testenv.Text(res))
	}
	assertClean(t, testenv.Text(res), token)

	if status, _, body := get(t, srv.URL+"/ready", nil); status != http.StatusServiceUnavailable || !strings.Contains(body, "unavailable") {
		t.Errorf("/ready with Jana down: %d %s", status, body)
	}
	if status, _, body := get(t, srv.URL+"/health", nil); status != http.StatusOK || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("/health with Jana down: %d %s", status, body)
	}

	// In user mode a token cannot be checked while Jana is down: 503, not 401.
	userSrv := testenv.StartServer(t, testenv.Config(t, dead, nil))
	if status, _, body := get(t, userSrv.URL+"/sse?token="+token, nil); status != http.StatusServiceUnavailable || !strings.Contains(body, "backend_unavailable") {
		t.Errorf("token check with Jana down: %d %s", status, body)
	}
}

// TestRenamedParameterIsReported: a backend that renamed a parameter answers 400 with
// unknown_params; the tool says so instead of returning unfiltered data.
func TestRenamedParameterIsReported(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{RenameParams: map[string]string{"country_iso3": "iso3"}})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")
	res, _ := call(ctx, t, cs, "edgar_country_totals", map[string]any{"country_codes": []string{"IND"}})
	text := testenv.Text(res)
	if !res.IsError || !strings.Contains(text, "HTTP 400") || !strings.Contains(text, "country_iso3") || !strings.Contains(text, "backend may have changed") {
		t.Errorf("renamed parameter: %s", text)
	}
}
