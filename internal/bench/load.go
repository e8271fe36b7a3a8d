package bench

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// LoadConfig is one load measurement: Sessions concurrent MCP sessions, each calling tools
// from Mix back to back.
type LoadConfig struct {
	Target   Target
	Sessions int
	Warmup   time.Duration
	Duration time.Duration
	Mix      Mix
	// Client is the connection pool; a new one sized for the sessions when nil.
	Client *Client
	// CallTimeout bounds one call (default 30 s).
	CallTimeout time.Duration
}

// LoadResult is the outcome of Load.
type LoadResult struct {
	URL       string    `json:"url"`
	Transport Transport `json:"transport"`
	Sessions  int       `json:"sessions"`
	Summary
	// WireBytes is the response bytes the client read per call (HTTP bodies, SSE framing
	// included); TextBytes the length of the result's text content.
	WireBytes      float64 `json:"wire_bytes_per_call"`
	TextBytes      float64 `json:"text_bytes_per_call"`
	ConnectSeconds float64 `json:"connect_s"`
	// TotalCalls counts every call made, warm-up included (for CPU per call).
	TotalCalls int64 `json:"total_calls"`
	// Run holds every measured call, for merging rounds.
	Run Run `json:"-"`
}

// newRand returns a deterministic source: a mix draws the same sequence in every run.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 42)) }

// Load opens the sessions, warms up, measures and closes the sessions.
func Load(ctx context.Context, cfg LoadConfig) (*LoadResult, error) {
	if cfg.Sessions < 1 {
		return nil, errors.New("at least one session is needed")
	}
	if len(cfg.Mix) == 0 {
		return nil, errors.New("no tool to call")
	}
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = 30 * time.Second
	}
	client := cfg.Client
	if client == nil {
		client = NewClient(max(64, 2*cfg.Sessions))
		defer client.Close()
	}
	t0 := time.Now()
	sessions, err := client.ConnectMany(ctx, cfg.Target, cfg.Sessions, 32)
	if err != nil {
		return nil, err
	}
	defer CloseAll(sessions)
	connect := time.Since(t0)

	rngs := make([]*rand.Rand, len(sessions))
	for i := range rngs {
		rngs[i] = newRand(uint64(i))
	}
	var calls, text atomic.Int64
	before := client.Received()
	run := Drive(ctx, len(sessions), cfg.Warmup, cfg.Duration, func(ctx context.Context, w int) error {
		cctx, cancel := context.WithTimeout(ctx, cfg.CallTimeout)
		defer cancel()
		n, err := cfg.Mix.pick(rngs[w]).Invoke(cctx, sessions[w])
		calls.Add(1)
		text.Add(int64(n))
		return err
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &LoadResult{
		URL: cfg.Target.URL, Transport: cfg.Target.Transport, Sessions: cfg.Sessions,
		Summary: run.Summary(), ConnectSeconds: round3(connect.Seconds()), Run: run,
	}
	res.TotalCalls = calls.Load()
	if n := calls.Load(); n > 0 {
		res.WireBytes = round3(float64(client.Received()-before) / float64(n))
		res.TextBytes = round3(float64(text.Load()) / float64(n))
	}
	return res, nil
}
