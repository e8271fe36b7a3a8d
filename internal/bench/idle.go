package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// IdleConfig is an idle-session measurement: sessions are opened in steps, alternating
// legacy SSE and stateful Streamable HTTP, and left idle; at each step the server's RSS and
// goroutines are read from its /metrics. At the end every session must still answer Call.
type IdleConfig struct {
	// SSE and MCP are the endpoints (…/sse and …/mcp); Metrics the server's /metrics.
	SSE, MCP, Metrics string
	Token             string
	// Steps are cumulative session counts, ascending (e.g. 100, 1000, 10000).
	Steps []int
	Call  Call
	// Settle is the pause before each reading (default 2 s), so that connection set-up
	// garbage is not counted as per-session memory.
	Settle time.Duration
	// Parallel is how many sessions open (and answer) at a time (default 64).
	Parallel int
	// Inspect, if set, runs with every session open and idle, after the last reading (to take
	// profiles).
	Inspect func(ctx context.Context) error
}

// IdleStep is the server's state with Sessions idle sessions open.
type IdleStep struct {
	Sessions   int     `json:"sessions"`
	SSE        int     `json:"sse"`
	Streamable int     `json:"streamable"`
	Process    Process `json:"process"`
	// Growth over the baseline, in total and per session.
	RSSGrowthMB          float64 `json:"rss_growth_mb"`
	RSSPerSessionKB      float64 `json:"rss_per_session_kb"`
	HeapPerSessionKB     float64 `json:"heap_per_session_kb"`
	StackPerSessionKB    float64 `json:"stack_per_session_kb"`
	GoroutinesPerSession float64 `json:"goroutines_per_session"`
	OpenSeconds          float64 `json:"open_s"`
}

// IdleResult is the outcome of Idle.
type IdleResult struct {
	Baseline Process    `json:"baseline"`
	Steps    []IdleStep `json:"steps"`
	// Answered sessions returned the call without error; Failed did not.
	Answered   int     `json:"answered"`
	Failed     int     `json:"failed"`
	FirstError string  `json:"first_error,omitempty"`
	Calls      Summary `json:"calls"`
}

// Idle runs the measurement.
func Idle(ctx context.Context, cfg IdleConfig) (*IdleResult, error) {
	if len(cfg.Steps) == 0 {
		return nil, errors.New("no session counts")
	}
	for i := 1; i < len(cfg.Steps); i++ {
		if cfg.Steps[i] <= cfg.Steps[i-1] {
			return nil, errors.New("session counts must ascend")
		}
	}
	if cfg.Settle == 0 {
		cfg.Settle = 2 * time.Second
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = 64
	}
	client := NewClient(1024)
	defer client.Close()
	sse := Target{URL: cfg.SSE, Transport: SSE, Token: cfg.Token}
	streamable := Target{URL: cfg.MCP, Transport: Streamable, Token: cfg.Token}

	// A first session and call on each transport set up what every later session shares
	// (pools, caches, the token check), so that it is not counted per session.
	for _, t := range []Target{sse, streamable} {
		cs, err := client.Connect(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("warm-up session over %s: %w", t.Transport, err)
		}
		_, err = cfg.Call.Invoke(ctx, cs)
		_ = cs.Close()
		if err != nil {
			return nil, fmt.Errorf("warm-up call over %s: %w", t.Transport, err)
		}
	}
	if err := sleep(ctx, cfg.Settle); err != nil {
		return nil, err
	}
	base, err := Scrape(ctx, cfg.Metrics)
	if err != nil {
		return nil, err
	}
	res := &IdleResult{Baseline: base}

	var open []*mcp.ClientSession
	defer func() { CloseAll(open) }()
	nSSE, nMCP := 0, 0
	for _, total := range cfg.Steps {
		addSSE := (total+1)/2 - nSSE
		addMCP := total/2 - nMCP
		t0 := time.Now()
		for _, add := range []struct {
			t Target
			n int
		}{{sse, addSSE}, {streamable, addMCP}} {
			if add.n == 0 {
				continue
			}
			sessions, err := client.ConnectMany(ctx, add.t, add.n, cfg.Parallel)
			if err != nil {
				return nil, fmt.Errorf("opening %d %s sessions (with %d open): %w", add.n, add.t.Transport, len(open), err)
			}
			open = append(open, sessions...)
		}
		nSSE, nMCP = nSSE+addSSE, nMCP+addMCP
		opened := time.Since(t0)
		if err := sleep(ctx, cfg.Settle); err != nil {
			return nil, err
		}
		p, err := Scrape(ctx, cfg.Metrics)
		if err != nil {
			return nil, err
		}
		growth := p.RSS - base.RSS
		res.Steps = append(res.Steps, IdleStep{
			Sessions: total, SSE: nSSE, Streamable: nMCP, Process: p,
			RSSGrowthMB:          round3(growth / (1 << 20)),
			RSSPerSessionKB:      round3(growth / 1024 / float64(total)),
			HeapPerSessionKB:     round3((p.HeapInuse - base.HeapInuse) / 1024 / float64(total)),
			StackPerSessionKB:    round3((p.StackInuse - base.StackInuse) / 1024 / float64(total)),
			GoroutinesPerSession: round3((p.Goroutines - base.Goroutines) / float64(total)),
			OpenSeconds:          round3(opened.Seconds()),
		})
	}

	if cfg.Inspect != nil {
		if err := cfg.Inspect(ctx); err != nil {
			return res, fmt.Errorf("inspecting the server: %w", err)
		}
	}

	// Every session, idle until now, must still answer.
	var answered, failed atomic.Int64
	var firstErr sync.Once
	lanes := make([]lane, cfg.Parallel)
	next := atomic.Int64{}
	t0 := time.Now()
	var wg sync.WaitGroup
	for w := range cfg.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(open) {
					return
				}
				cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				start := time.Now()
				_, err := cfg.Call.Invoke(cctx, open[i])
				cancel()
				lanes[w].add(time.Since(start), err)
				if err != nil {
					failed.Add(1)
					firstErr.Do(func() { res.FirstError = err.Error() })
				} else {
					answered.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	run := Run{Window: time.Since(t0)}
	for _, l := range lanes {
		run.Merge(Run{Durations: l.durations, Errors: l.errors, FirstErr: l.firstErr})
	}
	res.Answered, res.Failed = int(answered.Load()), int(failed.Load())
	res.Calls = run.Summary()
	return res, ctx.Err()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
