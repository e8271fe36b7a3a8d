package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// The profiles: where the CPU, the allocations and an idle session's memory go.

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
