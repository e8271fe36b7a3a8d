package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The processes of the standard set: the sandbox, the bridges and floors it starts, and the
// collector each runs with.

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
		// Every session of the harness uses one token: a caller's share of calls in flight
		// (32 by default) would refuse the concurrent calls it measures.
		"MCP_MAX_INFLIGHT_PER_CALLER=1000000",
		"LOG_LEVEL=warn",
	}, extra...)
}

// BridgeSettings lists the settings every bridge instance runs with, for the report.
var BridgeSettings = "MCP_CACHE_ENABLED=false MCP_RATE_LIMIT=0 MCP_RATE_LIMIT_SSE=0 MCP_RATE_LIMIT_MESSAGES=0 " +
	"MCP_MAX_SESSIONS=20000 MCP_MAX_SESSIONS_PER_TOKEN=20000 MCP_MAX_INFLIGHT_PER_CALLER=1000000 LOG_LEVEL=warn"

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
