package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/testenv/syncbuf"
)

// TestMetrics: /metrics exposes every series from the first scrape, and the counters move by
// exactly what the calls did; no label holds a token or a user.
func TestMetrics(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"JANA_RETRIES": "2"}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	families := []string{
		"jana_mcp_tool_calls_total", "jana_mcp_tool_duration_seconds", "jana_mcp_backend_request_duration_seconds",
		"jana_mcp_backend_responses_total", "jana_mcp_sessions_active", "jana_mcp_rate_limited_total",
		"jana_mcp_backend_retries_total", "jana_mcp_cache_lookups_total", "jana_mcp_build_info",
		"jana_mcp_http_requests_total", "go_goroutines", "process_resident_memory_bytes",
	}
	before, _ := scrape(t, srv.URL)
	for _, name := range families {
		// Histograms and the series labelled by status have no series before the first
		// observation; the rest exist at once.
		if before[name] == nil && !strings.HasSuffix(name, "_seconds") && name != "jana_mcp_backend_responses_total" && name != "jana_mcp_http_requests_total" {
			t.Errorf("%s is missing from the first scrape", name)
		}
	}
	for _, limit := range []string{"general", "sse", "messages"} {
		if !hasSeries(before, "jana_mcp_rate_limited_total", "limit", limit) {
			t.Errorf("jana_mcp_rate_limited_total{limit=%q} does not exist at start", limit)
		}
	}
	if !hasSeries(before, "jana_mcp_tool_calls_total", "tool", "get_station", "outcome", "tool_error") {
		t.Error("jana_mcp_tool_calls_total has no zero series for the tools at start")
	}
	if before.value("jana_mcp_build_info") != 1 || !hasLabel(before, "jana_mcp_build_info", "version") {
		t.Error("jana_mcp_build_info is not 1 with a version label")
	}

	sse := testenv.MustConnect(ctx, t, srv.URL, testenv.SSE, sb.Token, "query")
	streamable := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")
	mid, _ := scrape(t, srv.URL)
	for transport, want := range map[string]float64{"sse": 1, "streamable": 1} {
		if got := mid.value("jana_mcp_sessions_active", "transport", transport); got != want {
			t.Errorf("jana_mcp_sessions_active{transport=%q} = %v, want %v", transport, got, want)
		}
	}

	// Two station calls (the second a cache hit), one after a 503, one invalid call.
	for _, cs := range []*mcp.ClientSession{sse, streamable} {
		res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": 42})
		mustOK(t, "get_station", res)
	}
	sb.FailNext(opStation, 503, 1)
	res, _ := call(ctx, t, streamable, "get_station", map[string]any{"station_id": 43})
	mustOK(t, "get_station", res)
	res, _ = call(ctx, t, sse, "get_air_quality", map[string]any{"location_bbox": []float64{1, 1, 0, 0}})
	if !res.IsError {
		t.Fatal("a swapped bbox was accepted")
	}

	after, text := scrape(t, srv.URL)
	for _, name := range families {
		if after[name] == nil {
			t.Errorf("%s is missing", name)
		}
	}
	moved := func(name string, want float64, labels ...string) {
		t.Helper()
		if got := after.value(name, labels...) - before.value(name, labels...); got != want {
			t.Errorf("%s%v moved by %v, want %v", name, labels, got, want)
		}
	}
	moved("jana_mcp_tool_calls_total", 3, "tool", "get_station", "outcome", "ok")
	moved("jana_mcp_tool_calls_total", 1, "tool", "get_air_quality", "outcome", "tool_error")
	moved("jana_mcp_tool_calls_total", 4)
	moved("jana_mcp_tool_duration_seconds", 3, "tool", "get_station")
	moved("jana_mcp_backend_retries_total", 1, "reason", "503")
	moved("jana_mcp_backend_responses_total", 1, "code", "503")
	// Counted from after the sessions opened: initialize reads the data's coverage (three
	// lookups) for the instructions.
	movedSince := func(name string, want float64, labels ...string) {
		t.Helper()
		if got := after.value(name, labels...) - mid.value(name, labels...); got != want {
			t.Errorf("%s%v moved by %v since the sessions opened, want %v", name, labels, got, want)
		}
	}
	movedSince("jana_mcp_cache_lookups_total", 1, "result", "hit")
	movedSince("jana_mcp_cache_lookups_total", 2, "result", "miss")
	// One attempt per status counted: the duration histogram saw every attempt.
	if got, want := after.value("jana_mcp_backend_request_duration_seconds"), after.value("jana_mcp_backend_responses_total"); got != want || got < 4 {
		t.Errorf("backend latency samples %v, responses %v: want equal, and at least 4", got, want)
	}
	if after.value("jana_mcp_http_requests_total", "route", "/mcp") == 0 || after.value("jana_mcp_http_requests_total", "route", "/messages") == 0 {
		t.Error("jana_mcp_http_requests_total did not count the MCP routes")
	}

	// Labels are tools, outcomes, transports, routes, codes, endpoints: never a token or user.
	for _, bad := range []string{sb.Token, "user:", sandbox.DefaultUsername} {
		if strings.Contains(text, bad) {
			t.Errorf("/metrics contains %q", bad)
		}
	}
	hexID := regexp.MustCompile(`[0-9a-f]{16}`) // tokens and caller keys
	for name, fam := range after {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.HasPrefix(l.GetValue(), "user:") || hexID.MatchString(l.GetValue()) {
					t.Errorf("%s has a suspicious label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}

	_ = sse.Close()
	_ = streamable.Close()
	if !eventually(5*time.Second, func() bool {
		m, _ := scrape(t, srv.URL)
		return m.value("jana_mcp_sessions_active") == 0
	}) {
		t.Error("jana_mcp_sessions_active did not return to 0 after the sessions closed")
	}
}

func hasSeries(m metrics, name string, labels ...string) bool {
	if m[name] == nil {
		return false
	}
	for _, s := range m[name].GetMetric() {
		if hasLabels(s, labels) {
			return true
		}
	}
	return false
}

func hasLabel(m metrics, name, label string) bool {
	for _, s := range m[name].GetMetric() {
		for _, l := range s.GetLabel() {
			if l.GetName() == label && l.GetValue() != "" {
				return true
			}
		}
	}
	return false
}

// TestLogs: one JSON access line per HTTP request (method, path, status, duration_ms,
// request_id) and one "tool call" line per call (tool, outcome, duration_ms, backend_status,
// call_id, session_id) on every transport; LOG_LEVEL=warn keeps only the warnings.
func TestLogs(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"LOG_LEVEL": "info"}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Requests with our own X-Request-ID, so each can be found in the log.
	ids := map[string]string{}
	for i, p := range []string{"/health", "/ready", "/metrics", "/nope"} {
		id := fmt.Sprintf("req-%d", i)
		ids[id] = p
		send(t, request{method: http.MethodGet, url: srv.URL + p, header: map[string]string{"X-Request-ID": id}})
	}
	auth := map[string]string{"Authorization": "Token " + sb.Token}
	h := mcpSession(t, srv.URL, auth)
	r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(h, "X-Request-ID", "req-call"),
		body: toolCall(5, "get_station", map[string]any{"station_id": 7})})
	if r.status != http.StatusOK {
		t.Fatalf("tools/call: %d %s", r.status, r.body)
	}
	ids["req-call"] = "/mcp"
	s, post := sseSession(t, srv.URL, "?token="+sb.Token, nil)
	send(t, request{method: http.MethodPost, url: post, header: map[string]string{"Content-Type": "application/json"},
		body: toolCall(6, "get_station", map[string]any{"station_id": 999999})})
	if _, ok := s.message(10*time.Second, 6); !ok {
		t.Fatal("no answer to the SSE tool call")
	}
	jwt, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, jwt, "bearer")
	res, _ := call(ctx, t, cs, "list_pollutants", map[string]any{})
	mustOK(t, "list_pollutants", res)
	s.close()

	var lines []map[string]any
	if !eventually(5*time.Second, func() bool {
		lines = logLines(t, srv.Logs.String())
		return countMsg(lines, "tool call") == 3 && countAccess(lines, "/sse") == 1
	}) {
		t.Fatalf("log lines: %s", srv.Logs.String())
	}
	for id, path := range ids {
		n := 0
		for _, l := range lines {
			if l["msg"] == "http request" && l["request_id"] == id {
				n++
				if l["path"] != path || l["method"] != "GET" && l["method"] != "POST" || l["status"] == nil || l["duration_ms"] == nil {
					t.Errorf("access line for %s: %v", id, l)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d access lines for request %s, want 1", n, id)
		}
	}
	for _, l := range lines {
		if l["msg"] != "http request" {
			continue
		}
		for _, k := range []string{"method", "path", "status", "duration_ms", "request_id", "level", "time"} {
			if v, ok := l[k]; !ok || v == "" {
				t.Errorf("access line without %s: %v", k, l)
			}
		}
	}

	sessionOf := map[string]string{} // session id by tool, from the tool call lines
	for _, l := range lines {
		if l["msg"] != "tool call" {
			continue
		}
		for _, k := range []string{"tool", "outcome", "duration_ms", "backend_status", "call_id", "session_id", "transport"} {
			if v, ok := l[k]; !ok || v == "" {
				t.Errorf("tool call line without %s: %v", k, l)
			}
		}
		tool, _ := l["tool"].(string)
		sid, _ := l["session_id"].(string)
		sessionOf[fmt.Sprint(tool, l["backend_status"])] = sid
		if tool == "get_station" && l["backend_status"] == float64(404) && (l["outcome"] != "tool_error" || l["level"] != "WARN") {
			t.Errorf("a 404 call is logged as %v at %v", l["outcome"], l["level"])
		}
	}
	// The session ids tie the call lines to the access lines of the requests that carried them.
	if got := sessionOf["get_station200"]; got != h["Mcp-Session-Id"] {
		t.Errorf("Streamable HTTP call logged with session %q, want %q", got, h["Mcp-Session-Id"])
	}
	if got := sessionOf["get_station404"]; got == "" || !strings.Contains(post, "session_id="+got) {
		t.Errorf("SSE call logged with session %q; its messages go to %s", got, post)
	}

	// LOG_LEVEL=warn: no info lines, but failed calls still show.
	quiet := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"LOG_LEVEL": "warn"}))
	qs := testenv.MustConnect(ctx, t, quiet.URL, testenv.Streamable, sb.Token, "header")
	res, _ = call(ctx, t, qs, "get_station", map[string]any{"station_id": 8})
	mustOK(t, "get_station", res)
	res, _ = call(ctx, t, qs, "get_station", map[string]any{"station_id": 999999})
	if !res.IsError {
		t.Fatal("unknown station: no tool error")
	}
	send(t, request{method: http.MethodGet, url: quiet.URL + "/health"})
	ql := logLines(t, quiet.Logs.String())
	for _, l := range ql {
		if l["level"] == "INFO" || l["level"] == "DEBUG" {
			t.Errorf("LOG_LEVEL=warn logged %v", l)
		}
	}
	if countMsg(ql, "tool call") != 1 {
		t.Errorf("LOG_LEVEL=warn: %d tool call lines, want the failed one only: %s", countMsg(ql, "tool call"), quiet.Logs.String())
	}
}

func countMsg(lines []map[string]any, msg string) int {
	n := 0
	for _, l := range lines {
		if l["msg"] == msg {
			n++
		}
	}
	return n
}

func countAccess(lines []map[string]any, path string) int {
	n := 0
	for _, l := range lines {
		if l["msg"] == "http request" && l["path"] == path {
			n++
		}
	}
	return n
}

// wiretap records every response a client receives: status, headers and body (event streams
// included, as they are read).
type wiretap struct {
	next http.RoundTripper
	buf  syncbuf.Buffer
}

func (w *wiretap) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&w.buf, "\n%s %s -> %d\n", r.Method, r.URL.Path, resp.StatusCode)
	_ = resp.Header.Write(&w.buf)
	resp.Body = tapped{Reader: io.TeeReader(resp.Body, &w.buf), Closer: resp.Body}
	return resp, nil
}

type tapped struct {
	io.Reader
	io.Closer
}

// TestTokensNeverWritten runs full sessions for two users — over /sse?token= and over /mcp
// with headers — plus anonymous service calls, with successes, every kind of tool error, a
// rejected token and a logout, and then looks for the tokens and passwords in everything the
// server wrote: its logs, the sandbox's logs, every HTTP response (headers and bodies, event
// streams included), every tool result and /metrics. The ?token= URLs appear in the access
// log redacted.
func TestTokensNeverWritten(t *testing.T) {
	t.Parallel()
	accounts := []sandbox.User{
		{Username: "alice", Password: "alice-Pa55word-1"},
		{Username: "bob", Password: "bob-Pa55word-2"},
		{Username: "svc", Password: "svc-Pa55word-3"},
	}
	sbLogs := &syncbuf.Buffer{}
	sb := testenv.StartSandbox(t, sandbox.Config{Users: accounts,
		Logger: slog.New(slog.NewJSONHandler(sbLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_AUTH_MODE": "user-or-service", "JANA_USERNAME": "svc", "JANA_PASSWORD": accounts[2].Password,
		"MCP_AUTH_CACHE_TTL": "0", "JANA_RETRIES": "1", "JANA_MAX_RETRY_AFTER": "1s", "LOG_LEVEL": "debug",
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// The users log in to Jana themselves, as the first server's docs told them to.
	login := func(u sandbox.User) string {
		r := send(t, request{method: http.MethodPost, url: sb.URL + "/api/auth/login/", header: map[string]string{"Content-Type": "application/json"},
			body: string(mustJSON(map[string]string{"username": u.Username, "password": u.Password}))})
		var out struct{ Token string }
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &out) != nil || len(out.Token) < 20 {
			t.Fatalf("login %s: %d %s", u.Username, r.status, r.body)
		}
		return out.Token
	}
	alice, bob := login(accounts[0]), login(accounts[1])
	rejected := strings.Repeat("9f", 20)
	secrets := map[string]string{"alice's token": alice, "bob's token": bob, "the rejected token": rejected,
		"alice's password": accounts[0].Password, "bob's password": accounts[1].Password, "the service password": accounts[2].Password}

	tap := &wiretap{next: http.DefaultTransport}
	var (
		mu      sync.Mutex
		written []string // tool results and raw answers
	)
	keep := func(s ...string) {
		mu.Lock()
		defer mu.Unlock()
		written = append(written, s...)
	}
	run := func(cs *mcp.ClientSession, tool string, args map[string]any) *mcp.CallToolResult {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		data, _ := json.Marshal(res)
		keep(string(data))
		return res
	}
	connect := func(transport, token, auth string) *mcp.ClientSession {
		t.Helper()
		cs, err := testenv.ConnectVia(ctx, t, srv.URL, transport, token, auth, tap)
		if err != nil {
			t.Fatalf("connect %s/%s: %v", transport, auth, err)
		}
		t.Cleanup(func() { _ = cs.Close() })
		return cs
	}
	as := connect(testenv.SSE, alice, "query")
	bs := connect(testenv.Streamable, bob, "header")
	anon := connect(testenv.SSE, "", "")
	station := map[string]any{"station_id": 5}

	for _, cs := range []*mcp.ClientSession{as, bs, anon} {
		mustOK(t, "get_station", run(cs, "get_station", station))
		mustOK(t, "list_pollutants", run(cs, "list_pollutants", map[string]any{}))
		run(cs, "get_air_quality", map[string]any{"location_bbox": []float64{0.3, 51.2, -0.5, 51.7}}) // invalid
		run(cs, "get_station", map[string]any{"station_id": 999999})                                  // 404
		for _, fault := range []func(){
			func() { sb.FailNext(opStation, 500, 1) },
			func() { sb.FailNext(opStation, 503, 2) },
			func() { sb.SetFaults(sandbox.FaultConfig{HTML503: true}); sb.FailNext(opStation, 503, 2) },
			func() { sb.SetFaults(sandbox.FaultConfig{RetryAfter: 30}); sb.FailNext(opStation, 429, 1) },
		} {
			sb.SetFaults(sandbox.FaultConfig{})
			fault()
			if res := run(cs, "get_station", map[string]any{"station_id": 6}); !res.IsError {
				t.Errorf("an injected fault did not give a tool error: %s", testenv.Text(res))
			}
		}
		sb.SetFaults(sandbox.FaultConfig{})
	}
	// A token Jana rejects, by header, by query and through the go-sdk client.
	for _, req := range []request{
		{method: http.MethodGet, url: srv.URL + "/sse?token=" + rejected},
		{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Bearer "+rejected), body: initialize},
		{method: http.MethodPost, url: srv.URL + "/mcp?token=" + rejected, header: jsonRPCHeaders, body: initialize},
	} {
		r := send(t, req)
		if r.status != http.StatusUnauthorized {
			t.Errorf("rejected token: %d %s", r.status, r.body)
		}
		var hdr strings.Builder
		_ = r.header.Write(&hdr)
		keep(r.body, hdr.String())
	}
	if _, err := testenv.ConnectVia(ctx, t, srv.URL, testenv.Streamable, rejected, "header", tap); err == nil {
		t.Error("a rejected token connected")
	} else {
		keep(err.Error())
	}
	// Bob logs out of Jana: his token is now one Jana rejects, so his session's next request is
	// refused (401, the token being checked on every request); the service account is logged
	// out too and logs in again.
	for _, tok := range []string{bob, sandbox.DefaultToken(0, "svc")} {
		if r := send(t, request{method: http.MethodPost, url: sb.URL + "/api/auth/logout/", header: map[string]string{"Authorization": "Token " + tok}}); r.status != http.StatusOK {
			t.Fatalf("logout: %d %s", r.status, r.body)
		}
	}
	if res, err := bs.CallTool(ctx, &mcp.CallToolParams{Name: "get_station", Arguments: map[string]any{"station_id": 9}}); err == nil {
		t.Errorf("a call with a revoked token succeeded: %s", testenv.Text(res))
	} else {
		keep(err.Error())
	}
	mustOK(t, "get_station", run(anon, "get_station", map[string]any{"station_id": 9}))
	r := send(t, request{method: http.MethodGet, url: srv.URL + "/sse?token=" + bob})
	if r.status != http.StatusUnauthorized {
		t.Errorf("a revoked token opened a stream: %d", r.status)
	}
	keep(r.body)

	_, metricsText := scrape(t, srv.URL)
	for _, cs := range []*mcp.ClientSession{as, bs, anon} {
		_ = cs.Close()
	}
	if !eventually(5*time.Second, func() bool { return countAccess(logLines(t, srv.Logs.String()), "/sse") >= 3 }) {
		t.Error("the SSE streams were never logged")
	}

	serverLogs := srv.Logs.String()
	places := map[string]string{
		"the server's logs":  serverLogs,
		"the sandbox's logs": sbLogs.String(),
		"HTTP responses":     tap.buf.String(),
		"tool results":       strings.Join(written, "\n"),
		"/metrics":           metricsText,
	}
	for where, text := range places {
		if len(text) < 100 {
			t.Errorf("%s hold almost nothing (%d bytes): the test is not looking", where, len(text))
		}
		for what, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%s contain %s", where, what)
			}
		}
	}

	// The ?token= URLs are in the access log, redacted.
	redacted := 0
	for _, l := range logLines(t, serverLogs) {
		if q, _ := l["query"].(string); strings.Contains(q, "token=") {
			if !strings.Contains(q, "token=%5Bredacted%5D") {
				t.Errorf("access log query %q", q)
			}
			redacted++
		}
	}
	if redacted < 4 {
		t.Errorf("%d access lines with a redacted token, want at least 4", redacted)
	}
}
