package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// recorder keeps the sandbox's request events.
type recorder struct {
	mu     sync.Mutex
	events []sandbox.Event
}

func (r *recorder) observe(e sandbox.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) all() []sandbox.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sandbox.Event(nil), r.events...)
}

func (r *recorder) tokensFor(pathSuffix string) map[string]int {
	out := map[string]int{}
	for _, e := range r.all() {
		if strings.HasSuffix(e.Path, pathSuffix) {
			out[e.Token]++
		}
	}
	return out
}

// credentialsFor counts the "<scheme> <token>" the backend saw on requests to pathSuffix.
func (r *recorder) credentialsFor(pathSuffix string) map[string]int {
	out := map[string]int{}
	for _, e := range r.all() {
		if strings.HasSuffix(e.Path, pathSuffix) {
			out[e.Scheme+" "+e.Token]++
		}
	}
	return out
}

func users(n int) []sandbox.User {
	var out []sandbox.User
	for i := range n {
		out = append(out, sandbox.User{Username: fmt.Sprintf("user%d", i), Password: "pw", Token: fmt.Sprintf("%040x", 1000+i)})
	}
	return out
}

// TestPerUserIsolation opens many concurrent sessions with different credentials — DRF
// tokens and JWTs, in headers and in ?token= — over every transport; on every backend request
// the sandbox must see the credential of the session that made the call, with the scheme it
// came with (a bare ?token= JWT goes as Bearer), and a cached answer for one user must not
// serve another.
func TestPerUserIsolation(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	accounts := users(12)
	sb := testenv.StartSandbox(t, sandbox.Config{Users: accounts, Observer: rec.observe})
	stateful := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	stateless := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_STATELESS": "true"}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	kinds := []struct {
		base, transport, auth string
		jwt                   bool
	}{
		{stateful.URL, testenv.SSE, "query", false},
		{stateful.URL, testenv.SSE, "header", false},
		{stateful.URL, testenv.SSE, "bearer", true},
		{stateful.URL, testenv.SSE, "query", true},
		{stateful.URL, testenv.Streamable, "header", false},
		{stateful.URL, testenv.Streamable, "bearer", true},
		{stateful.URL, testenv.Streamable, "query", true},
		{stateless.URL, testenv.Streamable, "header", false},
		{stateless.URL, testenv.Streamable, "query", false},
		{stateless.URL, testenv.Streamable, "bearer", true},
	}
	creds := make([]string, len(accounts)) // what the backend must see, "<scheme> <token>"
	var wg sync.WaitGroup
	for i, u := range accounts {
		k := kinds[i%len(kinds)]
		token := u.Token
		creds[i] = "Token " + token
		if k.jwt {
			var err error
			if token, _, err = sb.IssueJWT(u.Username); err != nil {
				t.Fatal(err)
			}
			creds[i] = "Bearer " + token
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs, err := testenv.Connect(ctx, t, k.base, k.transport, token, k.auth)
			if err != nil {
				t.Errorf("%s over %s/%s (JWT %v): %v", u.Username, k.transport, k.auth, k.jwt, err)
				return
			}
			defer cs.Close()
			for range 3 {
				for _, id := range []int{10 + i, 1} { // own station, then one every user asks for
					res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_station", Arguments: map[string]any{"station_id": id}})
					if err != nil || res.IsError {
						t.Errorf("%s get_station %d: %v %s", u.Username, id, err, testenv.Text(res))
					}
				}
			}
		}()
	}
	wg.Wait()

	for i, u := range accounts {
		got := rec.credentialsFor(fmt.Sprintf("/openaq/locations/%d/", 10+i))
		if len(got) != 1 || got[creds[i]] == 0 {
			k := kinds[i%len(kinds)]
			t.Errorf("station %d (asked only by %s over %s/%s): backend saw %v, want %s", 10+i, u.Username, k.transport, k.auth, keys(got), creds[i][:14])
		}
	}
	shared := rec.credentialsFor("/openaq/locations/1/")
	for i, u := range accounts {
		if shared[creds[i]] == 0 {
			t.Errorf("%s's request for station 1 never reached Jana with its credential: another user's cached answer served it", u.Username)
		}
	}
	for cred := range shared {
		if cred == " " {
			t.Error("a backend request carried no token")
		}
	}
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k[:min(len(k), 14)]+"…")
	}
	return out
}

func get(t *testing.T, url string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	return do(t, http.MethodGet, url, header, "")
}

func do(t *testing.T, method, url string, header map[string]string, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, resp.Header, string(data)
}

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"0"}}}`

var jsonRPCHeaders = map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}

func with(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestUserModeRefusesBeforeStreamOpens checks the default mode: no token or a token Jana
// rejects is a 401 JSON answer, on every endpoint, before any event stream opens.
func TestUserModeRefusesBeforeStreamOpens(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))

	for _, tc := range []struct {
		name, method, path, body string
		header                   map[string]string
		code                     string
	}{
		{"sse without token", http.MethodGet, "/sse", "", nil, "unauthorized"},
		{"sse with bad token", http.MethodGet, "/sse?token=nope", "", nil, "invalid_token"},
		{"sse with bad header", http.MethodGet, "/sse", "", map[string]string{"Authorization": "Token " + strings.Repeat("0", 40)}, "invalid_token"},
		{"mcp without token", http.MethodPost, "/mcp", initialize, jsonRPCHeaders, "unauthorized"},
		{"mcp with bad bearer", http.MethodPost, "/mcp", initialize, with(jsonRPCHeaders, "Authorization", "Bearer nope"), "invalid_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := do(t, tc.method, srv.URL+tc.path, tc.header, tc.body)
			if status != http.StatusUnauthorized || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d %s, want 401 JSON: %s", status, h.Get("Content-Type"), body)
			}
			var e struct{ Error, Code string }
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Code != tc.code || e.Error == "" {
				t.Errorf("body %s, want code %s", body, tc.code)
			}
			if strings.Contains(h.Get("WWW-Authenticate"), "resource_metadata") {
				t.Error("401 advertises OAuth metadata (Cursor would drop the configured headers)")
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := testenv.Connect(ctx, t, srv.URL, testenv.Streamable, "wrong", "header"); err == nil {
		t.Error("go-sdk client connected with a rejected token")
	}
	// The header wins over ?token=.
	if status, _, _ := get(t, srv.URL+"/sse?token="+sb.Token, map[string]string{"Authorization": "Token wrong"}); status != http.StatusUnauthorized {
		t.Errorf("a bad header with a good ?token= got %d, want 401 (the header wins)", status)
	}
}

// TestServiceModes checks service and user-or-service credentials, and that the service
// account logs in again when Jana revokes its token.
func TestServiceModes(t *testing.T) {
	t.Parallel()
	accounts := append(users(1), sandbox.User{Username: "svc", Password: "svc-password", Token: strings.Repeat("5", 40)})
	user := accounts[0]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Each case gets its own sandbox: the first revokes the service token.
	start := func(t *testing.T) (*testenv.Sandbox, *recorder) {
		rec := &recorder{}
		return testenv.StartSandbox(t, sandbox.Config{Users: accounts, Observer: rec.observe}), rec
	}
	stationCall := func(t *testing.T, cs *mcp.ClientSession, id int) {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_station", Arguments: map[string]any{"station_id": id}})
		if err != nil || res.IsError {
			t.Fatalf("get_station %d: %v %s", id, err, testenv.Text(res))
		}
	}

	t.Run("service with username and password", func(t *testing.T) {
		sb, rec := start(t)
		srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
			"MCP_AUTH_MODE": "service", "JANA_USERNAME": "svc", "JANA_PASSWORD": "svc-password", "MCP_CACHE_ENABLED": "false",
		}))
		// Even a user who brings a token is served with the service credentials.
		cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, user.Token, "header")
		stationCall(t, cs, 201)
		if got := rec.tokensFor("/locations/201/"); got[accounts[1].Token] != 1 || len(got) != 1 {
			t.Errorf("backend saw %v, want only the service token", keys(got))
		}
		// Jana revokes the service token: the next call logs in again and succeeds.
		if status, _, body := do(t, http.MethodPost, sb.URL+"/api/auth/logout/", map[string]string{"Authorization": "Token " + accounts[1].Token}, ""); status != 200 {
			t.Fatalf("logout: %d %s", status, body)
		}
		stationCall(t, cs, 202)
		got := rec.tokensFor("/locations/202/")
		if len(got) != 2 || got[accounts[1].Token] != 1 {
			t.Errorf("after revocation the backend saw %v: want one 401 with the old token, then one with a fresh login", keys(got))
		}
	})

	t.Run("user-or-service", func(t *testing.T) {
		sb, rec := start(t)
		srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
			"MCP_AUTH_MODE": "user-or-service", "JANA_TOKEN": strings.Repeat("5", 40), "MCP_CACHE_ENABLED": "false",
		}))
		anon := testenv.MustConnect(ctx, t, srv.URL, testenv.SSE, "", "")
		stationCall(t, anon, 301)
		mine := testenv.MustConnect(ctx, t, srv.URL, testenv.SSE, user.Token, "query")
		stationCall(t, mine, 302)
		if got := rec.tokensFor("/locations/301/"); got[strings.Repeat("5", 40)] != 1 || len(got) != 1 {
			t.Errorf("anonymous call: backend saw %v, want the service token", keys(got))
		}
		if got := rec.tokensFor("/locations/302/"); got[user.Token] != 1 || len(got) != 1 {
			t.Errorf("user call: backend saw %v, want the user's own token", keys(got))
		}
	})
}

// TestSessionBoundToItsToken: a Streamable HTTP session created with one token cannot be
// used with another.
func TestSessionBoundToItsToken(t *testing.T) {
	t.Parallel()
	accounts := users(2)
	sb := testenv.StartSandbox(t, sandbox.Config{Users: accounts})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))

	status, h, body := do(t, http.MethodPost, srv.URL+"/mcp", with(jsonRPCHeaders, "Authorization", "Token "+accounts[0].Token), initialize)
	sid := h.Get("Mcp-Session-Id")
	if status != 200 || sid == "" {
		t.Fatalf("initialize: %d %s", status, body)
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	hdr := with(jsonRPCHeaders, "Mcp-Session-Id", sid, "MCP-Protocol-Version", "2025-06-18")
	if status, _, body := do(t, http.MethodPost, srv.URL+"/mcp", with(hdr, "Authorization", "Token "+accounts[1].Token), list); status != http.StatusForbidden {
		t.Errorf("another user's token on the session: %d %s, want 403", status, body)
	}
	if status, _, body := do(t, http.MethodPost, srv.URL+"/mcp", with(hdr, "Authorization", "Token "+accounts[0].Token), list); status != 200 {
		t.Errorf("the owner's token: %d %s", status, body)
	}
}

// TestTokenChecksAreCached: a token Jana accepted is not checked again on every request of
// every session (MCP_AUTH_CACHE_TTL), and a rejected one is remembered too.
func TestTokenChecksAreCached(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 5 {
		cs := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")
		if _, err := cs.ListTools(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if status, _, _ := get(t, srv.URL+"/sse?token=bad", nil); status != http.StatusUnauthorized {
			t.Fatalf("bad token: %d", status)
		}
	}
	checks := rec.tokensFor("/api/auth/user/")
	if checks[sb.Token] != 1 || checks["bad"] != 1 {
		t.Errorf("token checks against Jana: good %d, bad %d; want 1 each", checks[sb.Token], checks["bad"])
	}
}
