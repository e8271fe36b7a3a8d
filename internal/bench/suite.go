package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
	// GOGC is the garbage-collector setting of the what-if comparison (bridge and floor both
	// run with it, stateful /mcp at the top session count).
	GOGC string
}

// StandardPlan is the full set; SmokePlan the seconds-long one.
func StandardPlan() Plan {
	p := Plan{Warmup: time.Second, Duration: 3 * time.Second, Rounds: 2,
		Sessions: []int{1, 32}, Curve: []int{1, 2, 4, 8, 16, 32, 64, 128, 256}, CurveWindow: 2 * time.Second,
		Rows: []int{10, 100, 1000}, PeerSess: []int{1, 32}, IdleSteps: []int{100, 1000, 10000}, ToolsListN: 3000,
		ProfileWindow: 5 * time.Second, GOGC: "400"}
	p.Cache.Latency, p.Cache.Repeat, p.Cache.Concurrent = 200*time.Millisecond, 3*time.Second, 100
	return p
}

// SmokePlan is StandardPlan cut down to a few seconds in all.
func SmokePlan() Plan {
	p := Plan{Warmup: 200 * time.Millisecond, Duration: 500 * time.Millisecond, Rounds: 1,
		Sessions: []int{1, 4}, Curve: []int{1, 4}, CurveWindow: 300 * time.Millisecond,
		Rows: []int{10}, PeerSess: []int{2}, IdleSteps: []int{10, 20}, ToolsListN: 50, ProfileWindow: time.Second, GOGC: "400"}
	p.Cache.Latency, p.Cache.Repeat, p.Cache.Concurrent = 50*time.Millisecond, 300*time.Millisecond, 10
	return p
}

// Comparison is the light call on one transport at one session count: the floor, the
// bridge, and the direct call.
type Comparison struct {
	Transport Transport `json:"transport"`
	Sessions  int       `json:"sessions"`
	Floor     Summary   `json:"floor"`
	Ours      Summary   `json:"ours"`
	Direct    Summary   `json:"direct"`
	// CPU is the server process's CPU time per call, in microseconds.
	FloorCPU float64 `json:"floor_cpu_us"`
	OursCPU  float64 `json:"ours_cpu_us"`
}

// CurvePoint is one concurrency level on stateful /mcp.
type CurvePoint struct {
	Sessions int     `json:"sessions"`
	Floor    Summary `json:"floor"`
	Ours     Summary `json:"ours"`
	FloorCPU float64 `json:"floor_cpu_us"`
	OursCPU  float64 `json:"ours_cpu_us"`
}

// RowsPoint is one result size: the bridge at the default MCP_MAX_RESULT_BYTES, the bridge
// with it raised so that every row is delivered, and the direct call.
type RowsPoint struct {
	Rows          int         `json:"rows"`
	Ours          *LoadResult `json:"ours"`
	OursUnbounded *LoadResult `json:"ours_unbounded"`
	Direct        *DirectResult
}

// PeerPoint is one session count driven by the TypeScript SDK client.
type PeerPoint struct {
	Sessions int      `json:"sessions"`
	Peer     PeerSide `json:"peer"`
	Ours     PeerSide `json:"ours"`
	Floor    PeerSide `json:"floor"`
}

// PeerSide is one server driven by the TypeScript client, with the CPU time per call (µs)
// of the server and of the client.
type PeerSide struct {
	Summary
	ServerCPU float64 `json:"server_cpu_us"`
	ClientCPU float64 `json:"client_cpu_us"`
}

// GoBench is one `go test -bench` line.
type GoBench struct {
	Name    string             `json:"name"`
	N       int                `json:"n"`
	Metrics map[string]float64 `json:"metrics"`
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
	// GCWhatIf is the light call with GOGC=Plan.GOGC in both the bridge and the floor.
	GCWhatIf *Comparison `json:"gc_what_if,omitempty"`
	// FloorIdle is the idle measurement of the floor, for comparison.
	FloorIdle *IdleResult `json:"floor_idle"`
	// Profiles are CPU breakdowns of the bridge against the floor under load; IdleHeap is
	// where a profiling bridge's memory goes with idle sessions open.
	Profiles []ProfileResult `json:"profiles,omitempty"`
	IdleHeap *HeapResult     `json:"idle_heap,omitempty"`
	// Failures are steps that could not be measured; the report says so.
	Failures []string `json:"failures,omitempty"`
}

// Env of every bridge instance: limits open, cache off, quiet logs. LOG_LEVEL=warn is the
// documented production setting that keeps per-request access logs and per-call logs (both
// at info) off; anything at warn and above still goes to the log file.
func bridgeEnv(backend string, port int, extra ...string) []string {
	return append([]string{
		"JANA_BACKEND_URL=" + backend,
		"MCP_SERVER_HOST=127.0.0.1",
		"MCP_SERVER_PORT=" + strconv.Itoa(port),
		"MCP_CACHE_ENABLED=false",
		"MCP_RATE_LIMIT=0", "MCP_RATE_LIMIT_SSE=0", "MCP_RATE_LIMIT_MESSAGES=0",
		"MCP_MAX_SESSIONS=20000", "MCP_MAX_SESSIONS_PER_TOKEN=20000",
		"LOG_LEVEL=warn",
	}, extra...)
}

// BridgeSettings lists the settings every bridge instance runs with, for the report.
var BridgeSettings = "MCP_CACHE_ENABLED=false MCP_RATE_LIMIT=0 MCP_RATE_LIMIT_SSE=0 MCP_RATE_LIMIT_MESSAGES=0 " +
	"MCP_MAX_SESSIONS=20000 MCP_MAX_SESSIONS_PER_TOKEN=20000 LOG_LEVEL=warn"

// ProfileResult is a CPU breakdown of the light call on one transport.
type ProfileResult struct {
	Transport   Transport      `json:"transport"`
	Sessions    int            `json:"sessions"`
	Seconds     float64        `json:"seconds"`
	BridgeCalls int            `json:"bridge_calls"`
	FloorCalls  int            `json:"floor_calls"`
	Rows        []BreakdownRow `json:"rows"`
	// BridgeTop is pprof's flat top of the bridge profile.
	BridgeTop string `json:"bridge_top"`
}

// HeapResult is where the bridge's memory goes with Sessions idle sessions open.
type HeapResult struct {
	Sessions   int         `json:"sessions"`
	Idle       *IdleResult `json:"idle"`
	Top        string      `json:"top"`
	Goroutines []GoroutineGroup
}

type suite struct {
	cfg        SuiteConfig
	plan       Plan
	res        *SuiteResult
	token      string
	sandbox    *Proc
	floorPprof string
	procs      []*Proc
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
	floor, err := s.startFloor(ctx, "floor")
	if err != nil {
		return nil, err
	}

	s.step(ctx, "light call per transport", func() error { return s.comparisons(ctx, stateful, stateless, floor) })
	for name, p := range map[string]*Proc{"bridge-stateful": stateful, "bridge-stateless": stateless, "floor": floor} {
		if pr, err := Scrape(ctx, p.Base+"/metrics"); err == nil {
			s.res.AfterLoad[name] = pr
		}
	}
	s.step(ctx, "GC what-if (GOGC="+plan.GOGC+")", func() error { return s.gcWhatIf(ctx) })
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
		s.step(ctx, "CPU profiles", func() error { return s.profile(ctx, floor) })
	}
	s.stop(floor)
	s.step(ctx, "idle sessions", func() error { return s.idle(ctx) })
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

func (s *suite) start(ctx context.Context, spec ProcSpec) (*Proc, error) {
	if spec.LogDir == "" {
		spec.LogDir = s.cfg.LogDir
	}
	p, err := Start(ctx, spec)
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	return p, nil
}

func (s *suite) stop(p *Proc) {
	if err := p.Stop(); err != nil {
		s.logf("stopping %s: %v", p.Name, err)
	}
}

func (s *suite) stopAll() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.stop(s.procs[i])
	}
}

func (s *suite) startSandbox(ctx context.Context) error {
	out, err := execOutput(ctx, s.cfg.Root, s.cfg.JanaMCP, "sandbox", "--print-token")
	if err != nil {
		return fmt.Errorf("sandbox token: %w", err)
	}
	lines := strings.Fields(out)
	if len(lines) == 0 {
		return errors.New("sandbox --print-token printed nothing")
	}
	s.token = lines[len(lines)-1]
	port, err := FreePort()
	if err != nil {
		return err
	}
	s.sandbox, err = s.start(ctx, ProcSpec{Name: "sandbox", Path: s.cfg.JanaMCP, Port: port, Ready: "/__sandbox/stats",
		Args: []string{"sandbox", "--addr", "127.0.0.1:" + strconv.Itoa(port), "--log-level", "warn"}})
	return err
}

func (s *suite) startBridge(ctx context.Context, name string, extra ...string) (*Proc, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	return s.start(ctx, ProcSpec{Name: name, Path: s.cfg.JanaMCP, Args: []string{"serve"}, Port: port, Ready: "/health",
		Env: bridgeEnv(s.sandbox.Base, port, extra...)})
}

func (s *suite) startFloor(ctx context.Context, name string) (*Proc, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	pport, err := FreePort()
	if err != nil {
		return nil, err
	}
	s.floorPprof = "http://127.0.0.1:" + strconv.Itoa(pport)
	return s.start(ctx, ProcSpec{Name: name, Path: s.cfg.Self, Port: port, Ready: "/health",
		Args: []string{"floor", "--listen", "127.0.0.1:" + strconv.Itoa(port), "--url", s.sandbox.Base + LightPath, "--token", s.token,
			"--pprof", "127.0.0.1:" + strconv.Itoa(pport)}})
}

// startProfilingBridge starts `jana-mcp-bench bridge`: the bridge with bridgeEnv and pprof.
func (s *suite) startProfilingBridge(ctx context.Context) (*Proc, string, error) {
	port, err := FreePort()
	if err != nil {
		return nil, "", err
	}
	pport, err := FreePort()
	if err != nil {
		return nil, "", err
	}
	p, err := s.start(ctx, ProcSpec{Name: "bridge-pprof", Path: s.cfg.Self, Port: port, Ready: "/health",
		Args: []string{"bridge", "--pprof", "127.0.0.1:" + strconv.Itoa(pport)}, Env: bridgeEnv(s.sandbox.Base, port)})
	return p, "http://127.0.0.1:" + strconv.Itoa(pport), err
}

func (s *suite) oursCall() Mix {
	return Mix{{Tool: LightTool, Args: json.RawMessage(LightArgs), Weight: 1}}
}

func floorMix() Mix { return Mix{{Tool: FloorTool, Weight: 1}} }

// measured is a load with the server's CPU time over it.
type measured struct {
	run   Run
	calls int64
	cpu   time.Duration
}

func (m *measured) add(res *LoadResult, cpu time.Duration) {
	m.run.Merge(res.Run)
	m.calls += res.TotalCalls
	m.cpu += cpu
}

// cpuPerCall is the server's CPU time per call in µs (0 when unknown).
func (m measured) cpuPerCall() float64 {
	if m.calls == 0 || m.cpu <= 0 {
		return 0
	}
	return round3(float64(m.cpu.Microseconds()) / float64(m.calls))
}

// load runs one Load and reads the CPU time the server at pid spent meanwhile.
func (s *suite) load(ctx context.Context, cfg LoadConfig, pid int) (*LoadResult, time.Duration, error) {
	before, cerr := ProcCPU(pid)
	res, err := Load(ctx, cfg)
	if err != nil {
		return nil, 0, fmt.Errorf("%s ×%d: %w", cfg.Target.URL, cfg.Sessions, err)
	}
	after, cerr2 := ProcCPU(pid)
	if cerr != nil || cerr2 != nil {
		return res, 0, nil
	}
	return res, after - before, nil
}

// abba measures two loads in alternating rounds (a b b a a b …) and merges each side's calls.
func (s *suite) abba(ctx context.Context, a, b LoadConfig, pidA, pidB int) (measured, measured, error) {
	var ma, mb measured
	for r := range s.plan.Rounds {
		type side struct {
			cfg *LoadConfig
			pid int
			m   *measured
		}
		order := []side{{&a, pidA, &ma}, {&b, pidB, &mb}}
		if r%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, sd := range order {
			res, cpu, err := s.load(ctx, *sd.cfg, sd.pid)
			if err != nil {
				return ma, mb, err
			}
			sd.m.add(res, cpu)
		}
	}
	return ma, mb, nil
}

func (s *suite) comparisons(ctx context.Context, stateful, stateless, floor *Proc) error {
	direct := map[int]Summary{}
	for _, n := range s.plan.Sessions {
		d, err := Direct(ctx, DirectConfig{Backend: s.sandbox.Base, Token: s.token, Workers: n,
			Warmup: s.plan.Warmup, Duration: s.plan.Duration, Query: QueryPollutants})
		if err != nil {
			return fmt.Errorf("direct ×%d: %w", n, err)
		}
		direct[n] = d.Summary
		s.logf("  direct ×%d: p50 %.3f ms, %.0f/s", n, d.P50, d.PerSecond)
	}
	targets := []struct {
		t           Transport
		ours, floor string
		oursPid     int
	}{
		{SSE, stateful.Base + "/sse", floor.Base + FloorSSEPath, stateful.Pid()},
		{Streamable, stateful.Base + "/mcp", floor.Base + FloorMCPPath, stateful.Pid()},
		{Stateless, stateless.Base + "/mcp", floor.Base + FloorStatelessPath, stateless.Pid()},
	}
	for _, n := range s.plan.Sessions {
		for _, tg := range targets {
			fl := LoadConfig{Target: Target{URL: tg.floor, Transport: tg.t}, Sessions: n, Warmup: s.plan.Warmup, Duration: s.plan.Duration, Mix: floorMix()}
			ours := LoadConfig{Target: Target{URL: tg.ours, Transport: tg.t, Token: s.token}, Sessions: n, Warmup: s.plan.Warmup, Duration: s.plan.Duration, Mix: s.oursCall()}
			mf, mo, err := s.abba(ctx, fl, ours, floor.Pid(), tg.oursPid)
			if err != nil {
				return err
			}
			f, o := mf.run.Summary(), mo.run.Summary()
			s.res.Comparisons = append(s.res.Comparisons, Comparison{Transport: tg.t, Sessions: n, Floor: f, Ours: o, Direct: direct[n],
				FloorCPU: mf.cpuPerCall(), OursCPU: mo.cpuPerCall()})
			s.logf("  %s ×%d: floor p50 %.3f ms %.0f/s %.0f µs CPU, ours p50 %.3f ms %.0f/s %.0f µs CPU (%d errors)",
				tg.t, n, f.P50, f.PerSecond, mf.cpuPerCall(), o.P50, o.PerSecond, mo.cpuPerCall(), o.Errors)
		}
	}
	return nil
}

// gcWhatIf runs the light call on stateful /mcp at the top session count against a bridge and
// a floor that both run with GOGC=Plan.GOGC: how much of the gap is garbage collection.
func (s *suite) gcWhatIf(ctx context.Context) error {
	gogc := "GOGC=" + s.plan.GOGC
	bport, err := FreePort()
	if err != nil {
		return err
	}
	bridge, err := s.start(ctx, ProcSpec{Name: "bridge-gogc", Path: s.cfg.JanaMCP, Args: []string{"serve"}, Port: bport, Ready: "/health",
		Env: bridgeEnv(s.sandbox.Base, bport, gogc)})
	if err != nil {
		return err
	}
	defer s.stop(bridge)
	fport, err := FreePort()
	if err != nil {
		return err
	}
	floor, err := s.start(ctx, ProcSpec{Name: "floor-gogc", Path: s.cfg.Self, Port: fport, Ready: "/health", Env: []string{gogc},
		Args: []string{"floor", "--listen", "127.0.0.1:" + strconv.Itoa(fport), "--url", s.sandbox.Base + LightPath, "--token", s.token}})
	if err != nil {
		return err
	}
	defer s.stop(floor)
	n := s.plan.Sessions[len(s.plan.Sessions)-1]
	fl := LoadConfig{Target: Target{URL: floor.Base + FloorMCPPath, Transport: Streamable}, Sessions: n, Warmup: s.plan.Warmup, Duration: s.plan.Duration, Mix: floorMix()}
	ours := LoadConfig{Target: Target{URL: bridge.Base + "/mcp", Transport: Streamable, Token: s.token}, Sessions: n, Warmup: s.plan.Warmup, Duration: s.plan.Duration, Mix: s.oursCall()}
	mf, mo, err := s.abba(ctx, fl, ours, floor.Pid(), bridge.Pid())
	if err != nil {
		return err
	}
	c := Comparison{Transport: Streamable, Sessions: n, Floor: mf.run.Summary(), Ours: mo.run.Summary(), FloorCPU: mf.cpuPerCall(), OursCPU: mo.cpuPerCall()}
	s.res.GCWhatIf = &c
	s.logf("  %s ×%d: floor p50 %.3f ms %.0f/s %.0f µs CPU, ours p50 %.3f ms %.0f/s %.0f µs CPU", gogc, n,
		c.Floor.P50, c.Floor.PerSecond, c.FloorCPU, c.Ours.P50, c.Ours.PerSecond, c.OursCPU)
	return nil
}

func (s *suite) curve(ctx context.Context, stateful, floor *Proc) error {
	for _, n := range s.plan.Curve {
		fl := LoadConfig{Target: Target{URL: floor.Base + FloorMCPPath, Transport: Streamable}, Sessions: n,
			Warmup: s.plan.Warmup / 2, Duration: s.plan.CurveWindow, Mix: floorMix()}
		ours := LoadConfig{Target: Target{URL: stateful.Base + "/mcp", Transport: Streamable, Token: s.token}, Sessions: n,
			Warmup: s.plan.Warmup / 2, Duration: s.plan.CurveWindow, Mix: s.oursCall()}
		var mf, mo measured
		f, cpu, err := s.load(ctx, fl, floor.Pid())
		if err != nil {
			return err
		}
		mf.add(f, cpu)
		o, cpu, err := s.load(ctx, ours, stateful.Pid())
		if err != nil {
			return err
		}
		mo.add(o, cpu)
		s.res.Curve = append(s.res.Curve, CurvePoint{Sessions: n, Floor: f.Summary, Ours: o.Summary, FloorCPU: mf.cpuPerCall(), OursCPU: mo.cpuPerCall()})
		s.logf("  ×%d: floor %.0f/s p99 %.2f ms, ours %.0f/s p99 %.2f ms", n, f.PerSecond, f.P99, o.PerSecond, o.P99)
	}
	return nil
}

func (s *suite) rows(ctx context.Context, stateful *Proc) error {
	port, err := FreePort()
	if err != nil {
		return err
	}
	unbounded, err := s.start(ctx, ProcSpec{Name: "bridge-unbounded", Path: s.cfg.JanaMCP, Args: []string{"serve"}, Port: port, Ready: "/health",
		Env: bridgeEnv(s.sandbox.Base, port, "MCP_MAX_RESULT_BYTES=1000000")})
	if err != nil {
		return err
	}
	defer s.stop(unbounded)
	for _, n := range s.plan.Rows {
		mix := Mix{{Tool: "edgar_country_totals", Args: json.RawMessage(`{"limit":` + strconv.Itoa(n) + `}`), Weight: 1}}
		pt := RowsPoint{Rows: n}
		for _, c := range []struct {
			p   *Proc
			dst **LoadResult
		}{{stateful, &pt.Ours}, {unbounded, &pt.OursUnbounded}} {
			r, err := Load(ctx, LoadConfig{Target: Target{URL: c.p.Base + "/mcp", Transport: Streamable, Token: s.token},
				Sessions: 1, Warmup: s.plan.Warmup / 2, Duration: s.plan.Duration, Mix: mix})
			if err != nil {
				return err
			}
			*c.dst = r
		}
		d, err := Direct(ctx, DirectConfig{Backend: s.sandbox.Base, Token: s.token, Workers: 1,
			Warmup: s.plan.Warmup / 2, Duration: s.plan.Duration, Query: QueryEdgar, Rows: n})
		if err != nil {
			return err
		}
		pt.Direct = d
		s.res.Rows = append(s.res.Rows, pt)
		s.logf("  %d rows: direct p50 %.3f ms %.0f B; ours p50 %.3f ms %.0f B; unbounded p50 %.3f ms %.0f B",
			n, d.P50, d.BodyBytes, pt.Ours.P50, pt.Ours.WireBytes, pt.OursUnbounded.P50, pt.OursUnbounded.WireBytes)
	}
	return nil
}

func (s *suite) peer(ctx context.Context, node Node, stateful, floor *Proc) error {
	port, err := FreePort()
	if err != nil {
		return err
	}
	spec := node.PeerSpec(port, s.sandbox.Base, filepath.Join(s.cfg.Root, "api/openapi.yaml"), s.token, s.cfg.LogDir)
	peer, err := s.start(ctx, spec)
	if err != nil {
		return err
	}
	defer s.stop(peer)
	for _, n := range s.plan.PeerSess {
		load := func(p *Proc, path, token, tool, args string) (PeerSide, error) {
			before, cerr := ProcCPU(p.Pid())
			r, err := node.NodeLoad(ctx, NodeLoadConfig{URL: p.Base + path, Token: token, Sessions: n,
				Warmup: s.plan.Warmup, Duration: s.plan.Duration, Tool: tool, Args: args})
			if err != nil {
				return PeerSide{}, err
			}
			side := PeerSide{Summary: r.Summary}
			after, cerr2 := ProcCPU(p.Pid())
			if r.TotalCalls > 0 {
				if cerr == nil && cerr2 == nil {
					side.ServerCPU = round3(float64((after - before).Microseconds()) / float64(r.TotalCalls))
				}
				side.ClientCPU = round3(float64(r.ClientCPU.Microseconds()) / float64(r.TotalCalls))
			}
			return side, nil
		}
		pt := PeerPoint{Sessions: n}
		if pt.Peer, err = load(peer, "/mcp", "", PeerLightTool, PeerLightArgs); err != nil {
			return err
		}
		if pt.Ours, err = load(stateful, "/mcp", s.token, LightTool, LightArgs); err != nil {
			return err
		}
		if pt.Floor, err = load(floor, FloorMCPPath, "", FloorTool, "{}"); err != nil {
			return err
		}
		s.res.Peer = append(s.res.Peer, pt)
		s.logf("  TS client ×%d: peer %.0f/s p99 %.2f ms %.0f µs CPU; ours %.0f/s p99 %.2f ms %.0f µs CPU; floor %.0f/s p99 %.2f ms; client %.0f µs CPU per call",
			n, pt.Peer.PerSecond, pt.Peer.P99, pt.Peer.ServerCPU, pt.Ours.PerSecond, pt.Ours.P99, pt.Ours.ServerCPU, pt.Floor.PerSecond, pt.Floor.P99, pt.Ours.ClientCPU)
	}
	if rss, err := ProcRSS(peer.Pid()); err == nil {
		s.res.PeerRSSMB = round3(rss / (1 << 20))
	}
	return nil
}

func (s *suite) floorIdle(ctx context.Context) error {
	floor, err := s.startFloor(ctx, "floor-idle")
	if err != nil {
		return err
	}
	defer s.stop(floor)
	settle := 2 * time.Second
	if s.cfg.Smoke {
		settle = 200 * time.Millisecond
	}
	res, err := Idle(ctx, IdleConfig{SSE: floor.Base + FloorSSEPath, MCP: floor.Base + FloorMCPPath, Metrics: floor.Base + "/metrics",
		Steps: s.plan.IdleSteps, Call: Call{Tool: FloorTool}, Settle: settle})
	if res != nil {
		s.res.FloorIdle = res
		if n := len(res.Steps); n > 0 {
			st := res.Steps[n-1]
			s.logf("  floor, %d idle sessions: RSS +%.1f MB (%.1f KB each), %.1f goroutines each; answered %d, failed %d",
				st.Sessions, st.RSSGrowthMB, st.RSSPerSessionKB, st.GoroutinesPerSession, res.Answered, res.Failed)
		}
	}
	return err
}

func (s *suite) idle(ctx context.Context) error {
	p, err := s.startBridge(ctx, "bridge-idle")
	if err != nil {
		return err
	}
	defer s.stop(p)
	settle := 2 * time.Second
	if s.cfg.Smoke {
		settle = 200 * time.Millisecond
	}
	res, err := Idle(ctx, IdleConfig{SSE: p.Base + "/sse", MCP: p.Base + "/mcp", Metrics: p.Base + "/metrics", Token: s.token,
		Steps: s.plan.IdleSteps, Call: Call{Tool: LightTool, Args: json.RawMessage(LightArgs)}, Settle: settle})
	if res != nil {
		s.res.Idle = res
		for _, st := range res.Steps {
			s.logf("  %d idle sessions: RSS +%.1f MB (%.1f KB each), %.1f goroutines each", st.Sessions, st.RSSGrowthMB, st.RSSPerSessionKB, st.GoroutinesPerSession)
		}
		s.logf("  answered %d, failed %d", res.Answered, res.Failed)
	}
	return err
}

func (s *suite) cache(ctx context.Context) error {
	p, err := s.startBridge(ctx, "bridge-cache", "MCP_CACHE_ENABLED=true")
	if err != nil {
		return err
	}
	defer s.stop(p)
	res, err := Cache(ctx, CacheConfig{MCP: p.Base + "/mcp", Sandbox: s.sandbox.Base, Token: s.token,
		Latency: s.plan.Cache.Latency, Repeat: s.plan.Cache.Repeat, Concurrent: s.plan.Cache.Concurrent})
	if err != nil {
		return err
	}
	s.res.Cache = res
	s.logf("  first %.1f ms, repeated p50 %.3f ms, %d concurrent → %d backend requests", res.FirstMS, res.Repeated.P50, res.ConcurrentCalls, res.BackendRequests)
	return nil
}

func (s *suite) toolsList(ctx context.Context) error {
	out, err := execOutput(ctx, s.cfg.Root, "go", "test", "-run", "^$", "-bench", "^BenchmarkToolsList$/",
		"-benchtime", strconv.Itoa(s.plan.ToolsListN)+"x", "-count", "1", "./internal/server")
	if err != nil {
		return fmt.Errorf("%w\n%s", err, tail(out, 2000))
	}
	for _, b := range ParseGoBench(out) {
		switch {
		case strings.HasPrefix(b.Name, "BenchmarkToolsList/server"):
			s.res.ToolsList = &b
		case strings.HasPrefix(b.Name, "BenchmarkToolsList/go-sdk-client"):
			s.res.ToolsListClient = &b
		}
	}
	if s.res.ToolsList == nil || s.res.ToolsListClient == nil {
		return fmt.Errorf("benchmark lines missing in:\n%s", tail(out, 2000))
	}
	s.logf("  tools/list: server p50 %.0f ns, with the go-sdk client %.0f ns", s.res.ToolsList.Metrics["p50-ns"], s.res.ToolsListClient.Metrics["p50-ns"])
	return nil
}

// profile loads the profiling bridge and the floor in turn (32 sessions, light call) while
// taking a CPU profile of each over the measured window, and breaks each down by layer.
func (s *suite) profile(ctx context.Context, floor *Proc) error {
	bridge, bridgePprof, err := s.startProfilingBridge(ctx)
	if err != nil {
		return err
	}
	defer s.stop(bridge)
	window := s.plan.ProfileWindow
	for _, tc := range []struct {
		t                   Transport
		bridgeURL, floorURL string
	}{
		{Streamable, bridge.Base + "/mcp", floor.Base + FloorMCPPath},
		{SSE, bridge.Base + "/sse", floor.Base + FloorSSEPath},
	} {
		res := ProfileResult{Transport: tc.t, Sessions: s.plan.Sessions[len(s.plan.Sessions)-1], Seconds: window.Seconds()}
		var profiles [2]*CPUProfile
		for i, side := range []struct {
			name, url, pprof string
			mix              Mix
			token            string
		}{
			{"bridge", tc.bridgeURL, bridgePprof, s.oursCall(), s.token},
			{"floor", tc.floorURL, s.floorPprof, floorMix(), ""},
		} {
			path := filepath.Join(s.cfg.LogDir, fmt.Sprintf("cpu-%s-%s.pprof", side.name, tc.t))
			type loaded struct {
				res *LoadResult
				err error
			}
			done := make(chan loaded, 1)
			go func() {
				r, err := Load(ctx, LoadConfig{Target: Target{URL: side.url, Transport: tc.t, Token: side.token}, Sessions: res.Sessions,
					Warmup: s.plan.Warmup, Duration: window, Mix: side.mix})
				done <- loaded{r, err}
			}()
			// The profile starts with the measured window (sessions connect within the warm-up).
			time.Sleep(s.plan.Warmup)
			perr := FetchProfile(ctx, side.pprof+"/debug/pprof/profile?seconds="+strconv.Itoa(int(window.Seconds())), path)
			l := <-done
			if l.err != nil {
				return l.err
			}
			if perr != nil {
				return perr
			}
			if profiles[i], err = ReadCPUProfile(ctx, s.cfg.Root, path); err != nil {
				return err
			}
			if side.name == "bridge" {
				res.BridgeCalls = l.res.Calls
				if res.BridgeTop, err = Pprof(ctx, s.cfg.Root, "-top", "-nodecount", "30", path); err != nil {
					return err
				}
			} else {
				res.FloorCalls = l.res.Calls
			}
		}
		res.Rows = Breakdown(profiles[0], res.BridgeCalls, profiles[1], res.FloorCalls)
		s.res.Profiles = append(s.res.Profiles, res)
		s.logf("  %s: bridge %.0f µs CPU per call, floor %.0f", tc.t, res.Rows[0].Bridge, res.Rows[0].Floor)
	}
	return nil
}

// idleHeap opens idle sessions on the profiling bridge and reads its heap and goroutines.
func (s *suite) idleHeap(ctx context.Context) error {
	bridge, bridgePprof, err := s.startProfilingBridge(ctx)
	if err != nil {
		return err
	}
	defer s.stop(bridge)
	n := 2000
	if s.cfg.Smoke {
		n = 20
	}
	heap := &HeapResult{Sessions: n}
	path := filepath.Join(s.cfg.LogDir, "heap-idle.pprof")
	res, err := Idle(ctx, IdleConfig{SSE: bridge.Base + "/sse", MCP: bridge.Base + "/mcp", Metrics: bridge.Base + "/metrics", Token: s.token,
		Steps: []int{n}, Call: Call{Tool: LightTool, Args: json.RawMessage(LightArgs)}, Settle: time.Second,
		Inspect: func(ctx context.Context) error {
			if err := FetchProfile(ctx, bridgePprof+"/debug/pprof/heap?gc=1", path); err != nil {
				return err
			}
			groups, err := FetchGoroutines(ctx, bridgePprof)
			heap.Goroutines = groups
			return err
		}})
	if err != nil {
		return err
	}
	heap.Idle = res
	if heap.Top, err = Pprof(ctx, s.cfg.Root, "-top", "-sample_index=inuse_space", "-nodecount", "25", path); err != nil {
		return err
	}
	s.res.IdleHeap = heap
	return nil
}

// ParseGoBench reads the benchmark lines of `go test -bench` output.
func ParseGoBench(out string) []GoBench {
	var res []GoBench
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		b := GoBench{Name: f[0], N: n, Metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				b.Metrics[f[i+1]] = v
			}
		}
		res = append(res, b)
	}
	return res
}

func execOutput(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit interface{ ExitCode() int }
		if errors.As(err, &exit) {
			return string(out), fmt.Errorf("%s %s: exit %d", name, strings.Join(args, " "), exit.ExitCode())
		}
		return string(out), err
	}
	return string(out), nil
}
