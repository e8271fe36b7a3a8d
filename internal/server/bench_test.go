package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
	"slices"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/bench"
	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// Benchmarks of the server in process. The harness (cmd/jana-mcp-bench) runs them for the
// tools/list figure and for CPU profiles of a tool call; the figures across processes and
// transports come from the harness itself (docs/benchmarks.md).

// BenchmarkToolsList lists the tools through the SDK's in-memory transport, with no HTTP:
//
//   - server: a bare JSON-RPC client writes tools/list and reads the answer without decoding
//     it, so the figure is the server's own cost (what the harness reports against the
//     target);
//   - go-sdk-client: the official client, which also decodes and checks every tool's schema.
//
// Besides ns/op it reports the median and 99th percentile of the individual calls (p50-ns,
// p99-ns) and the answer's size.
func BenchmarkToolsList(b *testing.B) {
	ctx := context.Background()
	cfg := testenv.Config(b, "http://127.0.0.1:9", map[string]string{"LOG_LEVEL": "warn"})
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler), server.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()

	b.Run("server", func(b *testing.B) {
		st, ct := mcp.NewInMemoryTransports()
		ss, err := srv.MCP().Connect(ctx, st, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ss.Close()
		conn, err := ct.Connect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		call := func(id int, method, params string) *jsonrpc.Response {
			req := &jsonrpc.Request{Method: method, Params: json.RawMessage(params)}
			if id > 0 {
				req.ID, _ = jsonrpc.MakeID(float64(id))
			}
			if err := conn.Write(ctx, req); err != nil {
				b.Fatal(err)
			}
			if id == 0 {
				return nil // a notification has no answer
			}
			msg, err := conn.Read(ctx)
			if err != nil {
				b.Fatal(err)
			}
			resp, ok := msg.(*jsonrpc.Response)
			if !ok || resp.Error != nil {
				b.Fatalf("%s: %+v", method, msg)
			}
			return resp
		}
		call(1, "initialize", `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}`)
		call(0, "notifications/initialized", `{}`)
		var size int
		durations := make([]time.Duration, 0, max(b.N, 1))
		b.ReportAllocs()
		id := 1
		for b.Loop() {
			id++
			t0 := time.Now()
			resp := call(id, "tools/list", `{}`)
			durations = append(durations, time.Since(t0))
			size = len(resp.Result)
		}
		reportQuantiles(b, durations)
		b.ReportMetric(float64(size), "bytes")
	})

	b.Run("go-sdk-client", func(b *testing.B) {
		st, ct := mcp.NewInMemoryTransports()
		ss, err := srv.MCP().Connect(ctx, st, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ss.Close()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "0"}, nil).Connect(ctx, ct, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer cs.Close()
		var tools int
		durations := make([]time.Duration, 0, max(b.N, 1))
		b.ReportAllocs()
		for b.Loop() {
			t0 := time.Now()
			res, err := cs.ListTools(ctx, nil)
			durations = append(durations, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			tools = len(res.Tools)
		}
		reportQuantiles(b, durations)
		b.ReportMetric(float64(tools), "tools")
	})
}

// BenchmarkToolCall makes the light call (list_pollutants, one small GET to the sandbox) on
// one session over real loopback HTTP, for this server and for the go-sdk floor
// (bench.NewFloor), over each transport. The process holds the client and the sandbox too, so
// every request the servers handle runs under a pprof label: with -cpuprofile,
// `go tool pprof -tagfocus side=bridge` (or side=floor) shows the server's own work only.
func BenchmarkToolCall(b *testing.B) {
	sb := testenv.StartSandbox(b, sandbox.Config{})
	settings := map[string]string{"MCP_CACHE_ENABLED": "false", "LOG_LEVEL": "warn"}
	stateful := startLabeled(b, testenv.Config(b, sb.URL, settings))
	settings["MCP_STATELESS"] = "true"
	stateless := startLabeled(b, testenv.Config(b, sb.URL, settings))
	floor := httptest.NewServer(labeled("floor", bench.NewFloor(sb.URL+bench.LightPath, sb.Token)))
	defer floor.Close()

	ours := bench.Call{Tool: bench.LightTool, Args: json.RawMessage(bench.LightArgs)}
	floorCall := bench.Call{Tool: bench.FloorTool}
	for _, tc := range []struct {
		name   string
		target bench.Target
		call   bench.Call
	}{
		{"ours/sse", bench.Target{URL: stateful + "/sse", Transport: bench.SSE, Token: sb.Token}, ours},
		{"ours/streamable", bench.Target{URL: stateful + "/mcp", Transport: bench.Streamable, Token: sb.Token}, ours},
		{"ours/stateless", bench.Target{URL: stateless + "/mcp", Transport: bench.Stateless, Token: sb.Token}, ours},
		{"floor/sse", bench.Target{URL: floor.URL + bench.FloorSSEPath, Transport: bench.SSE}, floorCall},
		{"floor/streamable", bench.Target{URL: floor.URL + bench.FloorMCPPath, Transport: bench.Streamable}, floorCall},
		{"floor/stateless", bench.Target{URL: floor.URL + bench.FloorStatelessPath, Transport: bench.Stateless}, floorCall},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			client := bench.NewClient(8)
			defer client.Close()
			cs, err := client.Connect(ctx, tc.target)
			if err != nil {
				b.Fatal(err)
			}
			defer cs.Close()
			durations := make([]time.Duration, 0, max(b.N, 1))
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				if _, err := tc.call.Invoke(ctx, cs); err != nil {
					b.Fatal(err)
				}
				durations = append(durations, time.Since(t0))
			}
			reportQuantiles(b, durations)
		})
	}
}

// startLabeled serves the bridge on a loopback port with every request under the pprof label
// side=bridge (goroutines a handler starts, such as session readers and connections to the
// backend, inherit it), and returns its base URL.
func startLabeled(b *testing.B, cfg config.Config) string {
	b.Helper()
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler), server.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(labeled("bridge", srv.Handler()))
	b.Cleanup(func() {
		_ = srv.Close() // ends the event streams, so that the listener can close
		ts.Close()
	})
	return ts.URL
}

func labeled(side string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pprof.Do(r.Context(), pprof.Labels("side", side), func(ctx context.Context) {
			h.ServeHTTP(w, r.WithContext(ctx))
		})
	})
}

func reportQuantiles(b *testing.B, durations []time.Duration) {
	if len(durations) == 0 {
		return
	}
	slices.Sort(durations)
	at := func(q float64) float64 {
		return float64(durations[min(int(q*float64(len(durations))), len(durations)-1)])
	}
	b.ReportMetric(at(0.50), "p50-ns")
	b.ReportMetric(at(0.99), "p99-ns")
}
