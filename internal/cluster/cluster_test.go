package cluster_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/cluster"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// replica is one replica's view of a shared Redis. The timeout is generous: these tests are
// about what is shared, and a loaded machine must not make an operation fall back.
func replica(t *testing.T, redisURL, advertise string) *cluster.Cluster {
	t.Helper()
	c, err := cluster.New(cluster.Options{RedisURL: redisURL, Advertise: advertise, TTL: time.Second, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// eventually polls cond until it holds, failing after a long while: for expiries, which
// Redis applies in its own time.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 30 s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBoundedSetsAreShared: a bounded set (a caller's sessions or calls in flight) holds at
// most max members whichever replica adds them; a released member frees its place, and a
// member nobody renews expires.
func TestBoundedSetsAreShared(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	a, b := replica(t, redis.URL, "http://a"), replica(t, redis.URL, "http://b")
	ctx := t.Context()

	for i, c := range []*cluster.Cluster{a, b} {
		if ok, err := c.Acquire(ctx, "sessions:user:1", fmt.Sprint("m", i), 2, time.Minute); !ok || err != nil {
			t.Fatalf("member %d: ok %v, err %v", i, ok, err)
		}
	}
	if ok, err := a.Acquire(ctx, "sessions:user:1", "m2", 2, time.Minute); ok || err != nil {
		t.Fatalf("third member of a set of 2: ok %v, err %v; want refused", ok, err)
	}
	if ok, _ := b.Acquire(ctx, "sessions:user:2", "m2", 2, time.Minute); !ok {
		t.Error("another caller's set is full too")
	}
	if ok, _ := a.Acquire(ctx, "sessions:user:1", "m0", 2, time.Minute); !ok {
		t.Error("a member already in the set was refused on renewal")
	}
	if err := b.Release(ctx, "sessions:user:1", "m1"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.Acquire(ctx, "sessions:user:1", "m2", 2, time.Minute); !ok {
		t.Error("a released place was not free")
	}

	// Members that expire (a replica died holding them) stop counting.
	for i := range 2 {
		if ok, _ := a.Acquire(ctx, "inflight:user:3", fmt.Sprint("x", i), 2, 200*time.Millisecond); !ok {
			t.Fatal("acquire")
		}
	}
	eventually(t, "expired members still count", func() bool {
		ok, _ := b.Acquire(ctx, "inflight:user:3", "y", 2, time.Minute)
		return ok
	})
}

// TestRateLimitIsShared: one bucket per key across replicas.
func TestRateLimitIsShared(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	a, b := replica(t, redis.URL, "http://a"), replica(t, redis.URL, "http://b")
	ctx := t.Context()
	refused := 0
	for i := range 12 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wait, err := c.Allow(ctx, "user:1", 6, true)
		if err != nil {
			t.Fatal(err)
		}
		if wait > 0 {
			refused++
		}
	}
	if refused < 5 || refused > 6 {
		t.Errorf("%d of 12 requests refused at 6 a minute across two replicas, want 6 (allowing one refill)", refused)
	}
	if wait, _ := a.Allow(ctx, "user:1", 6, false); wait <= 0 {
		t.Error("a look at the empty bucket said go ahead")
	}
	if wait, _ := a.Allow(ctx, "user:2", 6, true); wait > 0 {
		t.Error("another key shares the bucket")
	}
}

// TestRegistry: a session registered by its replica is found by the others, at that replica's
// address; deregistered, drained or left by a dead replica, it is not.
func TestRegistry(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	a, b := replica(t, redis.URL, "http://10.0.0.1:8080"), replica(t, redis.URL, "http://10.0.0.2:8080")
	ra, rb := a.NewRegistry(), b.NewRegistry()
	defer rb.Close()
	ctx := t.Context()

	id := a.NewSessionID()
	if cluster.OwnerOf(id) != a.ID() || cluster.OwnerOf("no-dot") != "" {
		t.Fatalf("OwnerOf(%q) = %q, want %q", id, cluster.OwnerOf(id), a.ID())
	}
	ra.Register(ctx, id)
	if addr, found := rb.Lookup(ctx, id); !found || addr != "http://10.0.0.1:8080" {
		t.Errorf("b looks up a's session: %q %v", addr, found)
	}
	if addr, found := ra.Lookup(ctx, id); !found || addr != "" {
		t.Errorf("a looks up its own session: %q %v, want \"\" true", addr, found)
	}
	ra.Deregister(ctx, id)
	if _, found := rb.Lookup(ctx, id); found {
		t.Error("a deregistered session is still found")
	}
	if _, found := rb.Lookup(ctx, a.ID()+".made-up"); found {
		t.Error("a session never registered is found")
	}

	drained := a.NewSessionID()
	ra.Register(ctx, drained)
	ra.Drain(ctx)
	if _, found := rb.Lookup(ctx, drained); found {
		t.Error("a drained replica's session is still found")
	}

	// A replica that dies without draining: its heartbeat stops and its sessions expire
	// within the TTL (1 s here).
	dead := a.NewSessionID()
	ra.Register(ctx, dead)
	ra.Close()
	if _, found := rb.Lookup(ctx, dead); !found {
		t.Fatal("the session is not found at first")
	}
	eventually(t, "a dead replica's session is still registered", func() bool {
		_, found := rb.Lookup(ctx, dead)
		return !found
	})
}

// TestVerdicts are keyed by the credential's hash and expire with the credential.
func TestVerdicts(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	a, b := replica(t, redis.URL, "http://a"), replica(t, redis.URL, "http://b")
	ctx := t.Context()
	good, bad := sha256.Sum256([]byte("Token good")), sha256.Sum256([]byte("Token bad"))
	until := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	a.PutVerdict(ctx, good, true, until, time.Minute)
	a.PutVerdict(ctx, bad, false, until, time.Minute)
	if ok, u, found := b.GetVerdict(ctx, good); !found || !ok || !u.Equal(until) {
		t.Errorf("good: %v %v %v", ok, u, found)
	}
	if ok, _, found := b.GetVerdict(ctx, bad); !found || ok {
		t.Errorf("bad: %v %v", ok, found)
	}
	keys, err := a.Redis().Keys(ctx, "jana-mcp:verdict:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, "good") || strings.Contains(k, "Token") {
			t.Errorf("a verdict key holds the credential: %s", k)
		}
	}
	expiring := sha256.Sum256([]byte("Bearer short-lived"))
	a.PutVerdict(ctx, expiring, true, time.Now().Add(300*time.Millisecond), time.Hour)
	eventually(t, "a verdict outlived its credential", func() bool {
		_, _, found := b.GetVerdict(ctx, expiring)
		return !found
	})
}

// TestRedisDown: operations fail with ErrUnavailable rather than waiting on a dead Redis, the
// replica reports it unavailable, and it recovers when Redis is back.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	c := replica(t, redis.URL, "http://a")
	ctx := t.Context()
	if err := c.Ping(ctx); err != nil || !c.Available() {
		t.Fatalf("ping: %v, available %v", err, c.Available())
	}
	redis.Stop()
	if _, err := c.Acquire(ctx, "sessions:u", "m", 1, time.Minute); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("acquire with Redis down: %v, want ErrUnavailable", err)
	}
	if c.Available() {
		t.Error("available with Redis down")
	}
	// In the cooldown nothing is sent at all.
	if _, err := c.Allow(ctx, "k", 10, true); !errors.Is(err, cluster.ErrUnavailable) {
		t.Errorf("allow in the cooldown: %v", err)
	}
	redis.Start(t)
	eventually(t, "not available again after Redis came back", func() bool {
		return c.Ping(ctx) == nil && c.Available()
	})
}

// TestForwardingIsSigned: a forwarded request arrives signed, with the client's address; one
// that claims to be forwarded without the cluster's signature is refused.
func TestForwardingIsSigned(t *testing.T) {
	t.Parallel()
	redis := testenv.StartRedis(t)
	a, b := replica(t, redis.URL, ""), replica(t, redis.URL, "")
	fa, fb := a.NewForwarder(nil), b.NewForwarder(nil) // the secret agreed through Redis
	owner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, forwarded, err := fb.Verify(r)
		if !forwarded || err != nil {
			http.Error(w, fmt.Sprintf("forwarded %v, err %v", forwarded, err), http.StatusForbidden)
			return
		}
		_, _ = fmt.Fprintf(w, "client %s, body %s", ip, mustRead(r.Body))
	}))
	defer owner.Close()

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/messages?session_id=x", strings.NewReader("hello"))
	if !fa.Forward(rec, req, owner.URL, "203.0.113.7") {
		t.Fatal("the owner was not reached")
	}
	if rec.Code != http.StatusOK || rec.Body.String() != "client 203.0.113.7, body hello" {
		t.Errorf("forwarded answer: %d %q", rec.Code, rec.Body.String())
	}

	forged, _ := http.NewRequest(http.MethodPost, owner.URL+"/messages?session_id=x", strings.NewReader("x"))
	forged.Header.Set(cluster.HeaderReplica, a.ID()+";"+fmt.Sprint(time.Now().UnixMilli())+";"+strings.Repeat("0", 64))
	forged.Header.Set(cluster.HeaderClientIP, "198.51.100.1")
	resp, err := http.DefaultClient.Do(forged)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a forged forward got %d, want 403", resp.StatusCode)
	}

	// An owner that died: Forward reports it, having written nothing.
	owner.Close()
	rec = httptest.NewRecorder()
	if fa.Forward(rec, httptest.NewRequest(http.MethodGet, "/mcp", nil), owner.URL, "203.0.113.7") {
		t.Error("Forward to a dead owner reported success")
	}
}

func mustRead(r io.Reader) string {
	b, _ := io.ReadAll(r)
	return string(b)
}
