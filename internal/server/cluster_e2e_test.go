package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	goredis "github.com/redis/go-redis/v9"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// roundRobin sends each request to the next replica in turn, as a load balancer without
// stickiness does.
type roundRobin struct {
	hosts []string
	n     atomic.Int64
	next  http.RoundTripper
}

func (rr *roundRobin) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	host := rr.hosts[int(rr.n.Add(1)-1)%len(rr.hosts)]
	r.URL.Host, r.Host = host, host
	return rr.next.RoundTrip(r)
}

// startReplicas runs n servers sharing redis, with settings on top of the test defaults.
func startReplicas(t *testing.T, n int, sb *testenv.Sandbox, redisURL string, settings map[string]string) []*testenv.Server {
	t.Helper()
	var out []*testenv.Server
	for range n {
		out = append(out, testenv.StartServer(t, testenv.Config(t, sb.URL, with(settings, "MCP_REDIS_URL", redisURL, "MCP_CLUSTER_TTL", "3s",
			// These tests are about sharing: on a loaded machine a Redis answer can take longer
			// than the production budget, and a replica would fall back to its own memory.
			"MCP_REDIS_TIMEOUT", "5s"))))
	}
	return out
}

func hostsOf(replicas []*testenv.Server) []string {
	var hosts []string
	for _, r := range replicas {
		u, _ := url.Parse(r.URL)
		hosts = append(hosts, u.Host)
	}
	return hosts
}

// TestReplicasServeOneAnotherSessions: three replicas on one Redis behind a round-robin
// balancer with no stickiness. Every call of a legacy SSE session and of a stateful /mcp
// session is answered although each request lands on another replica than the last: requests
// for sessions another replica owns are forwarded to it.
func TestReplicasServeOneAnotherSessions(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	replicas := startReplicas(t, 3, sb, redis.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rr := &roundRobin{hosts: hostsOf(replicas), next: http.DefaultTransport}
	for _, transport := range []string{testenv.SSE, testenv.Streamable} {
		cs, err := testenv.ConnectVia(ctx, t, replicas[0].URL, transport, sb.Token, "header", rr)
		if err != nil {
			t.Fatalf("%s: connect: %v", transport, err)
		}
		for i := range 9 {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_pollutants", Arguments: map[string]any{"limit": 2}})
			if err != nil || res.IsError {
				t.Fatalf("%s call %d: %v %v", transport, i, err, res)
			}
		}
		_ = cs.Close()
	}
	forwarded := 0.0
	for _, r := range replicas {
		m, _ := scrape(t, r.URL)
		forwarded += m.value("jana_mcp_forwarded_total", "result", "ok")
	}
	if forwarded < 6 {
		t.Errorf("only %v requests were forwarded to their session's replica", forwarded)
	}
}

// TestClusterLimitsAreShared: a rate limit and a per-caller session cap are enforced once
// across the replicas, not once per replica.
func TestClusterLimitsAreShared(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	replicas := startReplicas(t, 3, sb, redis.URL, map[string]string{"MCP_RATE_LIMIT": "12", "MCP_MAX_SESSIONS_PER_TOKEN": "2"})
	auth := with(jsonRPCHeaders, "Authorization", "Token "+sb.Token)
	opened := 0
	for i := range 3 {
		r := send(t, request{method: http.MethodPost, url: replicas[i].URL + "/mcp", header: auth, body: initialize})
		switch r.status {
		case http.StatusOK:
			opened++
		case http.StatusTooManyRequests:
			if e := r.errorBody(t); e.Code != "too_many_sessions" {
				t.Errorf("initialize %d: %s", i, r.body)
			}
		default:
			t.Fatalf("initialize %d: %d %s", i, r.status, r.body)
		}
	}
	if opened != 2 {
		t.Errorf("%d sessions opened across 3 replicas with MCP_MAX_SESSIONS_PER_TOKEN=2", opened)
	}
	limited := 0
	for i := range 18 {
		// GET /mcp without a session counts against the general limit (12 a minute).
		r := send(t, request{method: http.MethodDelete, url: replicas[i%3].URL + "/mcp",
			header: with(auth, "Mcp-Session-Id", fmt.Sprintf("nobody.%d", i))})
		if r.status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited < 4 {
		t.Errorf("%d of 18 requests limited, want about 6 (12 a minute across the cluster, not 36)", limited)
	}
}

// TestClusterSurvivesRedisAndReplicaLoss: with Redis stopped, sessions keep working (their
// ids name their replica, whose address the others remember) and new ones open; a replica
// that shuts down deregisters its sessions, whose clients then get 404 from every replica,
// while other sessions are untouched.
func TestClusterSurvivesRedisAndReplicaLoss(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	replicas := startReplicas(t, 3, sb, redis.URL, nil)
	auth := map[string]string{"Authorization": "Token " + sb.Token}
	ping := func(base string, h map[string]string) int {
		r, err := trySend(request{method: http.MethodPost, url: base + "/mcp", header: h, body: rpc(7, "ping", nil), readStream: true})
		if err != nil {
			return 0
		}
		return r.status
	}
	onA := mcpSession(t, replicas[0].URL, auth)
	onB := mcpSession(t, replicas[1].URL, auth)
	for _, r := range replicas { // every replica has seen both sessions' owners
		if ping(r.URL, onA) != http.StatusOK || ping(r.URL, onB) != http.StatusOK {
			t.Fatalf("a session is not served by %s", r.URL)
		}
	}

	redis.Stop()
	for _, r := range replicas {
		if s := ping(r.URL, onA); s != http.StatusOK {
			t.Errorf("Redis down: session on A through %s: %d", r.URL, s)
		}
	}
	if r := send(t, request{method: http.MethodPost, url: replicas[2].URL + "/mcp", header: with(jsonRPCHeaders, flat(auth)...), body: initialize}); r.status != http.StatusOK {
		t.Errorf("Redis down: a new session: %d %s", r.status, r.body)
	}
	if r := send(t, request{method: http.MethodGet, url: replicas[2].URL + "/ready"}); r.status != http.StatusOK {
		t.Errorf("Redis down: /ready %d, want 200 (calls are still served)", r.status)
	}
	redis.Start(t)

	if err := replicas[1].Stop(); err != nil {
		t.Fatal(err)
	}
	if !eventually(30*time.Second, func() bool { return ping(replicas[2].URL, onB) == http.StatusNotFound }) {
		t.Error("the stopped replica's session is still routed")
	}
	if s := ping(replicas[0].URL, onB); s != http.StatusNotFound {
		t.Errorf("the stopped replica's session through A: %d, want 404 so the client starts over", s)
	}
	for _, r := range []*testenv.Server{replicas[0], replicas[2]} {
		if s := ping(r.URL, onA); s != http.StatusOK {
			t.Errorf("a session of a live replica through %s: %d", r.URL, s)
		}
	}
	if !strings.Contains(replicas[1].Logs.String(), "shut down") {
		t.Error("replica B did not shut down")
	}
}

// TestClusterSharesTokenVerdicts: a token one replica checked with Jana is not checked again
// by the others (the verdict is shared in Redis under the token's hash, never the token).
func TestClusterSharesTokenVerdicts(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	replicas := startReplicas(t, 3, sb, redis.URL, nil)
	for _, r := range replicas {
		if s, resp := openStream(t, r.URL+"/sse?token="+sb.Token, nil); s == nil {
			t.Fatalf("%s: %d %s", r.URL, resp.status, resp.body)
		}
	}
	if n := rec.tokensFor("/api/auth/user/")[sb.Token]; n != 1 {
		t.Errorf("three replicas checked the token %d times with Jana, want once", n)
	}
	// Nothing in Redis holds the token, as a key or a value.
	opts, _ := goredis.ParseURL(redis.URL)
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("redis keys: %v %v", keys, err)
	}
	for _, k := range keys {
		v, _ := rdb.Dump(context.Background(), k).Result()
		if strings.Contains(k, sb.Token) || strings.Contains(v, sb.Token) {
			t.Errorf("redis key %s holds the token", k)
		}
	}
}
