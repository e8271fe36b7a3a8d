package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The standard set's steps for idle sessions, the cache and tools/list.

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
