package server

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	"github.com/janaplatform/jana-mcp/internal/cluster"
)

// inflight counts running tool calls, to bound them (MCP_MAX_INFLIGHT, and each caller's
// share, MCP_MAX_INFLIGHT_PER_CALLER) and so that shutdown can let them finish.
type inflight struct {
	max, perCaller int // 0: unbounded
	// With shared state, each caller's share counts across replicas.
	shared   *cluster.Cluster
	registry *cluster.Registry
	ttl      time.Duration // a dead replica's calls stop counting after this

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

// ticket is an admitted call; leave gives it back.
type ticket struct {
	caller, member string // member of the shared set of the caller's calls, "" when none
}

// enter admits a call of caller unless draining has started, max calls are running, or the
// caller already runs its share (on every replica, with shared state); it returns the reason
// for a refusal, or "" and the ticket to leave with.
func (f *inflight) enter(caller string) (ticket, refusal) {
	t := ticket{caller: caller}
	f.mu.Lock()
	switch {
	case f.draining:
		f.mu.Unlock()
		return t, refusedDraining
	case f.max > 0 && f.n >= f.max:
		f.mu.Unlock()
		return t, refusedBusy
	case f.perCaller > 0 && f.byCaller[caller] >= f.perCaller:
		f.mu.Unlock()
		return t, refusedShareUsed
	}
	f.n++
	f.byCaller[caller]++
	f.mu.Unlock()
	if f.shared != nil && f.perCaller > 0 {
		t.member = rand.Text()
		ok, err := f.shared.Acquire(context.Background(), "inflight:"+caller, t.member, f.perCaller, f.ttl)
		switch {
		case err != nil:
			t.member = "" // Redis is down: this replica's count only
		case !ok:
			t.member = ""
			f.leave(t)
			return ticket{}, refusedShareUsed
		default:
			f.registry.Hold("inflight:"+caller, t.member)
		}
	}
	return t, ""
}

func (f *inflight) leave(t ticket) {
	if t.member != "" {
		f.registry.Unhold("inflight:"+t.caller, t.member)
		_ = f.shared.Release(context.Background(), "inflight:"+t.caller, t.member)
	}
	caller := t.caller
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
