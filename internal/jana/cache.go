package jana

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/sync/singleflight"
)

// Entry is one cached backend answer.
type Entry struct {
	Status      int
	ContentType string
	Body        []byte
	Stored      time.Time
	TTL         time.Duration
	header      http.Header // full header, only on answers shared within one flight
}

// Store holds cache entries. Get returns only unexpired entries.
type Store interface {
	Get(ctx context.Context, key string) (*Entry, bool)
	Set(ctx context.Context, key string, e *Entry)
}

// CacheObserver receives cache hits and misses (metrics hook).
type CacheObserver interface {
	CacheLookup(endpoint string, hit bool)
}

// Cache is the response cache for backend GETs. Entries are keyed by the caller's identity
// and the exact request, so one user's answer never reaches another, unless the endpoint is
// declared public. Concurrent identical requests share one backend call.
type Cache struct {
	store    Store
	group    singleflight.Group
	public   []string
	observer CacheObserver
	now      func() time.Time
}

// NewCache returns a cache over store. Paths starting with one of public are shared by all
// callers.
func NewCache(store Store, public []string, observer CacheObserver) *Cache {
	if observer == nil {
		observer = nopCacheObserver{}
	}
	return &Cache{store: store, public: public, observer: observer, now: time.Now}
}

type nopCacheObserver struct{}

func (nopCacheObserver) CacheLookup(string, bool) {}

type fetchFunc func(ctx context.Context, caller *Caller, req *http.Request, endpoint string) (*http.Response, error)

// do answers req from the cache or through fetch, coalescing identical requests in flight.
func (c *Cache) do(ctx context.Context, caller *Caller, req *http.Request, endpoint string, fetch fetchFunc) (*http.Response, error) {
	ttl := TTLFor(req.URL.Path)
	if ttl == 0 {
		return fetch(ctx, caller, req, endpoint)
	}
	key := c.key(caller, req)
	if e, ok := c.store.Get(ctx, key); ok {
		age := c.now().Sub(e.Stored)
		c.observer.CacheLookup(endpoint, true)
		CallInfoFrom(ctx).hit(age)
		resp := e.response(req)
		resp.Header.Set("Age", strconv.Itoa(int(age.Seconds())))
		return resp, nil
	}
	c.observer.CacheLookup(endpoint, false)

	for {
		ch := c.group.DoChan(key, func() (any, error) {
			// The first caller leads the flight with its own context, so its cancellation
			// still reaches the backend; waiters whose leader left try again below.
			resp, err := fetch(ctx, caller, req, endpoint)
			if err != nil {
				return nil, err
			}
			body, _ := responseBytes(resp)
			e := &Entry{
				Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body,
				Stored: c.now(), TTL: ttl, header: resp.Header.Clone(),
			}
			if e.Status == http.StatusOK {
				c.store.Set(context.WithoutCancel(ctx), key, e)
			}
			return e, nil
		})
		select {
		case <-ctx.Done():
			return nil, deadlineError(ctx, ctx.Err(), ctx.Err())
		case res := <-ch:
			if res.Err != nil {
				if errors.Is(res.Err, context.Canceled) && ctx.Err() == nil {
					continue
				}
				return nil, res.Err
			}
			return res.Val.(*Entry).response(req), nil
		}
	}
}

func (c *Cache) key(caller *Caller, req *http.Request) string {
	who := "anonymous"
	if caller != nil {
		who = caller.Key()
	}
	for _, p := range c.public {
		if strings.HasPrefix(req.URL.Path, p) {
			who = "public"
			break
		}
	}
	return who + " " + req.Method + " " + req.URL.String()
}

func (e *Entry) response(req *http.Request) *http.Response {
	h := http.Header{}
	if e.header != nil {
		h = e.header.Clone()
	} else if e.ContentType != "" {
		h.Set("Content-Type", e.ContentType)
	}
	return &http.Response{
		Status:        strconv.Itoa(e.Status) + " " + http.StatusText(e.Status),
		StatusCode:    e.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          newBuffered(e.Body),
		ContentLength: int64(len(e.Body)),
		Request:       req,
	}
}

// TTLFor is how long answers from a backend path stay fresh: catalogues for hours, heavy
// aggregates and data for minutes, health for seconds; credentials and the schema never.
func TTLFor(path string) time.Duration {
	switch {
	case strings.HasPrefix(path, "/api/auth/"), strings.HasPrefix(path, "/api/schema/"):
		return 0
	case strings.HasSuffix(path, "/system-health/"):
		return 30 * time.Second
	case strings.HasSuffix(path, "/health/"):
		return 10 * time.Second
	case strings.HasSuffix(path, "/parameters/"), strings.HasSuffix(path, "/sectors/"), strings.HasSuffix(path, "/countries/"):
		return 6 * time.Hour
	case strings.HasSuffix(path, "totals/"), strings.HasSuffix(path, "/summary/"), strings.HasSuffix(path, "/statistics/"):
		return 15 * time.Minute
	}
	return 5 * time.Minute
}

// clock is the cache's time source. Production uses real time; tests of expiry and age set
// another through Options.clock.
type clock interface {
	Now() time.Time
}

// otterClock adapts a clock to the store's: entries expire on read, without the periodic
// clean-up (no ticks).
type otterClock struct{ clock }

func (c otterClock) NowNano() int64                      { return c.Now().UnixNano() }
func (c otterClock) Tick(time.Duration) <-chan time.Time { return nil }

// MemoryStore is an in-process Store bounded by bytes.
type MemoryStore struct {
	c        *otter.Cache[string, *Entry]
	maxBytes int64
}

// entryOverhead approximates the bytes an entry costs beyond its key and body.
const entryOverhead = 160

// NewMemoryStore returns a store holding at most about maxBytes of keys and bodies.
func NewMemoryStore(maxBytes int64) *MemoryStore { return newMemoryStore(maxBytes, nil) }

func newMemoryStore(maxBytes int64, now clock) *MemoryStore {
	var c otter.Clock // nil: real time
	if now != nil {
		c = otterClock{now}
	}
	return &MemoryStore{maxBytes: maxBytes, c: otter.Must(&otter.Options[string, *Entry]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(key string, e *Entry) uint32 {
			return uint32(min(weight(key, e), 1<<31))
		},
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, *Entry]) time.Duration {
			return e.Value.TTL
		}),
		Clock: c,
	})}
}

func weight(key string, e *Entry) int64 { return int64(len(key) + len(e.Body) + entryOverhead) }

// Get implements Store.
func (m *MemoryStore) Get(_ context.Context, key string) (*Entry, bool) { return m.c.GetIfPresent(key) }

// Set implements Store. The full header is dropped: stored entries replay Content-Type only.
// An entry heavier than the whole bound is not stored: the store would hold it, over its
// bound, until its next clean-up evicted it.
func (m *MemoryStore) Set(_ context.Context, key string, e *Entry) {
	if weight(key, e) > m.maxBytes {
		return
	}
	stored := *e
	stored.header = nil
	m.c.Set(key, &stored)
}

// WeightedSize reports the bytes held, after pending evictions.
func (m *MemoryStore) WeightedSize() uint64 {
	m.c.CleanUp()
	return m.c.WeightedSize()
}
