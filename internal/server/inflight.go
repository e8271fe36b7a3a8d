package server

import (
	"context"
	"sync"
)

// inflight counts running tool calls, to bound them (MCP_MAX_INFLIGHT, and each caller's
// share, MCP_MAX_INFLIGHT_PER_CALLER) and so that shutdown can let them finish.
type inflight struct {
	max, perCaller int // 0: unbounded

	mu       sync.Mutex
	n        int
	byCaller map[string]int
	draining bool
	idle     chan struct{} // closed when draining and n reaches 0
}

func newInflight(max, perCaller int) *inflight {
	return &inflight{max: max, perCaller: perCaller, byCaller: map[string]int{}, idle: make(chan struct{})}
}

// refusal says why a call was not admitted.
type refusal string

const (
	refusedDraining  refusal = "draining"
	refusedBusy      refusal = "busy"
	refusedShareUsed refusal = "caller_share"
)

// enter admits a call of caller unless draining has started, max calls are running, or the
// caller already runs its share; it returns the reason for a refusal, or "". An admitted call
// must leave with the same caller.
func (f *inflight) enter(caller string) refusal {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.draining:
		return refusedDraining
	case f.max > 0 && f.n >= f.max:
		return refusedBusy
	case f.perCaller > 0 && f.byCaller[caller] >= f.perCaller:
		return refusedShareUsed
	}
	f.n++
	f.byCaller[caller]++
	return ""
}

func (f *inflight) leave(caller string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.byCaller[caller]--; f.byCaller[caller] <= 0 {
		delete(f.byCaller, caller)
	}
	if f.draining && f.n == 0 {
		close(f.idle)
	}
}

// drain refuses new calls and waits for running ones, or for ctx to end. It reports how many
// calls were still running when it returned.
func (f *inflight) drain(ctx context.Context) int {
	f.mu.Lock()
	if !f.draining {
		f.draining = true
		if f.n == 0 {
			close(f.idle)
		}
	}
	f.mu.Unlock()
	select {
	case <-f.idle:
	case <-ctx.Done():
	}
	return f.running()
}

func (f *inflight) running() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func (f *inflight) isDraining() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.draining
}
