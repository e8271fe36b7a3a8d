package bench

import (
	"context"
	"fmt"
	"io"
	"time"
)

// SuiteConfig is the standard set: what `make bench` runs.
type SuiteConfig struct {
	// Root is the repository root (api/openapi.yaml, test/node, go test packages).
	Root string
	// JanaMCP is the built jana-mcp binary; Self the harness binary (it serves the floor).
	JanaMCP, Self string
	// LogDir receives every subprocess's output and the profiles.
	LogDir string
	// Smoke shrinks every measurement to prove the harness works; its figures mean nothing.
	Smoke bool
	// RequireNode fails the run when the Node tooling is missing, instead of skipping the peer.
	RequireNode bool
	// Profile takes CPU profiles of the bridge (its profiling build, `jana-mcp-bench bridge`)
	// and the floor under load, and a heap profile of the bridge with idle sessions.
	Profile bool
	// Progress receives one line per step.
	Progress io.Writer
}

// Plan is the shape of the standard set: session counts, curve, rows, durations.
type Plan struct {
	Warmup, Duration time.Duration
	// Rounds per comparison, alternating floor and bridge (ABBA…) so drift hits both alike.
	Rounds      int
	Sessions    []int
	Curve       []int
	CurveWindow time.Duration
	Rows        []int
	PeerSess    []int
	IdleSteps   []int
	Cache       struct {
		Latency    time.Duration
		Repeat     time.Duration
		Concurrent int
	}
	ToolsListN int
	// ProfileWindow is the length of each CPU profile (whole seconds).
	ProfileWindow time.Duration
}

// StandardPlan is the full set; SmokePlan the seconds-long one.
func StandardPlan() Plan {
	p := Plan{Warmup: time.Second, Duration: 3 * time.Second, Rounds: 2,
		Sessions: []int{1, 32}, Curve: []int{1, 2, 4, 8, 16, 32, 64, 128, 256}, CurveWindow: 2 * time.Second,
		Rows: []int{10, 100, 1000}, PeerSess: []int{1, 32}, IdleSteps: []int{100, 1000, 10000}, ToolsListN: 3000,
		ProfileWindow: 5 * time.Second}
	p.Cache.Latency, p.Cache.Repeat, p.Cache.Concurrent = 200*time.Millisecond, 3*time.Second, 100
	return p
}

// SmokePlan is StandardPlan cut down to a few seconds in all.
func SmokePlan() Plan {
	p := Plan{Warmup: 100 * time.Millisecond, Duration: 250 * time.Millisecond, Rounds: 1,
		Sessions: []int{1, 4}, Curve: []int{1, 4}, CurveWindow: 300 * time.Millisecond,
		Rows: []int{10}, PeerSess: []int{2}, IdleSteps: []int{10, 20}, ToolsListN: 50, ProfileWindow: time.Second}
	p.Cache.Latency, p.Cache.Repeat, p.Cache.Concurrent = 50*time.Millisecond, 300*time.Millisecond, 10
	return p
}

// SuiteResult is everything the standard set measured.
type SuiteResult struct {
	Smoke    bool          `json:"smoke"`
	Started  time.Time     `json:"started"`
	Elapsed  time.Duration `json:"elapsed"`
	Machine  Machine       `json:"machine"`
	Versions Versions      `json:"versions"`
	Plan     Plan          `json:"plan"`

	Comparisons []Comparison `json:"comparisons"`
	// AfterLoad is each server's RSS and goroutines once the comparisons are done.
	AfterLoad map[string]Process `json:"after_load"`
	Curve     []CurvePoint       `json:"curve"`
	Rows      []RowsPoint        `json:"rows"`
	Peer      []PeerPoint        `json:"peer"`
	PeerRSSMB float64            `json:"peer_rss_mb"`
	// PeerSkipped says why there is no peer comparison.
	PeerSkipped string       `json:"peer_skipped,omitempty"`
	Idle        *IdleResult  `json:"idle"`
	Cache       *CacheResult `json:"cache"`
	// ToolsList is the server's own cost of tools/list; ToolsListClient the round trip with
	// the go-sdk client, which decodes and checks every schema.
	ToolsList       *GoBench `json:"tools_list"`
	ToolsListClient *GoBench `json:"tools_list_client"`
	// Collector is each server's collector setting.
	Collector Collector `json:"collector"`
	// IdleFloorGC is the idle measurement of the bridge with the floor's collector setting
	// (nil when the two ship with the same); FloorIdle that of the floor.
	IdleFloorGC *IdleResult `json:"idle_floor_gc,omitempty"`
	FloorIdle   *IdleResult `json:"floor_idle"`
	// Profiles are CPU breakdowns of the bridge against the floor under load; IdleHeap is
	// where a profiling bridge's memory goes with idle sessions open.
	Profiles []ProfileResult `json:"profiles,omitempty"`
	IdleHeap *HeapResult     `json:"idle_heap,omitempty"`
	// Failures are steps that could not be measured; the report says so.
	Failures []string `json:"failures,omitempty"`
}

type suite struct {
	cfg     SuiteConfig
	plan    Plan
	res     *SuiteResult
	token   string
	sandbox *Proc
	procs   []*Proc
}

// RunSuite runs the standard set. It returns what it measured even when a step failed (the
// failures are listed in the result); the error is for what stops the run altogether.
func RunSuite(ctx context.Context, cfg SuiteConfig) (*SuiteResult, error) {
	plan := StandardPlan()
	if cfg.Smoke {
		plan = SmokePlan()
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	s := &suite{cfg: cfg, plan: plan, res: &SuiteResult{Smoke: cfg.Smoke, Started: time.Now().UTC(), Plan: plan, AfterLoad: map[string]Process{}}}
	defer s.stopAll()

	if _, err := RaiseFileLimit(); err != nil {
		s.logf("open-file limit unchanged: %v", err)
	}
	s.res.Machine = DescribeMachine()
	s.res.Versions = DescribeVersions(ctx, cfg.Root, cfg.JanaMCP)
	node := Node{Root: cfg.Root}
	nodeErr := node.Available()
	if nodeErr == nil {
		s.res.Versions.Node = node.Version(ctx)
		s.res.Versions.TSSDK = node.PackageVersion("@modelcontextprotocol/sdk")
		s.res.Versions.Peer = node.PackageVersion("@ivotoby/openapi-mcp-server")
	} else if cfg.RequireNode {
		return nil, nodeErr
	}

	if err := s.startSandbox(ctx); err != nil {
		return nil, err
	}
	stateful, err := s.startBridge(ctx, "bridge-stateful")
	if err != nil {
		return nil, err
	}
	stateless, err := s.startBridge(ctx, "bridge-stateless", "MCP_STATELESS=true")
	if err != nil {
		return nil, err
	}
	floor, floorPprof, err := s.startFloor(ctx, "floor")
	if err != nil {
		return nil, err
	}
	if err := s.readCollector(ctx, stateful, stateless, floor); err != nil {
		return nil, err
	}

	s.step(ctx, "light call per transport", func() error { return s.comparisons(ctx, stateful, stateless, floor) })
	for name, p := range map[string]*Proc{"bridge-stateful": stateful, "bridge-stateless": stateless, "floor": floor} {
		if pr, err := Scrape(ctx, p.Base+"/metrics"); err == nil {
			s.res.AfterLoad[name] = pr
		}
	}
	s.step(ctx, "concurrency curve", func() error { return s.curve(ctx, stateful, floor) })
	s.step(ctx, "result size", func() error { return s.rows(ctx, stateful) })
	if nodeErr != nil {
		s.res.PeerSkipped = nodeErr.Error()
		s.logf("peer skipped: %v", nodeErr)
	} else {
		s.step(ctx, "peer", func() error { return s.peer(ctx, node, stateful, floor) })
	}
	// The load servers are done: stop them so that the others run alone.
	for _, p := range []*Proc{stateful, stateless} {
		s.stop(p)
	}
	if cfg.Profile {
		s.step(ctx, "CPU profiles", func() error { return s.profile(ctx, floor, floorPprof) })
	}
	s.stop(floor)
	s.step(ctx, "idle sessions", func() error { return s.idle(ctx, "bridge-idle", &s.res.Idle) })
	if gc := s.res.Collector; gc.OursGOGC != gc.FloorGOGC {
		s.step(ctx, fmt.Sprintf("idle sessions, GOGC=%d", gc.FloorGOGC), func() error {
			return s.idle(ctx, fmt.Sprintf("bridge-idle-gogc%d", gc.FloorGOGC), &s.res.IdleFloorGC, fmt.Sprintf("GOGC=%d", gc.FloorGOGC))
		})
	}
	s.step(ctx, "idle sessions, floor", func() error { return s.floorIdle(ctx) })
	if cfg.Profile {
		s.step(ctx, "heap profile of idle sessions", func() error { return s.idleHeap(ctx) })
	}
	s.step(ctx, "cache", func() error { return s.cache(ctx) })
	s.step(ctx, "tools/list in process", func() error { return s.toolsList(ctx) })
	s.res.Elapsed = time.Since(s.res.Started).Round(time.Second)
	return s.res, ctx.Err()
}

func (s *suite) logf(format string, args ...any) {
	fmt.Fprintf(s.cfg.Progress, "bench: "+format+"\n", args...)
}

// step runs one part of the set; a failure is recorded and the set goes on.
func (s *suite) step(ctx context.Context, name string, f func() error) {
	if ctx.Err() != nil {
		return
	}
	t0 := time.Now()
	s.logf("%s …", name)
	if err := f(); err != nil {
		s.res.Failures = append(s.res.Failures, name+": "+err.Error())
		s.logf("%s FAILED: %v", name, err)
		return
	}
	s.logf("%s done in %s", name, time.Since(t0).Round(100*time.Millisecond))
}
