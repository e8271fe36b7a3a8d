package server

import (
	"context"
	"net/http"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/janaplatform/jana-mcp/internal/cluster"
)

type limitKind string

// The first server's three limits: opening SSE streams, MCP messages, everything else; and
// tokens Jana rejected, per client IP.
const (
	limitGeneral  limitKind = "general"
	limitSSE      limitKind = "sse"
	limitMessages limitKind = "messages"
	limitRejected limitKind = "rejected_tokens"
)

// maxLimiterKeys bounds the memory of the limiters; the least recently seen key is dropped.
const maxLimiterKeys = 100_000

// rateLimits holds token buckets per limit and per key (a verified user, or the client IP):
// in Redis, shared by every replica (MCP_REDIS_URL), or, without it or while it is down, in
// this replica's memory.
type rateLimits struct {
	buckets map[limitKind]*keyedLimiter
	metrics *metrics
	shared  *cluster.Cluster // nil: per replica
}

type keyedLimiter struct {
	perMinute int
	keys      *lru.Cache[string, *rate.Limiter]
}

func newRateLimits(general, sse, messages int, m *metrics, shared *cluster.Cluster) *rateLimits {
	rl := &rateLimits{buckets: map[limitKind]*keyedLimiter{}, metrics: m, shared: shared}
	// Rejected tokens get the general allowance: a client may mistype its token, not cycle
	// through made-up ones (each of which would otherwise get a fresh bucket and a check
	// against Jana).
	for kind, n := range map[limitKind]int{limitGeneral: general, limitSSE: sse, limitMessages: messages, limitRejected: general} {
		if n > 0 {
			keys, _ := lru.New[string, *rate.Limiter](maxLimiterKeys)
			rl.buckets[kind] = &keyedLimiter{perMinute: n, keys: keys}
		}
	}
	return rl
}

// allow takes one request from key's bucket for kind, or returns a 429 with Retry-After.
func (rl *rateLimits) allow(_ echo.Context, kind limitKind, key string) *apiError {
	return rl.take(kind, key, true)
}

// check returns the 429 allow would, without taking anything from the bucket.
func (rl *rateLimits) check(kind limitKind, key string) *apiError {
	return rl.take(kind, key, false)
}

func (rl *rateLimits) take(kind limitKind, key string, consume bool) *apiError {
	kl := rl.buckets[kind]
	if kl == nil {
		return nil // limit disabled
	}
	if rl.shared != nil {
		wait, err := rl.shared.Allow(context.Background(), string(kind)+":"+key, kl.perMinute, consume)
		if err == nil {
			if wait > 0 {
				rl.metrics.rateLimited.WithLabelValues(string(kind)).Inc()
				return &apiError{code: codeRateLimited, retryAfter: wait}
			}
			return nil
		}
		// Redis is down: this replica's own bucket until it is back.
	}
	lim, ok := kl.keys.Get(key)
	if !ok {
		// A full minute's allowance as burst, refilled evenly: n per minute on average.
		fresh := rate.NewLimiter(rate.Limit(float64(kl.perMinute)/60), kl.perMinute)
		if prev, found, _ := kl.keys.PeekOrAdd(key, fresh); found {
			lim = prev
		} else {
			lim = fresh
		}
	}
	var wait time.Duration
	if consume {
		r := lim.Reserve()
		if wait = r.Delay(); wait > 0 {
			r.Cancel()
		}
	} else if tokens := lim.Tokens(); tokens < 1 {
		// (A reservation cancelled at once is not given back: peek instead.)
		wait = time.Duration((1 - tokens) / float64(lim.Limit()) * float64(time.Second))
	}
	if wait > 0 {
		rl.metrics.rateLimited.WithLabelValues(string(kind)).Inc()
		return &apiError{code: codeRateLimited, retryAfter: max(wait, time.Second)}
	}
	return nil
}

// rateLimit applies the limit that fits the route, to the caller authenticate established
// (limitKey). A flood of requests with bad tokens does not reach it: each token Jana rejects
// is charged to the client address first (checkCaller), and once that allowance is spent no
// new token is checked.
func (s *Server) rateLimit(c echo.Context) error {
	r := c.Request()
	kind := limitGeneral
	switch {
	case r.Method == http.MethodGet && c.Path() == "/sse":
		kind = limitSSE
	case r.Method == http.MethodPost && c.Path() == "/messages":
		return nil // limited per session owner in handleMessages
	case r.Method == http.MethodPost && c.Path() == "/mcp":
		kind = limitMessages
	}
	if !s.limits.enabled(kind) {
		return nil
	}
	if err := s.limits.allow(c, kind, limitKey(c)); err != nil {
		return err
	}
	return nil
}

// enabled reports whether kind has a limit (0 disables it).
func (rl *rateLimits) enabled(kind limitKind) bool { return rl.buckets[kind] != nil }
