package jana

import (
	"context"
	"sync"
	"time"
)

// CallInfo accumulates what the backend calls of one tool call did: how many attempts, the
// last status, time spent, and the age of the oldest cached answer used. Tools report it in
// their results and the server logs it.
type CallInfo struct {
	mu       sync.Mutex
	attempts int
	status   int
	elapsed  time.Duration
	cacheAge time.Duration
	cached   bool
}

type callInfoKey struct{}

// WithCallInfo returns a context whose backend calls record into the returned CallInfo.
func WithCallInfo(ctx context.Context) (context.Context, *CallInfo) {
	ci := &CallInfo{}
	return context.WithValue(ctx, callInfoKey{}, ci), ci
}

// CallInfoFrom returns the context's CallInfo, or nil (which ignores records).
func CallInfoFrom(ctx context.Context) *CallInfo {
	ci, _ := ctx.Value(callInfoKey{}).(*CallInfo)
	return ci
}

func (ci *CallInfo) add(status int, elapsed time.Duration) {
	if ci == nil {
		return
	}
	ci.mu.Lock()
	ci.attempts++
	ci.status = status
	ci.elapsed += elapsed
	ci.mu.Unlock()
}

func (ci *CallInfo) hit(age time.Duration) {
	if ci == nil {
		return
	}
	ci.mu.Lock()
	ci.cached = true
	ci.status = 200
	ci.cacheAge = max(ci.cacheAge, age)
	ci.mu.Unlock()
}

// CallSummary is a snapshot of a CallInfo.
type CallSummary struct {
	Attempts   int           // HTTP attempts made (retries included, cache hits excluded)
	LastStatus int           // status of the last answer, 0 if none arrived
	Elapsed    time.Duration // time spent waiting for Jana
	Cached     bool          // at least one answer came from the cache
	CacheAge   time.Duration // age of the oldest cached answer used
}

// Summary returns what was recorded so far.
func (ci *CallInfo) Summary() CallSummary {
	if ci == nil {
		return CallSummary{}
	}
	ci.mu.Lock()
	defer ci.mu.Unlock()
	return CallSummary{Attempts: ci.attempts, LastStatus: ci.status, Elapsed: ci.elapsed, Cached: ci.cached, CacheAge: ci.cacheAge}
}
