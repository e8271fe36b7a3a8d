package bench

import (
	"context"
	"path/filepath"
)

// The peer: another OpenAPI-to-MCP server, driven like ours by the TypeScript SDK client.

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
