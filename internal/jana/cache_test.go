package jana_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// events records the sandbox's requests.
type events struct {
	mu  sync.Mutex
	all []sandbox.Event
}

func (e *events) observe(ev sandbox.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// tokens counts the requests whose path ends with suffix, by the token they carried.
func (e *events) tokens(pathSuffix string) map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]int{}
	for _, ev := range e.all {
		if strings.HasSuffix(ev.Path, pathSuffix) {
			out[ev.Token]++
		}
	}
	return out
}

func (e *events) count(pathSuffix string) int {
	n := 0
	for _, c := range e.tokens(pathSuffix) {
		n += c
	}
	return n
}

// lookups records what the cache reports to its observer.
type lookups struct {
	mu        sync.Mutex
	hit, miss map[string]int // by endpoint
}

func (l *lookups) CacheLookup(endpoint string, hit bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hit == nil {
		l.hit, l.miss = map[string]int{}, map[string]int{}
	}
	if hit {
		l.hit[endpoint]++
	} else {
		l.miss[endpoint]++
	}
}

func (l *lookups) counts(endpoint string) (hits, misses int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.hit[endpoint], l.miss[endpoint]
}

func accounts(n int) []sandbox.User {
	var out []sandbox.User
	for i := range n {
		out = append(out, sandbox.User{Username: fmt.Sprintf("user%d", i), Password: "pw", Token: fmt.Sprintf("%040x", 7000+i)})
	}
	return out
}

// newClient builds the adapter for the sandbox the way the server does, from env settings.
func newClient(t *testing.T, sb *testenv.Sandbox, settings map[string]string, opts jana.Options) *jana.Client {
	t.Helper()
	return testenv.Client(t, testenv.Config(t, sb.URL, settings), opts)
}

// station fetches a station as token's user and returns the answer's body and Age header.
func station(t *testing.T, ctx context.Context, c *jana.Client, token string, id int) (body []byte, age string) {
	t.Helper()
	resp, err := c.API().V1DataSourcesOpenaqLocationsRetrieveWithResponse(jana.WithCaller(ctx, jana.UserCaller(jana.SchemeToken, token)), id)
	if err != nil || resp.StatusCode() != http.StatusOK {
		t.Fatalf("station %d: %v %d", id, err, statusOf(resp))
	}
	return resp.Body, resp.HTTPResponse.Header.Get("Age")
}

func statusOf(resp interface{ StatusCode() int }) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode()
}

const stationPath = "/api/v1/data-sources/openaq/locations/%d/"

// TestCacheNeverCrossesUsers: one user's cached answer never serves another, unless the path
// is declared public (MCP_CACHE_PUBLIC), where one backend request serves everyone.
func TestCacheNeverCrossesUsers(t *testing.T) {
	t.Parallel()
	users := accounts(2)
	rec := &events{}
	sb := testenv.StartSandbox(t, sandbox.Config{Users: users, Observer: rec.observe})
	params := "/api/v1/data-sources/openaq/parameters/"
	c := newClient(t, sb, map[string]string{"MCP_CACHE_PUBLIC": params}, jana.Options{})
	ctx := context.Background()

	for range 3 {
		for _, u := range users {
			station(t, ctx, c, u.Token, 5)
		}
	}
	got := rec.tokens(fmt.Sprintf(stationPath, 5))
	if len(got) != 2 || got[users[0].Token] != 1 || got[users[1].Token] != 1 {
		t.Errorf("requests for a private path by token: %v, want one per user, each with its own token", got)
	}

	var bodies [][]byte
	for range 2 {
		for _, u := range users {
			resp, err := c.API().V1DataSourcesOpenaqParametersListWithResponse(jana.WithCaller(ctx, jana.UserCaller(jana.SchemeToken, u.Token)), &janaapi.V1DataSourcesOpenaqParametersListParams{})
			if err != nil || resp.StatusCode() != http.StatusOK {
				t.Fatalf("parameters: %v %d", err, statusOf(resp))
			}
			bodies = append(bodies, resp.Body)
		}
	}
	if n := rec.count(params); n != 1 {
		t.Errorf("a public path was requested %d times by %d calls of 2 users, want once", n, len(bodies))
	}
	for _, b := range bodies[1:] {
		if !bytes.Equal(b, bodies[0]) {
			t.Error("a public answer differs between users")
		}
	}
}

// TestCacheCoalescesConcurrentCalls: 100 identical calls at once make exactly one backend
// request; the same call by another user is not coalesced with them.
func TestCacheCoalescesConcurrentCalls(t *testing.T) {
	t.Parallel()
	users := accounts(2)
	rec := &events{}
	sb := testenv.StartSandbox(t, sandbox.Config{Users: users, Observer: rec.observe, Latency: 200 * time.Millisecond})
	obs := &lookups{}
	c := newClient(t, sb, nil, jana.Options{CacheObserver: obs})
	ctx := context.Background()

	const calls = 100
	var wg sync.WaitGroup
	bodies := make([][]byte, calls)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := users[0]
			if i >= calls/2 && i%2 == 1 {
				u = users[1] // a quarter of the calls come from another user
			}
			resp, err := c.API().V1DataSourcesOpenaqLocationsRetrieveWithResponse(jana.WithCaller(ctx, jana.UserCaller(jana.SchemeToken, u.Token)), 8)
			if err != nil || resp.StatusCode() != http.StatusOK {
				t.Errorf("call %d: %v %d", i, err, statusOf(resp))
				return
			}
			bodies[i] = resp.Body
		}()
	}
	wg.Wait()
	got := rec.tokens(fmt.Sprintf(stationPath, 8))
	if len(got) != 2 || got[users[0].Token] != 1 || got[users[1].Token] != 1 {
		t.Errorf("backend requests by token for %d concurrent calls of 2 users: %v, want exactly one per user", calls, got)
	}
	for i, b := range bodies {
		if b != nil && !bytes.Equal(b, bodies[0]) {
			t.Errorf("call %d got another answer", i)
		}
	}
	if hits, misses := obs.counts("/api/v1/data-sources/openaq/locations/{id}/"); hits+misses != calls {
		t.Errorf("observer saw %d hits and %d misses, want %d lookups", hits, misses, calls)
	}
}

// TestCacheLeaderCancelled: when the call leading a shared backend request is cancelled, its
// request is abandoned (the sandbox sees it cancelled) and the calls waiting on it are served
// by one new request instead of failing.
func TestCacheLeaderCancelled(t *testing.T) {
	t.Parallel()
	rec := &events{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe, Latency: 500 * time.Millisecond})
	obs := &lookups{}
	c := newClient(t, sb, nil, jana.Options{CacheObserver: obs})
	caller := jana.WithCaller(context.Background(), jana.UserCaller(jana.SchemeToken, sb.Token))
	path := fmt.Sprintf(stationPath, 31)

	leaderCtx, cancelLeader := context.WithCancel(caller)
	leader := make(chan error, 1)
	go func() {
		_, err := c.API().V1DataSourcesOpenaqLocationsRetrieveWithResponse(leaderCtx, 31)
		leader <- err
	}()
	waitFor(t, func() bool { return sb.Started(path) == 1 })
	const waiters = 10
	errs := make(chan error, waiters)
	for range waiters {
		go func() {
			resp, err := c.API().V1DataSourcesOpenaqLocationsRetrieveWithResponse(caller, 31)
			if err == nil && resp.StatusCode() != http.StatusOK {
				err = fmt.Errorf("status %d", resp.StatusCode())
			}
			errs <- err
		}()
	}
	waitFor(t, func() bool {
		_, misses := obs.counts("/api/v1/data-sources/openaq/locations/{id}/")
		return misses == 1+waiters
	})
	cancelLeader()
	if err := <-leader; err == nil {
		t.Error("the cancelled leader got an answer")
	}
	for range waiters {
		if err := <-errs; err != nil {
			t.Errorf("a waiter failed with its leader: %v", err)
		}
	}
	cancelled := 0
	rec.mu.Lock()
	all := append([]sandbox.Event(nil), rec.all...)
	rec.mu.Unlock()
	for _, e := range all {
		if e.Path == path && e.Cancelled {
			cancelled++
		}
	}
	if n := rec.count(path); n != 2 || cancelled != 1 {
		t.Errorf("the sandbox saw %d requests (%d cancelled), want the leader's cancelled and one for the waiters", n, cancelled)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCacheExpiryAndAge: a hit reports its age (Age header, CallInfo); an entry is served
// until its TTL and fetched again after; the observer sees every hit and miss; paths that are
// never cached (auth) are not looked up.
func TestCacheExpiryAndAge(t *testing.T) {
	t.Parallel()
	rec := &events{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	clock := jana.NewFakeClock()
	obs := &lookups{}
	c := newClient(t, sb, nil, jana.WithClock(jana.Options{CacheObserver: obs}, clock))
	checkExpiry(t, c, clock, rec, sb.Token)

	if hits, misses := obs.counts("/api/v1/data-sources/openaq/locations/{id}/"); hits != 2 || misses != 2 {
		t.Errorf("observer saw %d hits and %d misses, want 2 and 2", hits, misses)
	}
	if err := c.VerifyToken(context.Background(), jana.UserCaller(jana.SchemeToken, sb.Token)); err != nil {
		t.Fatal(err)
	}
	if hits, misses := obs.counts("/api/auth/user/"); hits+misses != 0 {
		t.Errorf("an auth path went through the cache (%d hits, %d misses)", hits, misses)
	}
}

// checkExpiry drives one station through miss, hits with their age, and expiry at its TTL.
func checkExpiry(t *testing.T, c *jana.Client, clock *jana.FakeClock, rec *events, token string) {
	t.Helper()
	ttl := jana.TTLFor(fmt.Sprintf(stationPath, 12))
	if ttl != 5*time.Minute {
		t.Fatalf("TTL of a station: %v", ttl)
	}
	ctx, info := jana.WithCallInfo(context.Background())
	if _, age := station(t, ctx, c, token, 12); age != "" {
		t.Errorf("a fresh answer has Age %q", age)
	}
	if s := info.Summary(); s.Cached || s.Attempts != 1 {
		t.Errorf("first call: %+v, want one attempt, not cached", s)
	}

	clock.Advance(ttl - 10*time.Second)
	ctx, info = jana.WithCallInfo(context.Background())
	if _, age := station(t, ctx, c, token, 12); age != "290" {
		t.Errorf("hit after 290 s has Age %q", age)
	}
	if s := info.Summary(); !s.Cached || s.CacheAge != ttl-10*time.Second || s.Attempts != 0 {
		t.Errorf("hit: %+v, want cached, age 4m50s, no attempt", s)
	}
	if n := rec.count(fmt.Sprintf(stationPath, 12)); n != 1 {
		t.Errorf("the backend saw %d requests before the TTL, want 1", n)
	}

	clock.Advance(11 * time.Second) // past the TTL
	ctx, info = jana.WithCallInfo(context.Background())
	if _, age := station(t, ctx, c, token, 12); age != "" {
		t.Errorf("an expired entry was served (Age %q)", age)
	}
	if s := info.Summary(); s.Cached {
		t.Errorf("after the TTL: %+v, want a fresh answer", s)
	}
	if n := rec.count(fmt.Sprintf(stationPath, 12)); n != 2 {
		t.Errorf("the backend saw %d requests, want 2 (the entry expired)", n)
	}
	if _, age := station(t, context.Background(), c, token, 12); age != "0" {
		t.Errorf("the refreshed entry has Age %q, want 0", age)
	}
}

// TestMemoryStoreBound: many inserts never take the store past its byte bound, an entry
// larger than the bound is not kept, and entries in use mostly survive a flood of one-off
// entries.
func TestMemoryStoreBound(t *testing.T) {
	t.Parallel()
	const bound = 1 << 20
	s := jana.NewMemoryStore(bound)
	ctx := context.Background()
	body := bytes.Repeat([]byte("x"), 10_000)
	entry := func() *jana.Entry { return &jana.Entry{Status: 200, Body: body, Stored: time.Now(), TTL: time.Hour} }
	hot := func(i int) string { return fmt.Sprintf("user:1 GET /api/v1/hot/%d/", i) }
	for i := range 20 { // ~200 kB read all the time
		s.Set(ctx, hot(i), entry())
	}
	for i := range 5000 { // ~50 MB of entries asked for once
		s.Set(ctx, fmt.Sprintf("user:%d GET /api/v1/x/%d/", i%7, i), entry())
		if i%50 == 0 {
			for h := range 20 {
				s.Get(ctx, hot(h))
			}
		}
		if i%500 == 0 {
			if w := s.WeightedSize(); w > bound {
				t.Fatalf("after %d inserts the store holds %d bytes, bound %d", i+1, w, bound)
			}
		}
	}
	if w := s.WeightedSize(); w > bound || w < bound/2 {
		t.Errorf("the store holds %d bytes, want at most %d and not nearly empty", w, bound)
	}
	// An entry larger than the bound is not kept at all.
	s.Set(ctx, "huge", &jana.Entry{Status: 200, Body: bytes.Repeat([]byte("y"), 2*bound), Stored: time.Now(), TTL: time.Hour})
	if _, ok := s.Get(ctx, "huge"); ok || s.WeightedSize() > bound {
		t.Errorf("an entry over the bound was kept (%d bytes held)", s.WeightedSize())
	}
	// Eviction is frequency-based (W-TinyLFU) and approximate: most, not all, survive.
	kept := 0
	for h := range 20 {
		if _, ok := s.Get(ctx, hot(h)); ok {
			kept++
		}
	}
	if kept < 10 {
		t.Errorf("%d of 20 entries in use survived a flood of one-off entries", kept)
	}
}

// TestRedisStoreSharedByReplicas: two clients ("replicas") on one Redis share answers, per
// user; entries expire on their TTL; neither tokens nor URLs appear in Redis; and a Redis
// that fails or is gone is a cache miss, never an error.
func TestRedisStoreSharedByReplicas(t *testing.T) {
	t.Parallel()
	users := accounts(2)
	rec := &events{}
	sb := testenv.StartSandbox(t, sandbox.Config{Users: users, Observer: rec.observe})
	mr := miniredis.RunT(t)
	clock := jana.NewFakeClock()
	settings := map[string]string{"MCP_CACHE_REDIS_URL": "redis://" + mr.Addr() + "/0"}
	a := newClient(t, sb, settings, jana.WithClock(jana.Options{}, clock))
	b := newClient(t, sb, settings, jana.WithClock(jana.Options{}, clock))
	ctx := context.Background()

	first, _ := station(t, ctx, a, users[0].Token, 21)
	clock.Advance(3 * time.Second)
	second, age := station(t, ctx, b, users[0].Token, 21)
	if !bytes.Equal(first, second) || age != "3" {
		t.Errorf("replica b: Age %q, same body %v; want replica a's answer, 3 s old", age, bytes.Equal(first, second))
	}
	station(t, ctx, b, users[1].Token, 21) // another user: its own request
	got := rec.tokens(fmt.Sprintf(stationPath, 21))
	if len(got) != 2 || got[users[0].Token] != 1 || got[users[1].Token] != 1 {
		t.Errorf("backend requests by token: %v, want one per user across both replicas", got)
	}
	for _, k := range mr.Keys() {
		v, _ := mr.Get(k)
		for _, secret := range []string{users[0].Token, users[1].Token, "locations", "user:"} {
			if strings.Contains(k, secret) || strings.Contains(v, secret) {
				t.Errorf("Redis holds %q in %q", secret, k)
			}
		}
	}

	// Expiry: the store's TTL check (and Redis's own).
	checkExpiry(t, a, clock, rec, users[0].Token)
	mr.FastForward(6 * time.Minute)
	if len(mr.Keys()) != 0 {
		t.Errorf("Redis kept %d keys past their TTL", len(mr.Keys()))
	}

	// Redis failing, then gone: calls still succeed, from Jana.
	before := rec.count(fmt.Sprintf(stationPath, 22))
	mr.SetError("READONLY injected failure")
	for range 2 {
		station(t, ctx, a, users[0].Token, 22)
	}
	mr.SetError("")
	mr.Close()
	start := time.Now()
	for range 2 {
		station(t, ctx, b, users[0].Token, 22)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("two calls with Redis down took %v", d)
	}
	if n := rec.count(fmt.Sprintf(stationPath, 22)) - before; n != 4 {
		t.Errorf("with Redis failing the backend saw %d requests for 4 calls, want 4 (every lookup a miss)", n)
	}
}
