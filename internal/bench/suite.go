package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
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
	p := Plan{Warmup: 200 * time.Millisecond, Duration: 500 * time.Millisecond, Rounds: 1,
		Sessions: []int{1, 4}, Curve: []int{1, 4}, CurveWindow: 300 * time.Millisecond,
		Rows: []int{10}, PeerSess: []int{2}, IdleSteps: []int{10, 20}, ToolsListN: 50, ProfileWindow: time.Second}
	p.Cache.Latency, p.Cache.Repeat, p.Cache.Concurrent = 50*time.Millisecond, 300*time.Millisecond, 10
	return p
}

// Comparison is the light call on one transport at one session count: the floor as is
// (Go's collector defaults) and the bridge as shipped (its own GOGC default), which the
// targets compare, and the direct call.
type Comparison struct {
	Transport Transport `json:"transport"`
	Sessions  int       `json:"sessions"`
	Floor     Summary   `json:"floor"`
	Ours      Summary   `json:"ours"`
	Direct    Summary   `json:"direct"`
	// CPU is the server process's CPU time per call, in microseconds.
	FloorCPU float64 `json:"floor_cpu_us"`
	OursCPU  float64 `json:"ours_cpu_us"`
	// SameGC are the floor and the bridge with one collector setting for both, measured in
	// the same rounds: at the floor's (Go's default), then at the bridge's. Empty when the
	// two ship with the same setting.
	SameGC []GCPair `json:"same_gc,omitempty"`
}

// GCPair is the light call on the floor and the bridge with the same GOGC.
type GCPair struct {
	GOGC     int     `json:"gogc"`
	Floor    Summary `json:"floor"`
	Ours     Summary `json:"ours"`
	FloorCPU float64 `json:"floor_cpu_us"`
	OursCPU  float64 `json:"ours_cpu_us"`
}

// Collector is the garbage-collector setting each server runs with as started, read from
// its /metrics (go_gc_gogc_percent, go_gc_gomemlimit_bytes): the bridge as shipped, with no
// GOGC in its environment (`jana-mcp serve` picks its own, cmd/jana-mcp/gc.go), and the
// floor as is (Go's default).
type Collector struct {
	OursGOGC  int `json:"ours_gogc"`
	FloorGOGC int `json:"floor_gogc"`
	// OursMemoryLimit is the GOMEMLIMIT the bridge set for itself from its container's
	// memory limit, in bytes (0: none).
	OursMemoryLimit float64 `json:"ours_gomemlimit_bytes,omitempty"`
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
	// AllocRows break down the bytes allocated per call (KiB), from allocs profiles taken
	// over the same window.
	AllocRows []BreakdownRow `json:"alloc_rows"`
	// BridgeTop is pprof's flat top of the bridge profile.
	BridgeTop string `json:"bridge_top"`
}

// HeapResult is where the bridge's memory goes with Sessions idle sessions open.
type HeapResult struct {
	Sessions int         `json:"sessions"`
	Idle     *IdleResult `json:"idle"`
	// LiveMB is the heap in use right after a forced collection (the heap profile's
	// inuse_space): what the sessions really hold, without the garbage RSS also counts.
	LiveMB     float64 `json:"live_mb"`
	Top        string  `json:"top"`
	Goroutines []GoroutineGroup
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

// startFloor starts the floor, with env added to its environment, and returns it and the
// base URL of its pprof endpoints.
func (s *suite) startFloor(ctx context.Context, name string, env ...string) (*Proc, string, error) {
	port, err := FreePort()
	if err != nil {
		return nil, "", err
	}
	pport, err := FreePort()
	if err != nil {
		return nil, "", err
	}
	p, err := s.start(ctx, ProcSpec{Name: name, Path: s.cfg.Self, Port: port, Ready: "/health", Env: env,
		Args: []string{"floor", "--listen", "127.0.0.1:" + strconv.Itoa(port), "--url", s.sandbox.Base + LightPath, "--token", s.token,
			"--pprof", "127.0.0.1:" + strconv.Itoa(pport)}})
	return p, "http://127.0.0.1:" + strconv.Itoa(pport), err
}

// readCollector records the collector settings the bridge ships with and the floor runs
// with, as each reports them.
func (s *suite) readCollector(ctx context.Context, stateful, stateless, floor *Proc) error {
	read := func(p *Proc) (Process, error) {
		pr, err := Scrape(ctx, p.Base+"/metrics")
		if err == nil && pr.GOGC <= 0 {
			err = fmt.Errorf("%s reports no go_gc_gogc_percent", p.Name)
		}
		return pr, err
	}
	ours, err := read(stateful)
	if err != nil {
		return err
	}
	fl, err := read(floor)
	if err != nil {
		return err
	}
	c := Collector{OursGOGC: int(ours.GOGC), FloorGOGC: int(fl.GOGC)}
	if ours.HasMemoryLimit() {
		c.OursMemoryLimit = ours.MemoryLimit
	}
	if err := s.checkGOGC(ctx, stateless, c.OursGOGC); err != nil {
		return err
	}
	s.res.Collector = c
	s.logf("collector: ours as shipped GOGC=%d (memory limit %.0f bytes), floor GOGC=%d", c.OursGOGC, c.OursMemoryLimit, c.FloorGOGC)
	return nil
}

// checkGOGC fails unless the server p reports GOGC=want.
func (s *suite) checkGOGC(ctx context.Context, p *Proc, want int) error {
	pr, err := Scrape(ctx, p.Base+"/metrics")
	if err != nil {
		return err
	}
	if int(pr.GOGC) != want {
		return fmt.Errorf("%s runs with GOGC=%.0f, not %d", p.Name, pr.GOGC, want)
	}
	return nil
}

// startProfilingBridge starts `jana-mcp-bench bridge`: the bridge with bridgeEnv and pprof.
// It must collect as the bridge as shipped does, or its profiles would not be the bridge's:
// it gets the shipped bridge's memory limit, if any, and fails unless it reports its GOGC.
func (s *suite) startProfilingBridge(ctx context.Context) (*Proc, string, error) {
	port, err := FreePort()
	if err != nil {
		return nil, "", err
	}
	pport, err := FreePort()
	if err != nil {
		return nil, "", err
	}
	env := bridgeEnv(s.sandbox.Base, port)
	gc := s.res.Collector
	if gc.OursMemoryLimit > 0 {
		// `jana-mcp serve` derives it from the container; the profiling build gets it here.
		env = append(env, fmt.Sprintf("GOMEMLIMIT=%.0f", gc.OursMemoryLimit))
	}
	p, err := s.start(ctx, ProcSpec{Name: "bridge-pprof", Path: s.cfg.Self, Port: port, Ready: "/health",
		Args: []string{"bridge", "--pprof", "127.0.0.1:" + strconv.Itoa(pport)}, Env: env})
	if err != nil {
		return nil, "", err
	}
	if err := s.checkGOGC(ctx, p, gc.OursGOGC); err != nil {
		s.stop(p)
		return nil, "", fmt.Errorf("the profiling bridge does not collect as `jana-mcp serve` does (update cmd/jana-mcp-bench/bridge.go): %w", err)
	}
	return p, "http://127.0.0.1:" + strconv.Itoa(pport), nil
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

// interleave measures loads in rounds, each round in the reverse order of the one before
// (a b c d, d c b a, …) so that drift on the machine hits every load alike, and merges each
// load's calls.
func (s *suite) interleave(ctx context.Context, loads []LoadConfig, pids []int) ([]measured, error) {
	ms := make([]measured, len(loads))
	for r := range s.plan.Rounds {
		for k := range loads {
			i := k
			if r%2 == 1 {
				i = len(loads) - 1 - k
			}
			res, cpu, err := s.load(ctx, loads[i], pids[i])
			if err != nil {
				return ms, err
			}
			ms[i].add(res, cpu)
		}
	}
	return ms, nil
}

// variant is one server serving the light call on every transport, with its collector
// setting.
type variant struct {
	ours bool
	gogc int
	url  map[Transport]string
	pid  map[Transport]int
}

func floorVariant(p *Proc, gogc int) variant {
	return variant{gogc: gogc,
		url: map[Transport]string{SSE: p.Base + FloorSSEPath, Streamable: p.Base + FloorMCPPath, Stateless: p.Base + FloorStatelessPath},
		pid: map[Transport]int{SSE: p.Pid(), Streamable: p.Pid(), Stateless: p.Pid()}}
}

func oursVariant(stateful, stateless *Proc, gogc int) variant {
	return variant{ours: true, gogc: gogc,
		url: map[Transport]string{SSE: stateful.Base + "/sse", Streamable: stateful.Base + "/mcp", Stateless: stateless.Base + "/mcp"},
		pid: map[Transport]int{SSE: stateful.Pid(), Streamable: stateful.Pid(), Stateless: stateless.Pid()}}
}

// light is the light call on v over t with n sessions.
func (s *suite) light(v variant, t Transport, n int) LoadConfig {
	cfg := LoadConfig{Target: Target{URL: v.url[t], Transport: t}, Sessions: n, Warmup: s.plan.Warmup, Duration: s.plan.Duration, Mix: floorMix()}
	if v.ours {
		cfg.Target.Token, cfg.Mix = s.token, s.oursCall()
	}
	return cfg
}

// comparisons measures the light call per transport and session count: the floor as is
// against the bridge as shipped (the targets) and, in the same rounds, a floor with the
// bridge's collector setting and a bridge with the floor's, so that each setting has a pair.
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
	gc := s.res.Collector
	variants := []variant{floorVariant(floor, gc.FloorGOGC), oursVariant(stateful, stateless, gc.OursGOGC)}
	type pair struct{ gogc, floor, ours int } // indexes into variants
	var pairs []pair
	if gc.OursGOGC != gc.FloorGOGC {
		sameFloor, _, err := s.startFloor(ctx, fmt.Sprintf("floor-gogc%d", gc.OursGOGC), fmt.Sprintf("GOGC=%d", gc.OursGOGC))
		if err != nil {
			return err
		}
		defer s.stop(sameFloor)
		env := fmt.Sprintf("GOGC=%d", gc.FloorGOGC)
		sameStateful, err := s.startBridge(ctx, fmt.Sprintf("bridge-stateful-gogc%d", gc.FloorGOGC), env)
		if err != nil {
			return err
		}
		defer s.stop(sameStateful)
		sameStateless, err := s.startBridge(ctx, fmt.Sprintf("bridge-stateless-gogc%d", gc.FloorGOGC), env, "MCP_STATELESS=true")
		if err != nil {
			return err
		}
		defer s.stop(sameStateless)
		for _, c := range []struct {
			p    *Proc
			gogc int
		}{{sameFloor, gc.OursGOGC}, {sameStateful, gc.FloorGOGC}, {sameStateless, gc.FloorGOGC}} {
			if err := s.checkGOGC(ctx, c.p, c.gogc); err != nil {
				return err
			}
		}
		variants = append(variants, floorVariant(sameFloor, gc.OursGOGC), oursVariant(sameStateful, sameStateless, gc.FloorGOGC))
		pairs = []pair{{gc.FloorGOGC, 0, 3}, {gc.OursGOGC, 2, 1}}
		slices.SortFunc(pairs, func(a, b pair) int { return a.gogc - b.gogc })
	}
	for _, n := range s.plan.Sessions {
		for _, t := range []Transport{SSE, Streamable, Stateless} {
			loads := make([]LoadConfig, len(variants))
			pids := make([]int, len(variants))
			for i, v := range variants {
				loads[i], pids[i] = s.light(v, t, n), v.pid[t]
			}
			ms, err := s.interleave(ctx, loads, pids)
			if err != nil {
				return err
			}
			f, o := ms[0].run.Summary(), ms[1].run.Summary()
			c := Comparison{Transport: t, Sessions: n, Floor: f, Ours: o, Direct: direct[n], FloorCPU: ms[0].cpuPerCall(), OursCPU: ms[1].cpuPerCall()}
			s.logf("  %s ×%d: floor p50 %.3f ms %.0f/s %.0f µs CPU, ours p50 %.3f ms %.0f/s %.0f µs CPU (%d errors)",
				t, n, f.P50, f.PerSecond, c.FloorCPU, o.P50, o.PerSecond, c.OursCPU, o.Errors)
			for _, p := range pairs {
				gp := GCPair{GOGC: p.gogc, Floor: ms[p.floor].run.Summary(), Ours: ms[p.ours].run.Summary(),
					FloorCPU: ms[p.floor].cpuPerCall(), OursCPU: ms[p.ours].cpuPerCall()}
				c.SameGC = append(c.SameGC, gp)
				s.logf("    both GOGC=%d: floor p50 %.3f ms %.0f/s %.0f µs CPU, ours p50 %.3f ms %.0f/s %.0f µs CPU",
					p.gogc, gp.Floor.P50, gp.Floor.PerSecond, gp.FloorCPU, gp.Ours.P50, gp.Ours.PerSecond, gp.OursCPU)
			}
			s.res.Comparisons = append(s.res.Comparisons, c)
		}
	}
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
		pt := RowsPoint{Rows: n}
		for _, c := range []struct {
			p   *Proc
			dst **LoadResult
		}{{stateful, &pt.Ours}, {unbounded, &pt.OursUnbounded}} {
			target := Target{URL: c.p.Base + "/mcp", Transport: Streamable, Token: s.token}
			// A bridge's limit goes no higher than the rows its result bound holds: ask for at
			// most that many.
			most, err := limitMax(ctx, target, "edgar_country_totals")
			if err != nil {
				return err
			}
			mix := Mix{{Tool: "edgar_country_totals", Args: json.RawMessage(`{"limit":` + strconv.Itoa(min(n, most)) + `}`), Weight: 1}}
			r, err := Load(ctx, LoadConfig{Target: target, Sessions: 1, Warmup: s.plan.Warmup / 2, Duration: s.plan.Duration, Mix: mix})
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

// limitMax is the maximum of a tool's limit argument as the target lists it.
func limitMax(ctx context.Context, t Target, tool string) (int, error) {
	c := NewClient(1)
	defer c.Close()
	cs, err := c.Connect(ctx, t)
	if err != nil {
		return 0, err
	}
	defer cs.Close()
	for tl, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return 0, err
		}
		if tl.Name != tool {
			continue
		}
		var s struct {
			Properties map[string]struct {
				Maximum float64 `json:"maximum"`
			} `json:"properties"`
		}
		data, _ := json.Marshal(tl.InputSchema)
		if err := json.Unmarshal(data, &s); err != nil {
			return 0, err
		}
		return int(s.Properties["limit"].Maximum), nil
	}
	return 0, fmt.Errorf("%s does not list %s", t.URL, tool)
}

func (s *suite) peer(ctx context.Context, node Node, stateful, floor *Proc) error {
	port, err := FreePort()
	if err != nil {
		return err
	}
	schema, err := readOnlySchema(filepath.Join(s.cfg.Root, "api/openapi.yaml"), s.cfg.LogDir)
	if err != nil {
		return err
	}
	spec := node.PeerSpec(port, s.sandbox.Base, schema, s.token, s.cfg.LogDir)
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
	floor, _, err := s.startFloor(ctx, "floor-idle")
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

// idle measures idle sessions on a fresh bridge named name, with env added to its
// environment, into *dst.
func (s *suite) idle(ctx context.Context, name string, dst **IdleResult, env ...string) error {
	p, err := s.startBridge(ctx, name, env...)
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
		*dst = res
		for _, st := range res.Steps {
			s.logf("  %d idle sessions: RSS +%.1f MB (%.1f KB each), %.1f goroutines each, GOGC=%.0f", st.Sessions, st.RSSGrowthMB, st.RSSPerSessionKB, st.GoroutinesPerSession, st.Process.GOGC)
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
	// In process, with the collector setting the bridge ships with.
	env := []string{fmt.Sprintf("GOGC=%d", s.res.Collector.OursGOGC)}
	out, err := execOutputEnv(ctx, s.cfg.Root, env, "go", "test", "-run", "^$", "-bench", "^BenchmarkToolsList$/",
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
// taking a CPU profile and an allocs profile of each over the measured window, and breaks
// each down by layer.
func (s *suite) profile(ctx context.Context, floor *Proc, floorPprof string) error {
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
		var profiles, allocs [2]*Profile
		for i, side := range []struct {
			name, url, pprof string
			mix              Mix
			token            string
		}{
			{"bridge", tc.bridgeURL, bridgePprof, s.oursCall(), s.token},
			{"floor", tc.floorURL, floorPprof, floorMix(), ""},
		} {
			path := filepath.Join(s.cfg.LogDir, fmt.Sprintf("cpu-%s-%s.pprof", side.name, tc.t))
			allocPath := filepath.Join(s.cfg.LogDir, fmt.Sprintf("allocs-%s-%s.pprof", side.name, tc.t))
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
			seconds := strconv.Itoa(int(window.Seconds()))
			allocDone := make(chan error, 1)
			go func() { allocDone <- FetchProfile(ctx, side.pprof+"/debug/pprof/allocs?seconds="+seconds, allocPath) }()
			perr := FetchProfile(ctx, side.pprof+"/debug/pprof/profile?seconds="+seconds, path)
			aerr := <-allocDone
			l := <-done
			if l.err != nil {
				return l.err
			}
			if err := errors.Join(perr, aerr); err != nil {
				return err
			}
			if profiles[i], err = ReadProfile(ctx, s.cfg.Root, path, ValueCPU); err != nil {
				return err
			}
			if allocs[i], err = ReadProfile(ctx, s.cfg.Root, allocPath, ValueAllocSpace); err != nil {
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
		res.Rows = Breakdown(Layers, 1e3, profiles[0], res.BridgeCalls, profiles[1], res.FloorCalls)
		res.AllocRows = Breakdown(AllocLayers, 1024, allocs[0], res.BridgeCalls, allocs[1], res.FloorCalls)
		s.res.Profiles = append(s.res.Profiles, res)
		s.logf("  %s: bridge %.0f µs CPU and %.0f KiB allocated per call, floor %.0f µs and %.0f KiB", tc.t,
			res.Rows[0].Bridge, res.AllocRows[0].Bridge, res.Rows[0].Floor, res.AllocRows[0].Floor)
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
	live, err := ReadProfile(ctx, s.cfg.Root, path, ValueInuseSpace)
	if err != nil {
		return err
	}
	heap.LiveMB = round3(float64(live.Total()) / (1 << 20))
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
	return execOutputEnv(ctx, dir, nil, name, args...)
}

// execOutputEnv runs a command with env added to the harness's environment less its
// collector settings (see ProcSpec.Env); a nil env leaves the environment as it is.
func execOutputEnv(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(withoutCollectorSettings(os.Environ()), env...)
	}
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

// readOnlySchema writes a copy of the schema with only its GET operations, which the peer
// serves as tools like ours (it turns the others, such as login's oneOf body, into tools
// whose input schemas the TypeScript client rejects), and returns its path.
func readOnlySchema(path, dir string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		ops, _ := item.(map[string]any)
		for method := range ops {
			if method != "get" && method != "parameters" {
				delete(ops, method)
			}
		}
		if _, ok := ops["get"]; !ok {
			delete(paths, p)
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return "", err
	}
	dst := filepath.Join(dir, "peer-openapi.yaml")
	return dst, os.WriteFile(dst, out, 0o644)
}
