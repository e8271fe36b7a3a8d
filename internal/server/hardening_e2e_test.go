package server_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

func randomToken() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// TestLimitsKeyedByVerifiedCaller: with the service account (service mode, anonymous callers
// of user-or-service) limits count against the client address, never a presented token nobody
// checked. 260 POSTs each with a fresh random token hit 429 like 260 with one token (at
// 1fe6f64 each made-up token got a fresh allowance), and one anonymous client filling its
// session cap does not lock out another client (at 1fe6f64 all anonymous callers shared one).
func TestLimitsKeyedByVerifiedCaller(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})

	t.Run("rate limit in service mode", func(t *testing.T) {
		t.Parallel()
		// perMinute refills evenly (one call every 2 s): the calls may pass beyond perMinute
		// are those refilled while they run, so the bound is worked out from the time they
		// took, whatever the machine's load.
		const perMinute, calls = 30, 60
		for _, tokens := range []string{"one token", "a fresh token each"} {
			srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
				"MCP_AUTH_MODE": "service", "JANA_TOKEN": sb.Token, "MCP_STATELESS": "true", "MCP_RATE_LIMIT_MESSAGES": strconv.Itoa(perMinute),
			}))
			tok := randomToken()
			refused := 0
			start := time.Now()
			for range calls {
				if tokens != "one token" {
					tok = randomToken()
				}
				h := with(jsonRPCHeaders, "Authorization", "Token "+tok, "MCP-Protocol-Version", "2025-06-18")
				r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: h, body: rpc(1, "tools/list", nil)})
				switch r.status {
				case http.StatusOK:
				case http.StatusTooManyRequests:
					refused++
				default:
					t.Fatalf("%s: %d %s", tokens, r.status, r.body)
				}
			}
			refilled := int(math.Ceil(time.Since(start).Minutes()*perMinute)) + 1
			want := calls - perMinute - refilled
			if want <= 0 {
				t.Logf("%s: the calls took %s, long enough to refill the bucket: nothing to tell", tokens, time.Since(start))
				continue
			}
			if refused < want {
				t.Errorf("%s: %d of %d calls refused, want at least %d (the limit is %d per minute per client address, %d refilled meanwhile)",
					tokens, refused, calls, want, perMinute, refilled)
			}
		}
	})

	t.Run("session cap of anonymous callers", func(t *testing.T) {
		t.Parallel()
		srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
			"MCP_AUTH_MODE": "user-or-service", "JANA_TOKEN": sb.Token, "MCP_MAX_SESSIONS_PER_TOKEN": "3",
		}))
		for i := range 3 {
			if s, r := openStream(t, srv.URL+"/sse", nil); s == nil {
				t.Fatalf("anonymous stream %d: %d %s", i+1, r.status, r.body)
			}
		}
		if s, r := openStream(t, srv.URL+"/sse", nil); s != nil || r.status != http.StatusTooManyRequests {
			t.Errorf("a fourth anonymous stream from the same address: %d, want 429", r.status)
		}
		other := request{method: http.MethodPost, url: srv.URL + "/mcp", header: jsonRPCHeaders, body: initialize, client: clientFrom("127.0.0.2")}
		if r := send(t, other); r.status != http.StatusOK {
			t.Errorf("an anonymous client at another address is locked out: %d %s", r.status, r.body)
		}
	})
}

// TestMadeUpTokensCannotLockOutRealOnes: a flood of made-up tokens from one address spends
// that address's allowance of rejected tokens, but a real token Jana accepted before is still
// checked and served once its remembered verdict expired (at 1fe6f64 it got 429 with the
// made-up ones).
func TestMadeUpTokensCannotLockOutRealOnes(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_RATE_LIMIT": "10", "MCP_AUTH_CACHE_TTL": "1s",
	}))
	if s, r := openStream(t, srv.URL+"/sse?token="+sb.Token, nil); s == nil {
		t.Fatalf("the real token: %d %s", r.status, r.body)
	}
	limited := false
	for range 40 {
		r := send(t, request{method: http.MethodGet, url: srv.URL + "/sse?token=" + randomToken()})
		if r.status == http.StatusTooManyRequests {
			limited = true
		} else if r.status != http.StatusUnauthorized {
			t.Fatalf("a made-up token: %d %s", r.status, r.body)
		}
	}
	if !limited {
		t.Fatal("40 made-up tokens from one address were all checked against Jana")
	}
	checks := rec.tokensFor("/api/auth/user/")[sb.Token]
	time.Sleep(1100 * time.Millisecond) // the real token's remembered verdict expires (MCP_AUTH_CACHE_TTL)
	if s, r := openStream(t, srv.URL+"/sse?token="+sb.Token, nil); s == nil {
		t.Errorf("the real token after the flood: %d %s, want it checked and served", r.status, r.body)
	}
	if got := rec.tokensFor("/api/auth/user/")[sb.Token]; got != checks+1 {
		t.Errorf("the real token was checked %d more times against Jana, want 1", got-checks)
	}
	if r := send(t, request{method: http.MethodGet, url: srv.URL + "/sse?token=" + randomToken()}); r.status != http.StatusTooManyRequests {
		t.Errorf("another made-up token after the flood: %d, want 429 without a check", r.status)
	}
}

// TestInflightShareOfOneCaller: one caller's slow calls fill its share of MCP_MAX_INFLIGHT
// (MCP_MAX_INFLIGHT_PER_CALLER) and its next call is refused, while another caller is served.
func TestInflightShareOfOneCaller(t *testing.T) {
	t.Parallel()
	accounts := users(2)
	sb := testenv.StartSandbox(t, sandbox.Config{Users: accounts, Slow: map[string]time.Duration{"sector_totals": 30 * time.Second}})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_CACHE_ENABLED": "false", "MCP_MAX_INFLIGHT": "10", "MCP_MAX_INFLIGHT_PER_CALLER": "2", "JANA_TIMEOUT": "60s",
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	slowCtx, stopSlow := context.WithCancel(ctx)
	defer stopSlow()
	greedy := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, accounts[0].Token, "header")
	other := testenv.MustConnect(ctx, t, srv.URL, testenv.SSE, accounts[1].Token, "header")
	for range 2 {
		callInBackground(slowCtx, greedy, "emissions_by_sector", slowArgs)
	}
	if !eventually(20*time.Second, func() bool { return sb.Started("/sector_totals/") == 2 }) {
		t.Fatal("the slow calls never reached the sandbox")
	}
	res, err := greedy.CallTool(ctx, &mcp.CallToolParams{Name: "list_pollutants", Arguments: map[string]any{}})
	if err != nil || !res.IsError || !strings.Contains(testenv.Text(res), "MCP_MAX_INFLIGHT_PER_CALLER") {
		t.Errorf("a third call of the same caller: %v %v, want refused naming MCP_MAX_INFLIGHT_PER_CALLER", err, res)
	}
	res, err = other.CallTool(ctx, &mcp.CallToolParams{Name: "list_pollutants", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Errorf("another caller: %v %v, want served", err, res)
	}
}

// trickle opens a connection that sends a POST's headers announcing a large body and then
// one byte of it per interval, until the server closes the connection; closed receives when
// it did.
func trickle(t *testing.T, addr, path, token string, interval time.Duration, closed chan<- struct{}) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Errorf("dial: %v", err)
		return nil
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Token %s\r\nContent-Type: application/json\r\n"+
		"Accept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n{", path, addr, token)
	go func() {
		for {
			time.Sleep(interval)
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	go func() {
		_, _ = io.Copy(io.Discard, conn) // the server's 408, then EOF when it closes
		closed <- struct{}{}
	}()
	return conn
}

// TestSlowBodiesAreCut: 300 connections that trickle a request body (a byte every 400 ms of a
// 100 kB body) do not stop /health from answering, and each is cut once
// MCP_BODY_READ_TIMEOUT has passed, while an event stream open for several times that
// timeout keeps going.
func TestSlowBodiesAreCut(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_BODY_READ_TIMEOUT": "1s", "MCP_SSE_KEEPALIVE": "200ms", "LOG_LEVEL": "error",
	}))
	addr := strings.TrimPrefix(srv.URL, "http://")
	stream, _ := sseSession(t, srv.URL, "?token="+sb.Token, nil)
	opened := time.Now()

	const n = 300
	closed := make(chan struct{}, n)
	var conns []net.Conn
	for i := range n {
		path := "/mcp"
		if i%2 == 1 {
			path = "/mcp?x=" + fmt.Sprint(i)
		}
		if c := trickle(t, addr, path, sb.Token, 400*time.Millisecond, closed); c != nil {
			conns = append(conns, c)
		}
	}
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	if r := send(t, request{method: http.MethodGet, url: srv.URL + "/health"}); r.status != http.StatusOK {
		t.Errorf("/health with %d slow senders: %d", n, r.status)
	}
	for i := range len(conns) {
		select {
		case <-closed:
		case <-time.After(2 * time.Minute):
			t.Fatalf("only %d of %d slow senders were cut", i, len(conns))
		}
	}
	// The SSE stream outlived the body timeout several times over and still carries events.
	if time.Since(opened) < 3*time.Second {
		time.Sleep(3*time.Second - time.Since(opened))
	}
	if _, ok := stream.next(10*time.Second, func(l string) bool { return strings.HasPrefix(l, ": keep-alive") }); !ok {
		t.Error("the SSE stream was cut along with the slow senders")
	}
	// A message on the stream still works.
	_ = stream
}

// TestAbandonedHandshakesFreeTheirSlots: sessions whose client never finished initializing
// stop counting against MCP_MAX_SESSIONS_PER_TOKEN after MCP_INIT_TIMEOUT, on both
// transports (at 1fe6f64 a stateful one held its slot for MCP_SESSION_TIMEOUT, 30 minutes).
func TestAbandonedHandshakesFreeTheirSlots(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_MAX_SESSIONS_PER_TOKEN": "2", "MCP_INIT_TIMEOUT": "500ms",
	}))
	h := with(jsonRPCHeaders, "Authorization", "Token "+sb.Token)
	t.Run("streamable", func(t *testing.T) {
		for i := range 2 {
			if r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: h, body: initialize}); r.status != http.StatusOK {
				t.Fatalf("initialize %d: %d %s", i+1, r.status, r.body)
			}
		}
		if r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: h, body: initialize}); r.status != http.StatusTooManyRequests {
			t.Fatalf("a third initialize: %d, want 429 while the two handshakes are open", r.status)
		}
		if !eventually(30*time.Second, func() bool {
			r, err := trySend(request{method: http.MethodPost, url: srv.URL + "/mcp", header: h, body: initialize})
			return err == nil && r.status == http.StatusOK
		}) {
			t.Error("the abandoned handshakes still hold the slots")
		}
	})
	t.Run("sse", func(t *testing.T) {
		if !eventually(30*time.Second, func() bool {
			r, err := trySend(request{method: http.MethodPost, url: srv.URL + "/mcp", header: h, body: initialize})
			return err == nil && r.status == http.StatusTooManyRequests
		}) {
			t.Fatal("setup: the slots never filled up again")
		}
		if !eventually(30*time.Second, func() bool { s, _ := openStream(t, srv.URL+"/sse?token="+sb.Token, nil); return s != nil }) {
			t.Fatal("no SSE stream could be opened")
		}
		silent, _ := openStream(t, srv.URL+"/sse?token="+sb.Token, nil)
		if silent != nil && !silent.ended(30*time.Second) {
			t.Error("an SSE stream that never initialized was not closed")
		}
	})
}

// publicAddr returns a non-loopback IPv4 address of this machine, where a listener is
// reachable under names an attacker's DNS can point at.
func publicAddr(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
	}
	t.Fatal("this machine has no non-loopback IPv4 address to listen on (the test needs one)")
	return ""
}

// TestDNSRebindingOnPublicListener: on a non-loopback listener (as the default 0.0.0.0 is),
// a request whose Host and Origin both name the attacker's domain is refused with 403
// host_not_allowed on /sse, /messages and /mcp (at 1fe6f64 Origin equal to Host passed); the
// server's own names (MCP_PUBLIC_URL, MCP_ALLOWED_HOSTS) are served.
func TestDNSRebindingOnPublicListener(t *testing.T) {
	t.Parallel()
	ip := publicAddr(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_SERVER_HOST": ip, "MCP_PUBLIC_URL": "https://mcp.example.test", "MCP_ALLOWED_HOSTS": "jana-mcp",
	}))
	if !strings.Contains(srv.URL, ip) {
		t.Fatalf("the server listens on %s, want %s", srv.URL, ip)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	auth := map[string]string{"Authorization": "Token " + sb.Token}
	_, post := sseSession(t, srv.URL, "", with(auth, "Host", "jana-mcp"))

	endpoints := []struct {
		name string
		req  request
		ok   int
	}{
		{"GET /sse", request{method: http.MethodGet, url: srv.URL + "/sse", header: auth}, http.StatusOK},
		{"POST /messages", request{method: http.MethodPost, url: post, header: with(auth, "Content-Type", "application/json"), body: rpc(5, "ping", nil)}, http.StatusAccepted},
		{"POST /mcp", request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, flat(auth)...), body: initialize}, http.StatusOK},
	}
	for _, ep := range endpoints {
		for _, tc := range []struct {
			host, origin string
			status       int
			code         string
		}{
			{host: "evil.example:" + port, origin: "http://evil.example:" + port, status: http.StatusForbidden, code: "host_not_allowed"},
			{host: "evil.example", status: http.StatusForbidden, code: "host_not_allowed"},
			{host: ip + ":" + port, status: http.StatusForbidden, code: "host_not_allowed"},
			{host: "mcp.example.test", origin: "https://evil.example", status: http.StatusForbidden, code: "origin_not_allowed"},
			{host: "mcp.example.test", status: ep.ok},
			{host: "mcp.example.test", origin: "https://mcp.example.test", status: ep.ok},
			{host: "jana-mcp:" + port, status: ep.ok},
			{host: "localhost:" + port, status: ep.ok},
		} {
			req := ep.req
			req.header = with(req.header)
			if tc.origin != "" {
				req.header["Origin"] = tc.origin
			}
			req.host = tc.host
			r := send(t, req)
			if r.status != tc.status {
				t.Errorf("%s Host %q Origin %q: status %d, want %d: %.200s", ep.name, tc.host, tc.origin, r.status, tc.status, r.body)
				continue
			}
			if tc.code != "" {
				e := r.errorBody(t)
				if e.Code != tc.code {
					t.Errorf("%s Host %q: code %q, want %q", ep.name, tc.host, e.Code, tc.code)
				}
				if tc.code == "host_not_allowed" && !strings.Contains(e.Error, "Host") {
					t.Errorf("%s: the refusal does not say the host is not allowed: %q", ep.name, e.Error)
				}
			}
		}
	}
}

// TestSessionCredential: a request for an existing session that presents a credential other
// than the one the session was opened with — another user's token, Basic credentials, any
// token for a session opened without one, another token in service mode — is refused with 403
// on /messages and /mcp; the session's own token, or none, is served.
func TestSessionCredential(t *testing.T) {
	t.Parallel()
	accounts := users(2)
	sb := testenv.StartSandbox(t, sandbox.Config{Users: accounts})
	a, b := accounts[0].Token, accounts[1].Token
	for _, mode := range []string{"user", "user-or-service", "service"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_AUTH_MODE": mode, "JANA_TOKEN": sb.Token}))
			opened := map[string]map[string]string{"token A": {"Authorization": "Token " + a}}
			if mode != "user" {
				opened["no token"] = nil
			}
			for name, header := range opened {
				_, post := sseSession(t, srv.URL, "", header)
				session := mcpSession(t, srv.URL, header)
				for _, tc := range []struct {
					auth string
					ok   bool
				}{
					{"", true},
					{"Token " + a, name == "token A"},
					{"token " + a, name == "token A"}, // the keyword in any case
					{"Token " + b, false},
					{"Basic " + "ZGVtbzpkZW1vLXBhc3N3b3Jk", false},
					{"Weird", false},
				} {
					mh := map[string]string{"Content-Type": "application/json"}
					sh := with(session)
					delete(sh, "Authorization")
					if tc.auth != "" {
						mh["Authorization"] = tc.auth
						sh["Authorization"] = tc.auth
					} else if name == "token A" {
						sh["Authorization"] = "Token " + a // /mcp authenticates every request
					}
					want := http.StatusForbidden
					if tc.ok {
						want = http.StatusAccepted
					}
					if r := send(t, request{method: http.MethodPost, url: post, header: mh, body: rpc(9, "ping", nil)}); r.status != want {
						t.Errorf("session opened with %s, /messages with %q: %d, want %d: %s", name, tc.auth, r.status, want, r.body)
					}
					if tc.ok {
						want = http.StatusOK
					}
					if r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: sh, body: rpc(9, "ping", nil)}); r.status != want {
						t.Errorf("session opened with %s, /mcp with %q: %d, want %d: %s", name, tc.auth, r.status, want, r.body)
					}
				}
			}
		})
	}
}

// hostileBackend is the sandbox behind a front that misbehaves on some paths, as a broken or
// compromised Jana might.
type hostileBackend struct {
	sb        *testenv.Sandbox
	elsewhere *httptest.Server // where redirects point; records what reaches it
	reached   atomic.Int32     // requests that reached elsewhere
	mu        sync.Mutex
	hits      map[string]int
}

func newHostileBackend(t *testing.T) (*hostileBackend, string) {
	hb := &hostileBackend{sb: testenv.StartSandbox(t, sandbox.Config{}), hits: map[string]int{}}
	hb.elsewhere = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hb.reached.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"count":0,"next":null,"previous":null,"results":[]}`)
	}))
	t.Cleanup(hb.elsewhere.Close)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hb.mu.Lock()
		hb.hits[r.URL.Path]++
		hb.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/climatetrace/sectors/"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"count":1,"next":null,"previous":null,"results":[`+strings.Repeat(`{"id":1,"name":"`+strings.Repeat("x", 1000)+`"},`, 2000)+`{"id":2,"name":"y"}]}`)
		case strings.HasSuffix(r.URL.Path, "/edgar/country-totals/"):
			http.Redirect(w, r, hb.elsewhere.URL+r.URL.RequestURI(), http.StatusFound)
		case strings.HasSuffix(r.URL.Path, "/openaq/measurements/country_totals/"):
			// Echoes the credential it was sent, as a careless error handler might.
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"detail":"bad header %s","country_codes":["%s is not valid"]}`, r.Header.Get("Authorization"), r.Header.Get("Authorization"))
		default:
			hb.sb.Handler().ServeHTTP(w, r)
		}
	}))
	t.Cleanup(front.Close)
	return hb, front.URL
}

func (hb *hostileBackend) count(pathSuffix string) int {
	hb.mu.Lock()
	defer hb.mu.Unlock()
	n := 0
	for p, c := range hb.hits {
		if strings.HasSuffix(p, pathSuffix) {
			n += c
		}
	}
	return n
}

// TestBackendAnswersCannotBeTurnedAgainstUs: an oversized answer fails once, without retries;
// a redirect is not followed (the token never goes elsewhere) and becomes a clear tool error;
// a credential Jana echoes in an error is scrubbed; DRF's next/previous links (Jana's own
// address) never reach a client; a flood of /ready is a trickle of probes.
func TestBackendAnswersCannotBeTurnedAgainstUs(t *testing.T) {
	t.Parallel()
	hb, url := newHostileBackend(t)
	srv := testenv.StartServer(t, testenv.Config(t, url, map[string]string{
		"JANA_MAX_RESPONSE_BYTES": "1048576", "MCP_CACHE_ENABLED": "false", "JANA_RETRIES": "3",
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, hb.sb.Token, "header")
	call := func(tool string, args map[string]any) (*mcp.CallToolResult, string) {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		return res, testenv.Text(res) + string(mustJSON(res.StructuredContent))
	}

	res, text := call("list_emission_sectors", nil)
	if !res.IsError || !strings.Contains(text, "too large") {
		t.Errorf("an oversized answer: %s", text)
	}
	if n := hb.count("/climatetrace/sectors/"); n != 1 {
		t.Errorf("an oversized answer was requested %d times, want once (it is as large on every retry)", n)
	}

	res, text = call("edgar_country_totals", map[string]any{"country_codes": []string{"IND"}})
	if !res.IsError || !strings.Contains(text, "redirect") {
		t.Errorf("a redirect: %s", text)
	}
	if n := hb.reached.Load(); n != 0 {
		t.Errorf("the redirect was followed: %d requests reached the other host", n)
	}

	res, text = call("air_quality_country_totals", map[string]any{"country_codes": []string{"IN"}})
	if !res.IsError || strings.Contains(text, hb.sb.Token) || !strings.Contains(text, "[redacted]") {
		t.Errorf("an error echoing the token: %s", text)
	}
	if strings.Contains(srv.Logs.String(), hb.sb.Token) {
		t.Error("the token reached the server's log")
	}

	_, text = call("list_pollutants", map[string]any{"limit": 2})
	if strings.Contains(text, url) || strings.Contains(text, hb.sb.URL) || strings.Contains(text, "http://127.0.0.1") {
		t.Errorf("a backend address reached the client: %s", text)
	}
	if !strings.Contains(text, "next_cursor") {
		t.Errorf("the list has more pages, but no cursor: %s", text)
	}

	before := hb.count("/api/v1/esg/health/")
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if r, err := trySend(request{method: http.MethodGet, url: srv.URL + "/ready"}); err != nil || r.status != http.StatusOK {
				t.Errorf("/ready: %v %d", err, r.status)
			}
		})
	}
	wg.Wait()
	if n := hb.count("/api/v1/esg/health/") - before; n > 5 {
		t.Errorf("200 requests for /ready made %d probes of Jana, want a handful", n)
	}
}

// TestMetricsOnTheirOwnListener: with MCP_METRICS_ADDR, /metrics is served there and not on
// the public port.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_METRICS_ADDR": "127.0.0.1:0"}))
	if !eventually(10*time.Second, func() bool { return srv.MetricsAddr() != "" }) {
		t.Fatal("no metrics listener")
	}
	if r := send(t, request{method: http.MethodGet, url: srv.URL + "/metrics"}); r.status != http.StatusNotFound {
		t.Errorf("/metrics on the public port: %d, want 404", r.status)
	}
	r := send(t, request{method: http.MethodGet, url: "http://" + srv.MetricsAddr() + "/metrics"})
	if r.status != http.StatusOK || !strings.Contains(r.body, "jana_mcp_panics_total") {
		t.Errorf("/metrics on MCP_METRICS_ADDR: %d %.200s", r.status, r.body)
	}
	sc := bufio.NewScanner(strings.NewReader(r.body))
	for sc.Scan() {
		if strings.Contains(sc.Text(), sb.Token) {
			t.Error("a token in the metrics")
		}
	}
}
