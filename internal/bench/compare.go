package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The light call compared: ours against the floor per transport and session count, the
// concurrency curve and result sizes.

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
// GOGC in its environment (`jana-mcp serve` picks its own, internal/gctune), and the
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
		data, err := json.Marshal(tl.InputSchema)
		if err != nil {
			return 0, err
		}
		if err := json.Unmarshal(data, &s); err != nil {
			return 0, err
		}
		return int(s.Properties["limit"].Maximum), nil
	}
	return 0, fmt.Errorf("%s does not list %s", t.URL, tool)
}
