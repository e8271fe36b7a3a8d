package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// assertRateLimited checks the shape of a 429 from a rate limit: an integer Retry-After of at
// least one second and a JSON body saying the same.
func assertRateLimited(t *testing.T, what string, r response) {
	t.Helper()
	if r.status != http.StatusTooManyRequests {
		t.Errorf("%s: status %d, want 429: %s", what, r.status, r.body)
		return
	}
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Errorf("%s: Retry-After %q, want whole seconds >= 1", what, r.header.Get("Retry-After"))
	}
	if e := r.errorBody(t); e.Code != "rate_limited" || e.RetryAfter != secs {
		t.Errorf("%s: body %s, want code rate_limited and retry_after %d", what, r.body, secs)
	}
}

// TestRateLimits: each limit lets through its configured number of requests per minute and
// answers the next with 429, Retry-After and a JSON body; limits are per token (per client
// IP without one), health and metrics are never limited, and the refusals are counted.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	accounts := users(4)
	sb := testenv.StartSandbox(t, sandbox.Config{Users: accounts})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_RATE_LIMIT": "3", "MCP_RATE_LIMIT_SSE": "2", "MCP_RATE_LIMIT_MESSAGES": "4",
	}))
	a, b, c := accounts[0].Token, accounts[1].Token, accounts[2].Token
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Token " + tok} }

	t.Run("sse", func(t *testing.T) {
		for i := range 2 {
			if r := send(t, request{method: http.MethodGet, url: srv.URL + "/sse?token=" + a}); r.status != http.StatusOK {
				t.Fatalf("stream %d within the limit: %d %s", i+1, r.status, r.body)
			}
		}
		assertRateLimited(t, "third stream in a minute", send(t, request{method: http.MethodGet, url: srv.URL + "/sse?token=" + a}))
		// The header form of the same token shares its bucket.
		assertRateLimited(t, "same token in a header", send(t, request{method: http.MethodGet, url: srv.URL + "/sse", header: bearer(a)}))
		if r := send(t, request{method: http.MethodGet, url: srv.URL + "/sse?token=" + b}); r.status != http.StatusOK {
			t.Errorf("another token is limited too: %d %s", r.status, r.body)
		}
	})

	t.Run("messages on /mcp", func(t *testing.T) {
		h := mcpSession(t, srv.URL, bearer(b)) // initialize + initialized: 2 of 4
		list := rpc(2, "tools/list", nil)
		for i := range 2 {
			if r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: h, body: list}); r.status != http.StatusOK {
				t.Fatalf("message %d within the limit: %d %s", i+3, r.status, r.body)
			}
		}
		assertRateLimited(t, "fifth message", send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: h, body: list}))
		if r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Token "+c), body: initialize}); r.status != http.StatusOK {
			t.Errorf("another token is limited too: %d %s", r.status, r.body)
		}
	})

	t.Run("messages on /messages", func(t *testing.T) {
		// The POSTs carry no token: they count against the session's owner.
		_, post := sseSession(t, srv.URL, "?token="+accounts[3].Token, nil) // 2 of 4
		h := map[string]string{"Content-Type": "application/json"}
		for i := range 2 {
			if r := send(t, request{method: http.MethodPost, url: post, header: h, body: rpc(10+i, "ping", nil)}); r.status != http.StatusAccepted {
				t.Fatalf("message %d within the limit: %d %s", i+3, r.status, r.body)
			}
		}
		assertRateLimited(t, "fifth message", send(t, request{method: http.MethodPost, url: post, header: h, body: rpc(20, "ping", nil)}))
	})

	t.Run("general", func(t *testing.T) {
		// DELETE and GET /mcp count against the general limit (3).
		h := with(jsonRPCHeaders, "Authorization", "Token "+c, "Mcp-Session-Id", "no-such-session")
		for i := range 3 {
			if r := send(t, request{method: http.MethodDelete, url: srv.URL + "/mcp", header: h}); r.status != http.StatusNotFound {
				t.Fatalf("request %d within the limit: %d %s", i+1, r.status, r.body)
			}
		}
		assertRateLimited(t, "fourth request", send(t, request{method: http.MethodDelete, url: srv.URL + "/mcp", header: h}))
	})

	t.Run("health, readiness and metrics are never limited", func(t *testing.T) {
		for range 10 {
			for _, p := range []string{"/health", "/ready", "/metrics"} {
				if r := send(t, request{method: http.MethodGet, url: srv.URL + p}); r.status != http.StatusOK {
					t.Fatalf("%s: %d %s", p, r.status, r.body)
				}
			}
		}
	})

	m, _ := scrape(t, srv.URL)
	for limit, want := range map[string]float64{"sse": 2, "messages": 2, "general": 1} {
		if got := m.value("jana_mcp_rate_limited_total", "limit", limit); got != want {
			t.Errorf("jana_mcp_rate_limited_total{limit=%q} = %v, want %v", limit, got, want)
		}
	}
}

// TestRateLimitsByClientIP: calls made with the service account count against the client's
// IP; another IP has its own allowance, and so does a user whose token Jana verified
// (user-or-service). In service mode tokens are never checked, so a presented token changes
// nothing: it is limited with its IP (at 1fe6f64 it got a fresh allowance).
func TestRateLimitsByClientIP(t *testing.T) {
	t.Parallel()
	accounts := users(2)
	sb := testenv.StartSandbox(t, sandbox.Config{Users: accounts})
	for _, mode := range []string{"service", "user-or-service"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
				"MCP_AUTH_MODE": mode, "JANA_TOKEN": accounts[1].Token, "MCP_RATE_LIMIT_SSE": "2",
			}))
			open := func(client *http.Client, query string) response {
				return send(t, request{method: http.MethodGet, url: srv.URL + "/sse" + query, client: client})
			}
			first, second := clientFrom("127.0.0.1"), clientFrom("127.0.0.2")
			for i := range 2 {
				if r := open(first, ""); r.status != http.StatusOK {
					t.Fatalf("anonymous stream %d: %d %s", i+1, r.status, r.body)
				}
			}
			assertRateLimited(t, "third anonymous stream from 127.0.0.1", open(first, ""))
			if r := open(second, ""); r.status != http.StatusOK {
				t.Errorf("another client IP is limited too: %d %s", r.status, r.body)
			}
			r := open(first, "?token="+accounts[0].Token)
			if mode == "service" {
				assertRateLimited(t, "an unchecked token from the limited IP (service mode)", r)
			} else if r.status != http.StatusOK {
				t.Errorf("a verified token from the limited IP is limited too: %d %s", r.status, r.body)
			}
		})
	}
}

// TestBodyLimit: a body over MCP_MAX_BODY_BYTES is refused with a JSON 413 on every endpoint
// that takes one, whether it announces its length or is sent chunked; a body within the
// limit passes.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	const limit = 4096
	settings := map[string]string{"MCP_MAX_BODY_BYTES": strconv.Itoa(limit)}
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, settings))
	stateless := testenv.StartServer(t, testenv.Config(t, sb.URL, with(settings, "MCP_STATELESS", "true")))
	auth := map[string]string{"Authorization": "Token " + sb.Token}

	padded := func(id, size int) string {
		body := rpc(id, "tools/list", map[string]any{"_meta": map[string]any{"pad": ""}})
		return strings.Replace(body, `"pad":""`, `"pad":"`+strings.Repeat("x", size-len(body))+`"`, 1)
	}
	big, small := padded(7, 3*limit), padded(7, limit-100)
	_, post := sseSession(t, srv.URL, "?token="+sb.Token, nil)
	session := mcpSession(t, srv.URL, auth)

	for _, tc := range []struct {
		name   string
		url    string
		header map[string]string
		ok     int
	}{
		{"/mcp initialize", srv.URL + "/mcp", with(jsonRPCHeaders, flat(auth)...), 0},
		{"/mcp in a session", srv.URL + "/mcp", session, http.StatusOK},
		{"/mcp stateless", stateless.URL + "/mcp", with(jsonRPCHeaders, flat(auth)...), http.StatusOK},
		{"/messages", post, map[string]string{"Content-Type": "application/json"}, http.StatusAccepted},
	} {
		for _, chunked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s chunked=%v", tc.name, chunked), func(t *testing.T) {
				r := send(t, request{method: http.MethodPost, url: tc.url, header: tc.header, body: big, chunked: chunked})
				if r.status != http.StatusRequestEntityTooLarge {
					t.Fatalf("status %d, want 413: %.200s", r.status, r.body)
				}
				if e := r.errorBody(t); e.Code != "request_too_large" {
					t.Errorf("code %q, want request_too_large", e.Code)
				}
				if tc.ok == 0 {
					return
				}
				if r := send(t, request{method: http.MethodPost, url: tc.url, header: tc.header, body: small, chunked: chunked}); r.status != tc.ok {
					t.Errorf("a body within the limit: %d %.200s, want %d", r.status, r.body, tc.ok)
				}
			})
		}
	}
}

// TestOriginValidation: a browser Origin not in MCP_ALLOWED_ORIGINS gets a JSON 403 on every
// MCP endpoint; a listed origin, the loopback origins of local tools and requests without
// Origin pass; a non-loopback Host on a loopback connection (DNS rebinding) gets 403.
func TestOriginValidation(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_ALLOWED_ORIGINS": "https://app.example.com, https://other.example.org",
	}))
	auth := map[string]string{"Authorization": "Token " + sb.Token}
	_, post := sseSession(t, srv.URL, "?token="+sb.Token, nil)

	endpoints := []struct {
		name string
		req  request
		ok   int
	}{
		{"GET /sse", request{method: http.MethodGet, url: srv.URL + "/sse", header: auth}, http.StatusOK},
		{"POST /messages", request{method: http.MethodPost, url: post, header: map[string]string{"Content-Type": "application/json"}, body: rpc(5, "ping", nil)}, http.StatusAccepted},
		{"POST /mcp", request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, flat(auth)...), body: initialize}, http.StatusOK},
	}
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			for _, tc := range []struct {
				origin, host string
				status       int
				code         string
			}{
				{origin: "https://evil.example", status: http.StatusForbidden, code: "origin_not_allowed"},
				{origin: "http://app.example.com", status: http.StatusForbidden, code: "origin_not_allowed"}, // scheme differs
				{origin: "null", status: http.StatusForbidden, code: "origin_not_allowed"},
				{host: "evil.example.com", status: http.StatusForbidden, code: "host_not_allowed"},
				{origin: "https://app.example.com", status: ep.ok},
				{origin: "https://other.example.org", status: ep.ok},
				{origin: "http://localhost:6274", status: ep.ok}, // a local inspector, reached on loopback
				{status: ep.ok},
			} {
				req := ep.req
				req.header = with(req.header)
				if tc.origin != "" {
					req.header["Origin"] = tc.origin
				}
				req.host = tc.host
				r := send(t, req)
				if r.status != tc.status {
					t.Errorf("Origin %q Host %q: status %d, want %d: %.200s", tc.origin, tc.host, r.status, tc.status, r.body)
					continue
				}
				if tc.code != "" {
					if e := r.errorBody(t); e.Code != tc.code {
						t.Errorf("Origin %q Host %q: code %q, want %q", tc.origin, tc.host, e.Code, tc.code)
					}
				}
			}
		})
	}
}

// TestSessionCaps: MCP_MAX_SESSIONS_PER_TOKEN refuses a token's extra sessions with 429 on
// both transports while other tokens are served; MCP_MAX_SESSIONS refuses everyone with 503;
// closing a session frees its slot.
func TestSessionCaps(t *testing.T) {
	t.Parallel()
	accounts := users(3)
	sb := testenv.StartSandbox(t, sandbox.Config{Users: accounts})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_MAX_SESSIONS_PER_TOKEN": "2", "MCP_MAX_SESSIONS": "5",
	}))
	a, b, c := accounts[0].Token, accounts[1].Token, accounts[2].Token
	openSSE := func(tok string) (*stream, response) { return openStream(t, srv.URL+"/sse?token="+tok, nil) }
	initMCP := func(tok string) response {
		return send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Token "+tok), body: initialize})
	}
	refused := func(what string, r response, status int, code string) {
		t.Helper()
		if r.status != status {
			t.Errorf("%s: status %d, want %d: %s", what, r.status, status, r.body)
			return
		}
		if e := r.errorBody(t); e.Code != code {
			t.Errorf("%s: code %q, want %q", what, e.Code, code)
		}
	}

	// Token a: two SSE streams, then both transports refuse a third.
	a1, r := openSSE(a)
	if a1 == nil {
		t.Fatalf("first stream: %d %s", r.status, r.body)
	}
	if s, r := openSSE(a); s == nil {
		t.Fatalf("second stream: %d %s", r.status, r.body)
	}
	_, r = openSSE(a)
	refused("third SSE session of a token", r, http.StatusTooManyRequests, "too_many_sessions")
	refused("third session of a token on /mcp", initMCP(a), http.StatusTooManyRequests, "too_many_sessions")

	// Token b: two Streamable HTTP sessions, then both transports refuse a third.
	var bSessions []string
	for i := range 2 {
		r := initMCP(b)
		if r.status != http.StatusOK {
			t.Fatalf("/mcp session %d of another token: %d %s", i+1, r.status, r.body)
		}
		bSessions = append(bSessions, r.header.Get("Mcp-Session-Id"))
	}
	refused("third /mcp session of a token", initMCP(b), http.StatusTooManyRequests, "too_many_sessions")
	_, r = openSSE(b)
	refused("third session of a token on /sse", r, http.StatusTooManyRequests, "too_many_sessions")

	// Four sessions open; token c gets the fifth, then the server is full for everyone.
	if s, r := openSSE(c); s == nil {
		t.Fatalf("fifth session: %d %s", r.status, r.body)
	}
	_, r = openSSE(c)
	refused("sixth session (server full)", r, http.StatusServiceUnavailable, "server_at_capacity")
	refused("sixth session on /mcp (server full)", initMCP(c), http.StatusServiceUnavailable, "server_at_capacity")

	// Closing one of a's streams frees a slot: c gets its second session.
	a1.close()
	var c2 *stream
	if !eventually(5*time.Second, func() bool { c2, _ = openSSE(c); return c2 != nil }) {
		t.Fatal("closing an SSE stream did not free its slot")
	}
	// Ending one of b's sessions frees b's slot (and the server's).
	end := with(jsonRPCHeaders, "Authorization", "Token "+b, "Mcp-Session-Id", bSessions[0])
	if r := send(t, request{method: http.MethodDelete, url: srv.URL + "/mcp", header: end}); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	c2.close()
	if !eventually(5*time.Second, func() bool { return initMCP(b).status == http.StatusOK }) {
		t.Fatal("ending a /mcp session did not free its slot")
	}
}

// TestIdleSessionsExpire: stateful sessions idle past MCP_SESSION_TIMEOUT are closed, which
// frees their slots and updates the active-sessions gauge.
func TestIdleSessionsExpire(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_MAX_SESSIONS_PER_TOKEN": "2", "MCP_SESSION_TIMEOUT": "1s",
	}))
	auth := map[string]string{"Authorization": "Token " + sb.Token}
	for range 2 {
		mcpSession(t, srv.URL, auth)
	}
	if m, _ := scrape(t, srv.URL); m.value("jana_mcp_sessions_active", "transport", "streamable") != 2 {
		t.Fatalf("jana_mcp_sessions_active{transport=streamable} = %v, want 2", m.value("jana_mcp_sessions_active", "transport", "streamable"))
	}
	if !eventually(10*time.Second, func() bool {
		m, _ := scrape(t, srv.URL)
		return m.value("jana_mcp_sessions_active", "transport", "streamable") == 0
	}) {
		t.Fatal("idle sessions never expired")
	}
	for range 2 {
		mcpSession(t, srv.URL, auth) // fails the test if the expired sessions still hold slots
	}
}

// TestSessionCapsUnderConcurrency: a burst of simultaneous session openings of one token
// gets exactly MCP_MAX_SESSIONS_PER_TOKEN sessions, on each transport.
func TestSessionCapsUnderConcurrency(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	for _, transport := range []string{"sse", "mcp"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_MAX_SESSIONS_PER_TOKEN": "2"}))
			const burst = 12
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				status = map[int]int{}
			)
			for range burst {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var got int
					if transport == "sse" {
						_, r := openStream(t, srv.URL+"/sse?token="+sb.Token, nil)
						got = r.status
					} else {
						r, err := trySend(request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Token "+sb.Token), body: initialize})
						if err != nil {
							t.Error(err)
						}
						got = r.status
					}
					mu.Lock()
					status[got]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			if status[http.StatusOK] != 2 || status[http.StatusTooManyRequests] != burst-2 {
				t.Errorf("statuses %v, want 2 × 200 and %d × 429", status, burst-2)
			}
		})
	}
}

// TestMaxInflight: beyond MCP_MAX_INFLIGHT concurrent tool calls a call is refused with a
// tool error that says to retry, and counted; once calls finish, calls are admitted again.
func TestMaxInflight(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{Slow: map[string]time.Duration{"sector_totals": 2 * time.Second}})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_MAX_INFLIGHT": "2", "MCP_CACHE_ENABLED": "false"}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")

	var slow []<-chan slowResult
	for _, country := range []string{"USA", "IND"} {
		slow = append(slow, callInBackground(ctx, cs, "emissions_by_sector", map[string]any{"country_codes": []string{country}}))
	}
	if !eventually(10*time.Second, func() bool { return sb.Started("/sector_totals/") == 2 }) {
		t.Fatal("the slow calls never reached the sandbox")
	}
	res, _ := call(ctx, t, cs, "list_pollutants", map[string]any{})
	if !res.IsError || !strings.Contains(testenv.Text(res), "MCP_MAX_INFLIGHT") || !strings.Contains(testenv.Text(res), "Retry") {
		t.Errorf("a third concurrent call: %s", testenv.Text(res))
	}
	if m, _ := scrape(t, srv.URL); m.value("jana_mcp_tool_calls_total", "tool", "list_pollutants", "outcome", "refused") != 1 {
		t.Error("the refusal was not counted")
	}
	for _, c := range slow {
		if r := <-c; r.err != nil || r.res.IsError {
			t.Errorf("an admitted call: %v %v", r.err, r.res)
		}
	}
	if !eventually(5*time.Second, func() bool {
		res, _ := call(ctx, t, cs, "list_pollutants", map[string]any{})
		return !res.IsError
	}) {
		t.Error("calls are still refused after the running ones finished")
	}
}

// TestRejectedTokensAreLimitedByIP: a client cycling through made-up tokens gets a fresh
// per-token allowance each time, so tokens Jana rejects are charged to the client's IP: once
// it has spent MCP_RATE_LIMIT of them in a minute, its unverified tokens are refused with 429
// before any check reaches Jana. Other IPs, and tokens already verified, are not affected.
func TestRejectedTokensAreLimitedByIP(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_RATE_LIMIT": "3"}))
	first, second := clientFrom("127.0.0.1"), clientFrom("127.0.0.2")
	open := func(client *http.Client, token string) response {
		return send(t, request{method: http.MethodGet, url: srv.URL + "/sse?token=" + token, client: client})
	}
	if r := open(first, sb.Token); r.status != http.StatusOK { // verified before the flood
		t.Fatalf("a valid token: %d %s", r.status, r.body)
	}
	checks := func() int { return rec.count("/api/auth/user/") }
	before := checks()
	for i := range 3 {
		if r := open(first, fmt.Sprintf("%040x", 900+i)); r.status != http.StatusUnauthorized {
			t.Fatalf("made-up token %d: %d %s", i, r.status, r.body)
		}
	}
	for i := range 5 {
		assertRateLimited(t, "made-up token beyond the IP's allowance", open(first, fmt.Sprintf("%040x", 950+i)))
	}
	if n := checks() - before; n != 3 {
		t.Errorf("Jana checked %d made-up tokens, want 3", n)
	}
	if r := open(first, sb.Token); r.status != http.StatusOK {
		t.Errorf("an already verified token from the same IP: %d %s", r.status, r.body)
	}
	if r := open(second, fmt.Sprintf("%040x", 990)); r.status != http.StatusUnauthorized {
		t.Errorf("a made-up token from another IP: %d %s, want 401", r.status, r.body)
	}
	if m, _ := scrape(t, srv.URL); m.value("jana_mcp_rate_limited_total", "limit", "rejected_tokens") != 5 {
		t.Errorf("jana_mcp_rate_limited_total{limit=rejected_tokens} = %v, want 5", m.value("jana_mcp_rate_limited_total", "limit", "rejected_tokens"))
	}
}
