package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// countOp is how many finished sandbox requests of op answered status (any status for 0).
func (r *recorder) countOp(op string, status int) int {
	n := 0
	for _, e := range r.all() {
		if e.OperationID == op && (status == 0 || e.Status == status) {
			n++
		}
	}
	return n
}

// countToken is how many finished sandbox requests of op carried token.
func (r *recorder) countToken(op, token string) int {
	n := 0
	for _, e := range r.all() {
		if e.OperationID == op && e.Token == token {
			n++
		}
	}
	return n
}

// expiryOf is a JWT's exp claim.
func expiryOf(t *testing.T, jwt string) time.Time {
	t.Helper()
	exp, ok := jana.UserCaller(jana.SchemeBearer, jwt).Expires()
	if !ok {
		t.Fatalf("no exp claim in %.12s…", jwt)
	}
	return exp
}

// TestExpiredJWT: a user connected with a JWT access token works until the token's exp; then
// tool calls of the open sessions fail with a tool error telling the user to sign in again
// (not a transport error), and a new handshake with the token gets a 401 saying the same,
// although Jana's acceptance was remembered (MCP_AUTH_CACHE_TTL outlives the token).
func TestExpiredJWT(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	// exp has whole seconds, so a 5 s token lives 4 to 5 s: time enough to connect twice.
	sb := testenv.StartSandbox(t, sandbox.Config{AccessTokenLifetime: 5 * time.Second, Observer: rec.observe})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_AUTH_CACHE_TTL": "10m"}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	jwt, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	sessions := map[string]*mcp.ClientSession{
		"streamable, Bearer header": testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, jwt, "bearer"),
		"sse, ?token=":              testenv.MustConnect(ctx, t, srv.URL, testenv.SSE, jwt, "query"),
	}
	for name, cs := range sessions {
		res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": 3})
		mustOK(t, name, res)
	}
	if got := rec.countToken("auth_user_retrieve", jwt); got != 1 {
		t.Errorf("Jana checked the JWT %d times, want once (the verdict is remembered)", got)
	}

	time.Sleep(time.Until(expiryOf(t, jwt)) + 100*time.Millisecond)
	for name, cs := range sessions {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_station", Arguments: map[string]any{"station_id": 4}})
		if err != nil {
			t.Errorf("%s: a transport error for an expired JWT, want a tool error: %v", name, err)
			continue
		}
		text := testenv.Text(res)
		if !res.IsError || !strings.Contains(text, "sign-in has expired") || !strings.Contains(text, "last only minutes") ||
			!strings.Contains(text, "POST /api/auth/login/") || !strings.Contains(text, "Authorization: Bearer") {
			t.Errorf("%s: tool result after expiry: %s", name, text)
		}
	}
	for _, req := range []request{
		{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Bearer "+jwt), body: initialize},
		{method: http.MethodPost, url: srv.URL + "/mcp?token=" + jwt, header: jsonRPCHeaders, body: initialize},
		{method: http.MethodGet, url: srv.URL + "/sse?token=" + jwt},
	} {
		r := send(t, req)
		e := r.errorBody(t)
		if r.status != http.StatusUnauthorized || e.Code != "sign_in_expired" || !strings.Contains(e.Error, "Sign in again") {
			t.Errorf("%s %s with the expired JWT: %d %s", req.method, strings.SplitN(req.url, "?", 2)[0], r.status, r.body)
		}
	}
	if _, err := testenv.Connect(ctx, t, srv.URL, testenv.Streamable, jwt, "bearer"); err == nil {
		t.Error("the go-sdk client connected with an expired JWT")
	}
	if got := rec.countToken("auth_user_retrieve", jwt); got != 1 {
		t.Errorf("Jana was asked about a JWT past its exp claim (%d checks): the exp claim alone decides", got)
	}

	// Signing in again is all it takes.
	fresh, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := call(ctx, t, testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, fresh, "query"), "get_station", map[string]any{"station_id": 5})
	mustOK(t, "after signing in again", res)
}

// TestRefusedJWTIsCheckedAgain: Jana's refusal of a JWT that has not reached its exp claim
// (revoked, say, or refused by a passing fault) is never remembered: the next handshake asks
// Jana again, and succeeds once Jana accepts the token. A refused DRF token is remembered.
func TestRefusedJWTIsCheckedAgain(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	handshake := func(jwt string) response {
		return send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Bearer "+jwt), body: initialize})
	}

	revoked, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.RevokeJWTs(sandbox.DefaultUsername); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		r := handshake(revoked)
		if e := r.errorBody(t); r.status != http.StatusUnauthorized || e.Code != "sign_in_expired" {
			t.Errorf("handshake %d with a revoked JWT: %d %s", i+1, r.status, r.body)
		}
	}
	if got := rec.countToken("auth_user_retrieve", revoked); got != 2 {
		t.Errorf("Jana checked the revoked JWT %d times over 2 handshakes, want 2 (refusals are not remembered)", got)
	}

	flaky, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	sb.FailNext("auth_user_retrieve", http.StatusForbidden, 1)
	if r := handshake(flaky); r.status != http.StatusUnauthorized {
		t.Errorf("handshake while Jana refuses: %d %s", r.status, r.body)
	}
	if r := handshake(flaky); r.status != http.StatusOK {
		t.Errorf("handshake once Jana accepts the JWT again: %d %s", r.status, r.body)
	}
}

// TestCredentialSchemes: each credential reaches Jana with the scheme it came with, and a bare
// ?token= is classified by its shape — 40 hex characters as a DRF token, a JWT as Bearer.
// A DRF token presented as Bearer goes as Bearer, which Jana refuses.
func TestCredentialSchemes(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_CACHE_ENABLED": "false"}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	jwt, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		transport, auth, token, want string
	}{
		{testenv.SSE, "bearer", jwt, "Bearer"},
		{testenv.SSE, "query", jwt, "Bearer"},
		{testenv.SSE, "header", sb.Token, "Token"},
		{testenv.SSE, "query", sb.Token, "Token"},
		{testenv.Streamable, "bearer", jwt, "Bearer"},
		{testenv.Streamable, "query", jwt, "Bearer"},
		{testenv.Streamable, "header", sb.Token, "Token"},
		{testenv.Streamable, "query", sb.Token, "Token"},
	} {
		id := 40 + i
		cs := testenv.MustConnect(ctx, t, srv.URL, tc.transport, tc.token, tc.auth)
		res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": id})
		mustOK(t, fmt.Sprint(tc.transport, " ", tc.auth), res)
		got := rec.credentialsFor(fmt.Sprintf("/openaq/locations/%d/", id))
		if len(got) != 1 || got[tc.want+" "+tc.token] != 1 {
			t.Errorf("%s with %s (%.8s…): Jana saw %v, want %s", tc.transport, tc.auth, tc.token, keys(got), tc.want)
		}
	}
	r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Bearer "+sb.Token), body: initialize})
	if r.status != http.StatusUnauthorized {
		t.Errorf("a DRF token sent as Bearer: %d %s", r.status, r.body)
	}
	if got := rec.credentialsFor("/api/auth/user/")["Bearer "+sb.Token]; got != 1 {
		t.Errorf("the DRF token presented as Bearer reached Jana %d times as Bearer, want 1", got)
	}
}

// TestServiceAccountJWTUnderLoad: a service account signed in with JANA_EMAIL and
// JANA_PASSWORD keeps serving concurrent tool calls across many expiries of its 5 s access
// token, refreshing about once per lifetime and never logging in again while refresh works;
// once its sign-in is revoked (refresh refused), it logs in again, still without a failed call.
func TestServiceAccountJWTUnderLoad(t *testing.T) {
	t.Parallel()
	const lifetime = 5 * time.Second
	rec := &recorder{}
	svc := sandbox.User{Username: "svc", Password: "svc-password", Email: "svc@jana.example"}
	sb := testenv.StartSandbox(t, sandbox.Config{Users: []sandbox.User{svc}, AccessTokenLifetime: lifetime, Observer: rec.observe})
	start := time.Now()
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_AUTH_MODE": "service", "JANA_EMAIL": svc.Email, "JANA_PASSWORD": svc.Password,
		"MCP_CACHE_ENABLED": "false",
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	const workers = 4
	sessions := make([]*mcp.ClientSession, workers)
	for i := range sessions {
		transport := testenv.Streamable
		if i%2 == 1 {
			transport = testenv.SSE
		}
		sessions[i] = testenv.MustConnect(ctx, t, srv.URL, transport, "", "")
	}
	var calls, failed atomic.Int64
	load := func(d time.Duration) {
		var wg sync.WaitGroup
		until := time.Now().Add(d)
		for w, cs := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; time.Now().Before(until); n++ {
					res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_station", Arguments: map[string]any{"station_id": 1 + (w*97+n)%500}})
					calls.Add(1)
					if err != nil || res.IsError {
						if failed.Add(1) <= 3 {
							t.Errorf("worker %d call %d failed: %v %s", w, n, err, textOf(res))
						}
					}
					time.Sleep(20 * time.Millisecond)
				}
			}()
		}
		wg.Wait()
	}

	load(16 * time.Second)
	elapsed := time.Since(start)
	refreshes, logins := rec.countOp("auth_refresh_create", http.StatusOK), rec.countOp("auth_login_create", http.StatusOK)
	t.Logf("%d calls in %s, %d failed; %d refreshes, %d logins, %d data answers 403 (retried)",
		calls.Load(), elapsed.Round(time.Millisecond), failed.Load(), refreshes, logins, rec.countOp("v1_data_sources_openaq_locations_retrieve", http.StatusForbidden))
	if failed.Load() != 0 {
		t.Errorf("%d of %d calls failed across token expiry", failed.Load(), calls.Load())
	}
	if bound := int(elapsed/lifetime) + 2; refreshes < 1 || refreshes > bound {
		t.Errorf("%d refreshes in %s of %s tokens, want 1 to %d", refreshes, elapsed.Round(time.Second), lifetime, bound)
	}
	if logins != 1 {
		t.Errorf("%d logins, want 1: refresh should have kept the sign-in alive", logins)
	}

	// Jana ends the sign-in: the refresh token is refused, so the account logs in again.
	if n, err := sb.RevokeJWTs(svc.Username); err != nil || n != 1 {
		t.Fatalf("revoke: %d sign-ins, %v", n, err)
	}
	before := calls.Load()
	load(2 * time.Second)
	t.Logf("after revocation: %d calls, %d failed; refreshes refused %d, logins %d", calls.Load()-before, failed.Load(),
		rec.countOp("auth_refresh_create", http.StatusUnauthorized), rec.countOp("auth_login_create", http.StatusOK))
	if failed.Load() != 0 {
		t.Errorf("%d calls failed after the sign-in was revoked", failed.Load())
	}
	if got := rec.countOp("auth_login_create", http.StatusOK); got != 2 {
		t.Errorf("%d logins after revocation, want 2 (one more)", got)
	}
	if got := rec.countOp("auth_refresh_create", http.StatusUnauthorized); got != 1 {
		t.Errorf("%d refused refreshes, want 1 (then a login)", got)
	}
	secrets := map[string]bool{svc.Password: true}
	for _, e := range rec.all() {
		if e.Token != "" {
			secrets[e.Token] = true // every access token the account used
		}
	}
	logs := srv.Logs.String()
	for secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("a secret (%.6s…) is in the server's log", secret)
		}
	}
}

func textOf(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	return testenv.Text(res)
}
