package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

var alice = sandbox.User{Username: "alice", Password: "alice-password", Email: "alice@jana.example"}

// TestOAuthUsersAreKeptApart: what a signed-in user's requests count against and are bound
// to is the Jana user, not the token: a session opened by one user refuses the other's token
// (stateful /mcp and SSE alike) and takes the same user's token from another sign-in; a rate
// limit spent through one sign-in is spent for the user's other sign-ins and not for anyone
// else.
func TestOAuthUsersAreKeptApart(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{Users: []sandbox.User{alice}})
	srv := testenv.StartOAuthServer(t, sb, map[string]string{"MCP_RATE_LIMIT_MESSAGES": "12"}, server.Options{})
	c := register(t, srv.URL, callback)
	demo1, demo2 := c.signedInDemo(), c.signedInDemo()
	alices := c.signedIn(alice.Email, alice.Password)
	bearer := func(tok string) map[string]string { return with(jsonRPCHeaders, "Authorization", "Bearer "+tok) }

	// Stateful /mcp.
	r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: bearer(demo1.AccessToken), body: initialize})
	sid := r.header.Get("Mcp-Session-Id")
	if r.status != http.StatusOK || sid == "" {
		t.Fatalf("initialize: %d %s", r.status, r.body)
	}
	for _, tc := range []struct {
		name   string
		token  string
		status int
	}{
		{"the same sign-in", demo1.AccessToken, http.StatusAccepted},
		{"another sign-in of the same user", demo2.AccessToken, http.StatusAccepted},
		{"another user", alices.AccessToken, http.StatusForbidden},
	} {
		r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(bearer(tc.token), "Mcp-Session-Id", sid), body: initialized})
		if r.status != tc.status {
			t.Errorf("/mcp session of demo, %s: %d %s, want %d", tc.name, r.status, r.body, tc.status)
		}
	}
	// Legacy SSE: each POST to /messages presents a valid token of the session's user.
	st, post := sseSession(t, srv.URL, "", map[string]string{"Authorization": "Bearer " + demo1.AccessToken})
	defer st.close()
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"no token", map[string]string{"Content-Type": "application/json"}, http.StatusUnauthorized},
		{"another sign-in of the same user", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + demo2.AccessToken}, http.StatusAccepted},
		{"another user", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + alices.AccessToken}, http.StatusForbidden},
		{"a made-up token", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer jmcp_at_nope"}, http.StatusUnauthorized},
	} {
		r := send(t, request{method: http.MethodPost, url: post, header: tc.header, body: rpc(7, "ping", nil)})
		if r.status != tc.status {
			t.Errorf("SSE session of demo, %s: %d %s, want %d", tc.name, r.status, r.body, tc.status)
		}
	}

	// The limit of 12 messages a minute is demo's, whichever sign-in sends them.
	probe := func(tok string) int {
		return send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: bearer(tok), body: rpc(1, "ping", nil)}).status
	}
	limited := false
	for i := 0; i < 30 && !limited; i++ {
		limited = probe(demo1.AccessToken) == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("the messages limit never applied")
	}
	if s := probe(demo2.AccessToken); s != http.StatusTooManyRequests {
		t.Errorf("demo's other sign-in after demo's limit was spent: %d, want 429", s)
	}
	if s := probe(alices.AccessToken); s == http.StatusTooManyRequests {
		t.Errorf("alice is limited by demo's requests")
	}
}

// TestOAuthReplicas: replicas sharing Redis serve each other's signed-in users: a sign-in
// through one works on the others, its Jana token is refreshed once at a time however many
// replicas need it (Jana rotates refresh tokens: two refreshes at once would end the sign-in),
// and a revocation through one holds on all. A server with another public URL on the same
// Redis and key refuses the tokens: they are for another resource. Redis holds none of the
// tokens, Jana's or the server's.
func TestOAuthReplicas(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{AccessTokenLifetime: 3 * time.Second, Observer: rec.observe})
	a := testenv.StartOAuthServer(t, sb, map[string]string{"MCP_REDIS_URL": redis.URL, "MCP_CACHE_ENABLED": "false"}, server.Options{})
	// b is another replica of a: same public URL, same key.
	b := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_AUTH_MODE": "oauth", "MCP_PUBLIC_URL": a.URL,
		"MCP_OAUTH_KEY": testenv.OAuthKey, "MCP_REDIS_URL": redis.URL, "MCP_CACHE_ENABLED": "false"}))
	// elsewhere is another server on the same Redis and key.
	elsewhere := testenv.StartOAuthServer(t, sb, map[string]string{"MCP_REDIS_URL": redis.URL}, server.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	c := register(t, a.URL, callback)
	tokens := c.signedInDemo()
	for _, replica := range []*testenv.Server{a, b} {
		cs, err := connectBearer(ctx, t, replica.URL, testenv.Streamable, tokens.AccessToken)
		if err != nil {
			t.Fatalf("replica %s: %v", replica.URL, err)
		}
		res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": 2})
		mustOK(t, "replica "+replica.URL, res)
		_ = cs.Close()
	}
	if _, err := connectBearer(ctx, t, elsewhere.URL, testenv.Streamable, tokens.AccessToken); err == nil {
		t.Error("a server with another public URL accepted a token issued for " + a.URL)
	}

	// Both replicas call for the user at once, past several Jana token lives.
	sessions := []*testenv.Server{a, b, a, b}
	deadline := time.Now().Add(10 * time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, len(sessions))
	for i, replica := range sessions {
		cs, err := connectBearer(ctx, t, replica.URL, testenv.Streamable, tokens.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		wg.Go(func() {
			for j := 0; time.Now().Before(deadline); j++ {
				res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": 1 + (i+j)%5})
				if res.IsError {
					errs <- &toolError{testenv.Text(res)}
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a call during concurrent refreshes: %v", err)
	}
	ok, all := rec.countOp("auth_refresh_create", http.StatusOK), rec.countOp("auth_refresh_create", 0)
	if ok < 2 || ok != all {
		t.Errorf("Jana refreshes: %d of %d accepted, want several and all", ok, all)
	}

	if status := c.revoke(tokens.RefreshToken); status != http.StatusOK {
		t.Fatal(status)
	}
	for _, replica := range []*testenv.Server{a, b} {
		r := send(t, request{method: http.MethodPost, url: replica.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Bearer "+tokens.AccessToken), body: initialize})
		if r.status != http.StatusUnauthorized {
			t.Errorf("replica %s after revocation: %d", replica.URL, r.status)
		}
	}

	var secrets []string
	for _, e := range rec.all() {
		if e.Token != "" {
			secrets = append(secrets, e.Token)
		}
	}
	secrets = append(secrets, tokens.AccessToken, tokens.RefreshToken)
	dump := redisContents(t, redis.URL)
	for _, s := range secrets {
		if strings.Contains(dump, s) {
			t.Fatalf("Redis holds a token (%.12s…)", s)
		}
	}
	if !strings.Contains(dump, "jana-mcp:oauth:") {
		t.Error("nothing of the sign-ins is in Redis")
	}
}

type toolError struct{ text string }

func (e *toolError) Error() string { return "tool error: " + e.text }

// redisContents is every key of a Redis and its value, as one text.
func redisContents(t *testing.T, redisURL string) string {
	t.Helper()
	opts, _ := goredis.ParseURL(redisURL)
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range keys {
		v, _ := rdb.Dump(context.Background(), k).Result()
		b.WriteString(k + "=" + v + "\n")
	}
	return b.String()
}

// TestOAuthRefusedTokensAllowance: made-up tokens from one address spend its allowance (429
// with Retry-After after that), and a valid token from the same address is still served.
func TestOAuthRefusedTokensAllowance(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartOAuthServer(t, sb, map[string]string{"MCP_RATE_LIMIT": "5"}, server.Options{})
	c := register(t, srv.URL, callback)
	good := c.signedInDemo()
	post := func(tok string) response {
		return send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Bearer "+tok), body: rpc(1, "ping", nil)})
	}
	var r response
	for i := 0; i < 20; i++ {
		if r = post("jmcp_at_madeup" + newID()); r.status == http.StatusTooManyRequests {
			break
		}
	}
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("made-up tokens never ran out of allowance: %d", r.status)
	}
	if r := post(good.AccessToken); r.status == http.StatusTooManyRequests || r.status == http.StatusUnauthorized {
		t.Errorf("a valid token from the same address: %d %s", r.status, r.body)
	}
}
