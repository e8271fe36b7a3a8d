package sandbox

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// recorder collects observer events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) observe(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

func TestLatency(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Latency: 60 * time.Millisecond, LatencyJitter: 20 * time.Millisecond})
	start := time.Now()
	resp, err := e.client.V1EsgHealthRetrieveWithResponse(ctx(t))
	if err != nil || resp.StatusCode() != http.StatusOK {
		t.Fatal(err, resp.StatusCode())
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("answered in %v, want at least the 60ms latency", d)
	}
}

func TestInjectedStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status      int
		html        bool
		contentType string
		contains    string
	}{
		{500, false, "application/json", `"detail":"A server error occurred."`},
		{502, false, "application/json", `"detail":"Bad gateway."`},
		{503, false, "application/json", `"detail":"Service temporarily unavailable, try again later."`},
		{503, true, "text/html", "<center>nginx</center>"},
		{429, false, "application/json", `"retry_after":3`},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			e := newEnv(t, Config{Faults: FaultConfig{ErrorRates: map[int]float64{tc.status: 1}, RetryAfter: 3, HTML503: tc.html},
				Observer: rec.observe})
			resp, err := e.client.V1DataSourcesClimatetraceSectorsListWithResponse(ctx(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode() != tc.status || !strings.HasPrefix(resp.HTTPResponse.Header.Get("Content-Type"), tc.contentType) ||
				!strings.Contains(string(resp.Body), tc.contains) {
				t.Fatalf("got %d %q %s", resp.StatusCode(), resp.HTTPResponse.Header.Get("Content-Type"), resp.Body)
			}
			if tc.status == 429 {
				if resp.JSON429 == nil || resp.JSON429.Detail != "Request was throttled. Expected available in 3 seconds." {
					t.Errorf("429 body %s", resp.Body)
				}
				if got := resp.HTTPResponse.Header.Get("Retry-After"); got != "3" {
					t.Errorf("Retry-After %q", got)
				}
			}
			ev := rec.all()
			if len(ev) != 1 || ev[0].Status != tc.status || ev[0].Fault != "error_rate" ||
				ev[0].OperationID != "v1_data_sources_climatetrace_sectors_list" {
				t.Errorf("events %+v", ev)
			}
			st := e.sb.Stats()
			if st.Faults != 1 || st.Operations["v1_data_sources_climatetrace_sectors_list"].Statuses[tc.status] != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestErrorRateIsAProbability(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Faults: FaultConfig{ErrorRates: map[int]float64{503: 0.3}}})
	failed := 0
	for i := 0; i < 200; i++ {
		resp, err := e.client.V1EsgHealthRetrieveWithResponse(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() == 503 {
			failed++
		}
	}
	if failed < 30 || failed > 90 {
		t.Errorf("%d of 200 requests failed at rate 0.3", failed)
	}
	e.sb.SetFaults(FaultConfig{})
	if resp, _ := e.client.V1EsgHealthRetrieveWithResponse(ctx(t)); resp.StatusCode() != 200 {
		t.Errorf("after SetFaults({}): %d", resp.StatusCode())
	}
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.sb.FailNext("sector_totals", 503, 2)
	e.sb.FailNext("", 500, 1)
	// Another operation is not affected by the sector_totals rule but takes the catch-all one.
	if r, _ := e.client.V1EsgHealthRetrieveWithResponse(ctx(t)); r.StatusCode() != 500 {
		t.Errorf("health: %d, want the catch-all 500", r.StatusCode())
	}
	if r, _ := e.client.V1EsgHealthRetrieveWithResponse(ctx(t)); r.StatusCode() != 200 {
		t.Errorf("health: %d, want 200 once the rule is used up", r.StatusCode())
	}
	for i, want := range []int{503, 503, 200} {
		r, err := e.client.V1DataSourcesClimatetraceEmissionsSectorTotalsRetrieveWithResponse(ctx(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.StatusCode() != want {
			t.Errorf("call %d: %d, want %d", i, r.StatusCode(), want)
		}
	}
}

func TestSlowEndpointAndCancellation(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	e := newEnv(t, Config{Slow: map[string]time.Duration{"sector_totals": 300 * time.Millisecond}, Observer: rec.observe})

	start := time.Now()
	r, err := e.client.V1DataSourcesClimatetraceEmissionsSectorTotalsRetrieveWithResponse(ctx(t), nil)
	if err != nil || r.JSON200 == nil {
		t.Fatalf("%v %s", err, r.Body)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("slow endpoint answered in %v", d)
	}
	if len(*r.JSON200) != 26 {
		t.Errorf("%d sector totals, want 26", len(*r.JSON200))
	}
	start = time.Now()
	if _, err := e.client.V1DataSourcesClimatetraceEmissionsTotalsRetrieveWithResponse(ctx(t), nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("totals (not slow) took %v", d)
	}

	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = e.client.V1DataSourcesClimatetraceEmissionsSectorTotalsRetrieveWithResponse(c, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("client error %v, want deadline exceeded", err)
	}
	// The server notices the disconnect and records it.
	deadline := time.Now().Add(2 * time.Second)
	for e.sb.Stats().Cancelled == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := e.sb.Stats()
	op := st.Operations["v1_data_sources_climatetrace_emissions_sector_totals_retrieve"]
	if st.Cancelled != 1 || op.Cancelled != 1 || op.Statuses[StatusClientClosed] != 1 {
		t.Fatalf("stats %+v", st)
	}
	var cancelled []Event
	for _, ev := range rec.all() {
		if ev.Cancelled {
			cancelled = append(cancelled, ev)
		}
	}
	if len(cancelled) != 1 || cancelled[0].Fault != "slow" || cancelled[0].Duration > 250*time.Millisecond {
		t.Errorf("cancelled events %+v: want one, cut short during the slow delay", cancelled)
	}
}

func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	do := func(method, path, body string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx(t), method, e.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, body := do("PUT", "/__sandbox/faults", `{"error_rates":{"502":0},"retry_after":2,"latency":"1ms","slow":{"sector_totals":"5ms"},"fail_next":{"operation_id":"v1_esg_parameters_retrieve","status":429,"count":1}}`); code != 200 ||
		!strings.Contains(body, `"pending_fail_next":1`) || !strings.Contains(body, `"latency":"1ms"`) {
		t.Fatalf("PUT faults: %d %s", code, body)
	}
	if code, body := do("PUT", "/__sandbox/faults", `{"error_rates":{"200":0.5}}`); code != 400 {
		t.Errorf("bad status accepted: %d %s", code, body)
	}
	r, _ := e.client.V1EsgParametersRetrieveWithResponse(ctx(t), nil)
	if r.StatusCode() != 429 || r.JSON429 == nil || *r.JSON429.RetryAfter != 2 {
		t.Errorf("fail_next via admin: %d %s", r.StatusCode(), r.Body)
	}
	code, body := do("GET", "/__sandbox/stats", "")
	st := decode[Stats](t, []byte(body))
	if code != 200 || st.Requests != 1 || st.Operations["v1_esg_parameters_retrieve"].Statuses[429] != 1 {
		t.Errorf("stats: %d %s", code, body)
	}
	if code, _ := do("POST", "/__sandbox/reset", ""); code != 200 {
		t.Errorf("reset: %d", code)
	}
	if st := e.sb.Stats(); st.Requests != 0 {
		t.Errorf("after reset: %+v", st)
	}
	if code, body := do("GET", "/__sandbox/faults", ""); code != 200 || !strings.Contains(body, `"latency":"0s"`) {
		t.Errorf("faults after reset: %s", body)
	}
	// Admin paths are outside the schema's parameter checks.
	if code, _ := do("GET", "/__sandbox/stats?anything=1", ""); code != 200 {
		t.Errorf("admin with query: %d", code)
	}
}

func TestInvalidFaultConfig(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"slow matches nothing": {Slow: map[string]time.Duration{"no_such_op": time.Second}},
		"rate above one":       {Faults: FaultConfig{ErrorRates: map[int]float64{500: 1.5}}},
		"rename unknown param": {RenameParams: map[string]string{"nope": "x"}},
		"rename clash":         {RenameParams: map[string]string{"page": "page_size"}},
		"duplicate user":       {Users: []User{{Username: "a", Password: "b"}, {Username: "a", Password: "c"}}},
	} {
		if _, err := assemble(cfg, testDataset(t)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	_ = janaapi.ErrorDetail{}
}
