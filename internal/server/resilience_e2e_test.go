package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// count returns how many recorded requests have a path ending with suffix.
func (r *recorder) count(pathSuffix string) int {
	n := 0
	for _, e := range r.all() {
		if strings.HasSuffix(e.Path, pathSuffix) {
			n++
		}
	}
	return n
}

// TestRetriesAreCounted: idempotent calls are repeated on 502/503/504, at most JANA_RETRIES
// times, and every repetition is counted; 4xx and 500 are requested exactly once; a 429 is
// waited out once when its retry_after is short and reported at once when it is long.
func TestRetriesAreCounted(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_CACHE_ENABLED": "false", "JANA_RETRIES": "2", "JANA_MAX_RETRY_AFTER": "2s",
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")

	tests := []struct {
		name     string
		setup    func()
		station  int
		ok       bool
		requests int                // backend requests for the station
		retries  map[string]float64 // jana_mcp_backend_retries_total by reason
		statuses map[string]float64 // jana_mcp_backend_responses_total by code
	}{
		{"503 twice, then served", func() { sb.FailNext(opStation, 503, 2) }, 101, true, 3,
			map[string]float64{"503": 2}, map[string]float64{"503": 2, "200": 1}},
		{"502, 504, then served", func() { sb.FailNext(opStation, 502, 1); sb.FailNext(opStation, 504, 1) }, 102, true, 3,
			map[string]float64{"502": 1, "504": 1}, map[string]float64{"502": 1, "504": 1, "200": 1}},
		{"503 beyond JANA_RETRIES", func() { sb.FailNext(opStation, 503, 3) }, 103, false, 3,
			map[string]float64{"503": 2}, map[string]float64{"503": 3}},
		{"500 is not retried", func() { sb.FailNext(opStation, 500, 1) }, 104, false, 1, nil, map[string]float64{"500": 1}},
		{"400 is not retried", func() { sb.FailNext(opStation, 400, 1) }, 105, false, 1, nil, map[string]float64{"400": 1}},
		{"401 is not retried for a user", func() { sb.FailNext(opStation, 401, 1) }, 106, false, 1, nil, map[string]float64{"401": 1}},
		{"404 is not retried", nil, 999999, false, 1, nil, map[string]float64{"404": 1}},
		{"429 with a short retry_after is waited out", func() {
			sb.SetFaults(sandbox.FaultConfig{RetryAfter: 1})
			sb.FailNext(opStation, 429, 1)
		}, 107, true, 2, map[string]float64{"429": 1}, map[string]float64{"429": 1, "200": 1}},
		{"429 with a long retry_after is reported at once", func() {
			sb.SetFaults(sandbox.FaultConfig{RetryAfter: 30})
			sb.FailNext(opStation, 429, 1)
		}, 108, false, 1, nil, map[string]float64{"429": 1}},
	}
	// What the model is told, where it says what to do.
	advice := map[string]string{
		"503 beyond JANA_RETRIES":                         "Jana is unavailable (HTTP 503)",
		"429 with a long retry_after is reported at once": "Retry after 30 s",
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sb.SetFaults(sandbox.FaultConfig{})
			if tc.setup != nil {
				tc.setup()
			}
			before, _ := scrape(t, srv.URL)
			res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": tc.station})
			if res.IsError == tc.ok {
				t.Errorf("isError = %v, want %v: %s", res.IsError, !tc.ok, testenv.Text(res))
			}
			if want := advice[tc.name]; !strings.Contains(testenv.Text(res), want) {
				t.Errorf("result %q does not say %q", testenv.Text(res), want)
			}
			if got := rec.count(fmt.Sprintf("/locations/%d/", tc.station)); got != tc.requests {
				t.Errorf("the sandbox saw %d requests, want %d", got, tc.requests)
			}
			after, _ := scrape(t, srv.URL)
			for _, reason := range []string{"502", "503", "504", "429", "connection", "401", "403"} {
				got := after.value("jana_mcp_backend_retries_total", "reason", reason) - before.value("jana_mcp_backend_retries_total", "reason", reason)
				if got != tc.retries[reason] {
					t.Errorf("jana_mcp_backend_retries_total{reason=%q} moved by %v, want %v", reason, got, tc.retries[reason])
				}
			}
			for code, want := range tc.statuses {
				if got := after.value("jana_mcp_backend_responses_total", "code", code) - before.value("jana_mcp_backend_responses_total", "code", code); got != want {
					t.Errorf("jana_mcp_backend_responses_total{code=%q} moved by %v, want %v", code, got, want)
				}
			}
		})
	}
}

// TestRetriesStayWithinTheDeadline: a retry whose backoff would outlast the call's
// JANA_TIMEOUT is not attempted; the call fails at once with the backend's answer.
func TestRetriesStayWithinTheDeadline(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_CACHE_ENABLED": "false", "JANA_RETRIES": "5", "JANA_TIMEOUT": "1s", "JANA_RETRY_BACKOFF": "4s",
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")
	sb.FailNext(opStation, 503, 1)
	start := time.Now()
	res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": 120})
	if !res.IsError || !strings.Contains(testenv.Text(res), "HTTP 503") {
		t.Errorf("result: %s", testenv.Text(res))
	}
	if got := rec.count("/locations/120/"); got != 1 {
		t.Errorf("the sandbox saw %d requests, want 1 (a 2-4 s backoff does not fit in a 1 s budget)", got)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the call took %v: it waited for a retry it could not make", d)
	}
}

// flakyProxy forwards TCP connections to a backend, except that it can cut the next few new
// connections as soon as they are accepted (a connection error for the client).
type flakyProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	drop  int
	cut   int
	conns map[net.Conn]struct{}
}

func startFlakyProxy(t *testing.T, target string) *flakyProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{ln: ln, target: strings.TrimPrefix(target, "http://"), conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() {
		ln.Close()
		p.closeAll()
	})
	go p.serve()
	return p
}

func (p *flakyProxy) URL() string { return "http://" + p.ln.Addr().String() }

// dropNext closes every open connection and cuts the next n new ones.
func (p *flakyProxy) dropNext(n int) {
	p.closeAll()
	p.mu.Lock()
	p.drop = n
	p.mu.Unlock()
}

func (p *flakyProxy) cutCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut
}

func (p *flakyProxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *flakyProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.drop > 0 {
			p.drop--
			p.cut++
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		go p.pipe(c)
	}
}

func (p *flakyProxy) pipe(c net.Conn) {
	defer func() {
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
		c.Close()
	}()
	b, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer b.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(b, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, b); done <- struct{}{} }()
	<-done
}

// TestRetriesOnConnectionErrors: connections Jana cuts are retried like 503s, and counted.
func TestRetriesOnConnectionErrors(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	proxy := startFlakyProxy(t, sb.URL)
	srv := testenv.StartServer(t, testenv.Config(t, proxy.URL(), map[string]string{"MCP_CACHE_ENABLED": "false", "JANA_RETRIES": "2"}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")

	before, _ := scrape(t, srv.URL)
	proxy.dropNext(2)
	res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": 130})
	mustOK(t, "get_station", res)
	if proxy.cutCount() != 2 {
		t.Errorf("the proxy cut %d connections, want 2", proxy.cutCount())
	}
	if got := rec.count("/locations/130/"); got != 1 {
		t.Errorf("the sandbox saw %d requests, want 1", got)
	}
	after, _ := scrape(t, srv.URL)
	if got := after.value("jana_mcp_backend_retries_total", "reason", "connection") - before.value("jana_mcp_backend_retries_total", "reason", "connection"); got != 2 {
		t.Errorf("jana_mcp_backend_retries_total{reason=connection} moved by %v, want 2", got)
	}
	if got := after.value("jana_mcp_backend_responses_total", "code", "0") - before.value("jana_mcp_backend_responses_total", "code", "0"); got != 2 {
		t.Errorf("jana_mcp_backend_responses_total{code=0} moved by %v, want 2", got)
	}

	// Beyond JANA_RETRIES the call fails with "unavailable", after 3 attempts.
	proxy.dropNext(3)
	res, _ = call(ctx, t, cs, "get_station", map[string]any{"station_id": 131})
	if !res.IsError || !strings.Contains(testenv.Text(res), "Jana is unavailable") {
		t.Errorf("with every attempt cut: %s", testenv.Text(res))
	}
	assertClean(t, testenv.Text(res), sb.Token)
	if got := rec.count("/locations/131/"); got != 0 {
		t.Errorf("the sandbox saw %d requests, want 0", got)
	}
}

// TestBackendTimeouts: JANA_TIMEOUT bounds every backend call, tool calls and token checks
// alike; the sandbox sees the abandoned request cancelled.
func TestBackendTimeouts(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe, Slow: map[string]time.Duration{"sector_totals": 10 * time.Second}})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_CACHE_ENABLED": "false", "JANA_TIMEOUT": "1s", "JANA_SLOW_TIMEOUT": "1s", "MCP_AUTH_CACHE_TTL": "0",
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.SSE, sb.Token, "query")

	start := time.Now()
	res, _ := call(ctx, t, cs, "emissions_by_sector", map[string]any{"country_codes": []string{"USA"}})
	if !res.IsError || !strings.Contains(testenv.Text(res), "did not answer in time") {
		t.Errorf("slow aggregate: %s", testenv.Text(res))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the call took %v with JANA_TIMEOUT=1s", d)
	}
	if !eventually(5*time.Second, func() bool { return cancelledCount(rec, "sector_totals") == 1 }) {
		t.Errorf("the sandbox did not see the timed-out request cancelled: %+v", rec.all())
	}

	// The token check before a stream opens has the same budget.
	if err := sb.SetDelays(0, 0, map[string]time.Duration{"auth_user": 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	r := send(t, request{method: http.MethodGet, url: srv.URL + "/sse?token=" + sb.Token})
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("token check against a stalled Jana: %d %s, want 503", r.status, r.body)
	} else if e := r.errorBody(t); e.Code != "backend_unavailable" {
		t.Errorf("code %q, want backend_unavailable", e.Code)
	}
	if !eventually(5*time.Second, func() bool { return cancelledCount(rec, "auth_user_retrieve") == 1 }) {
		t.Error("the sandbox did not see the timed-out token check cancelled")
	}
}

// cancelledCount counts the recorded requests of operations named like op that the client
// abandoned.
func cancelledCount(rec *recorder, op string) int {
	n := 0
	for _, e := range rec.all() {
		if strings.Contains(e.OperationID, op) && e.Cancelled {
			n++
		}
	}
	return n
}

// slowCall is the tool call the cancellation tests abandon: the sandbox holds its backend
// request for slowFor.
const slowFor = 6 * time.Second

var slowArgs = map[string]any{"country_codes": []string{"USA"}}

// TestCancellationReachesJana: however a client abandons a tool call — a notifications/
// cancelled from the go-sdk client or sent by hand, a dropped SSE stream, a closed HTTP
// request on stateful or stateless Streamable HTTP — the backend request in flight is
// cancelled within a couple of seconds, long before Jana would have answered.
func TestCancellationReachesJana(t *testing.T) {
	t.Parallel()
	type env struct {
		sb  *testenv.Sandbox
		rec *recorder
		srv *testenv.Server
	}
	start := func(t *testing.T, settings map[string]string) env {
		rec := &recorder{}
		sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe, Slow: map[string]time.Duration{"sector_totals": slowFor}})
		srv := testenv.StartServer(t, testenv.Config(t, sb.URL, with(settings, "MCP_CACHE_ENABLED", "false", "JANA_TIMEOUT", "30s")))
		return env{sb, rec, srv}
	}
	// abandon waits until the slow request reached the sandbox, runs cancel, and checks that
	// the sandbox saw that request cancelled soon after.
	abandon := func(t *testing.T, e env, cancel func()) {
		t.Helper()
		if !eventually(10*time.Second, func() bool { return e.sb.Started("/sector_totals/") == 1 }) {
			t.Fatal("the slow request never reached the sandbox")
		}
		at := time.Now()
		cancel()
		if !eventually(slowFor, func() bool { return cancelledCount(e.rec, "sector_totals") == 1 }) {
			t.Fatalf("the sandbox did not see the request cancelled: %+v", e.rec.all())
		}
		if d := time.Since(at); d > 3*time.Second {
			t.Errorf("cancellation took %v to reach the sandbox", d)
		}
		if e.sb.Started("/sector_totals/") != 1 {
			t.Errorf("the sandbox saw %d requests, want 1 (no retry of a cancelled call)", e.sb.Started("/sector_totals/"))
		}
	}
	goSDK := func(transport, auth string) func(t *testing.T) {
		return func(t *testing.T) {
			t.Parallel()
			e := start(t, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cs := testenv.MustConnect(ctx, t, e.srv.URL, transport, e.sb.Token, auth)
			callCtx, cancelCall := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() {
				_, err := cs.CallTool(callCtx, &mcp.CallToolParams{Name: "emissions_by_sector", Arguments: slowArgs})
				done <- err
			}()
			abandon(t, e, cancelCall)
			if err := <-done; err == nil {
				t.Error("the cancelled call returned a result")
			}
			// The session survives the cancellation.
			res, _ := call(ctx, t, cs, "list_pollutants", map[string]any{})
			mustOK(t, "list_pollutants", res)
		}
	}
	t.Run("go-sdk client over SSE", goSDK(testenv.SSE, "query"))
	t.Run("go-sdk client over Streamable HTTP", goSDK(testenv.Streamable, "header"))

	t.Run("notifications/cancelled on Streamable HTTP", func(t *testing.T) {
		t.Parallel()
		e := start(t, nil)
		h := mcpSession(t, e.srv.URL, map[string]string{"Authorization": "Token " + e.sb.Token})
		done := make(chan error, 1)
		go func() {
			_, err := trySend(request{method: http.MethodPost, url: e.srv.URL + "/mcp", header: h, body: toolCall(7, "emissions_by_sector", slowArgs)})
			done <- err
		}()
		abandon(t, e, func() {
			cancelled := rpc(0, "notifications/cancelled", map[string]any{"requestId": 7, "reason": "user pressed stop"})
			if r := send(t, request{method: http.MethodPost, url: e.srv.URL + "/mcp", header: h, body: cancelled}); r.status != http.StatusAccepted {
				t.Errorf("notifications/cancelled: %d %s", r.status, r.body)
			}
		})
		if err := <-done; err != nil {
			t.Errorf("the POST of the cancelled call: %v", err)
		}
	})

	t.Run("notifications/cancelled on SSE", func(t *testing.T) {
		t.Parallel()
		e := start(t, nil)
		s, post := sseSession(t, e.srv.URL, "?token="+e.sb.Token, nil)
		h := map[string]string{"Content-Type": "application/json"}
		if r := send(t, request{method: http.MethodPost, url: post, header: h, body: toolCall(7, "emissions_by_sector", slowArgs)}); r.status != http.StatusAccepted {
			t.Fatalf("tools/call: %d %s", r.status, r.body)
		}
		abandon(t, e, func() {
			send(t, request{method: http.MethodPost, url: post, header: h, body: rpc(0, "notifications/cancelled", map[string]any{"requestId": 7})})
		})
		// The stream stays usable.
		send(t, request{method: http.MethodPost, url: post, header: h, body: rpc(8, "ping", nil)})
		if _, ok := s.message(5*time.Second, 8); !ok {
			t.Error("no answer on the stream after a cancellation")
		}
	})

	t.Run("SSE stream dropped", func(t *testing.T) {
		t.Parallel()
		e := start(t, nil)
		s, post := sseSession(t, e.srv.URL, "?token="+e.sb.Token, nil)
		if r := send(t, request{method: http.MethodPost, url: post, header: map[string]string{"Content-Type": "application/json"},
			body: toolCall(7, "emissions_by_sector", slowArgs)}); r.status != http.StatusAccepted {
			t.Fatalf("tools/call: %d %s", r.status, r.body)
		}
		abandon(t, e, s.close)
	})

	closedPOST := func(settings map[string]string, session bool) func(t *testing.T) {
		return func(t *testing.T) {
			t.Parallel()
			e := start(t, settings)
			auth := map[string]string{"Authorization": "Token " + e.sb.Token}
			h := with(jsonRPCHeaders, flat(auth)...)
			if session {
				h = mcpSession(t, e.srv.URL, auth)
			}
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+"/mcp", strings.NewReader(toolCall(7, "emissions_by_sector", slowArgs)))
			for k, v := range h {
				req.Header.Set(k, v)
			}
			done := make(chan error, 1)
			go func() {
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					_, err = io.ReadAll(resp.Body) // the answer would come on this stream
					resp.Body.Close()
				}
				done <- err
			}()
			abandon(t, e, cancel)
			if err := <-done; err == nil {
				t.Error("the abandoned POST got an answer")
			}
		}
	}
	t.Run("stateful POST closed", closedPOST(nil, true))
	t.Run("stateless POST closed", closedPOST(map[string]string{"MCP_STATELESS": "true"}, false))
}

// TestKeepAlive: idle event streams carry comment keep-alives every MCP_SSE_KEEPALIVE (25 s
// by default), with headers that keep proxies from buffering or compressing them.
func TestKeepAlive(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	if d := testenv.Config(t, sb.URL, nil).Transport.KeepAlive; d != 25*time.Second {
		t.Errorf("default MCP_SSE_KEEPALIVE = %v, want 25s", d)
	}
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_SSE_KEEPALIVE": "200ms"}))
	auth := map[string]string{"Authorization": "Token " + sb.Token, "Accept-Encoding": "gzip"}

	checkHeaders := func(t *testing.T, r response) {
		t.Helper()
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream") ||
			r.header.Get("X-Accel-Buffering") != "no" || r.header.Get("Content-Encoding") != "" {
			t.Errorf("stream headers: %d %v", r.status, r.header)
		}
	}
	checkKeepAlives := func(t *testing.T, s *stream) {
		t.Helper()
		for i := range 2 {
			if _, ok := s.next(3*time.Second, func(l string) bool { return l == ": keep-alive" }); !ok {
				t.Fatalf("keep-alive %d never came on an idle stream", i+1)
			}
		}
	}

	t.Run("GET /sse", func(t *testing.T) {
		s, r := openStream(t, srv.URL+"/sse", auth)
		if s == nil {
			t.Fatalf("GET /sse: %d %s", r.status, r.body)
		}
		checkHeaders(t, r)
		s.endpoint(t, srv.URL)
		checkKeepAlives(t, s)
	})
	t.Run("GET /mcp", func(t *testing.T) {
		h := mcpSession(t, srv.URL, auth)
		s, r := openStream(t, srv.URL+"/mcp", h)
		if s == nil {
			t.Fatalf("GET /mcp: %d %s", r.status, r.body)
		}
		checkHeaders(t, r)
		checkKeepAlives(t, s)

		// A POST answered as an event stream gets the same headers.
		post := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: h, body: rpc(3, "tools/list", nil)})
		checkHeaders(t, post)
	})
}
