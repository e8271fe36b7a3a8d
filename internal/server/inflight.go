package server

import (
	"context"
	"sync"
)

// inflight counts running tool calls, to bound them (MCP_MAX_INFLIGHT) and so that shutdown
// can let them finish.
type inflight struct {
	max int // 0: unbounded

	mu       sync.Mutex
	n        int
	draining bool
	idle     chan struct{} // closed when draining and n reaches 0
}

func newInflight(max int) *inflight { return &inflight{max: max, idle: make(chan struct{})} }

// refusal says why a call was not admitted.
type refusal string

const (
	refusedDraining refusal = "draining"
	refusedBusy     refusal = "busy"
)

// enter admits a call unless draining has started or max calls are running; it returns the
// reason for a refusal, or "".
func (f *inflight) enter() refusal {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.draining:
		return refusedDraining
	case f.max > 0 && f.n >= f.max:
		return refusedBusy
	}
	f.n++
	return ""
}

func (f *inflight) leave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
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
