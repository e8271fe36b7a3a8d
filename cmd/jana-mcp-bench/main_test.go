package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/bench"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// Smoke tests: every mode for a fraction of a second against real servers, to prove the
// harness works. They check that calls were made and succeeded, never how fast.

// TestMain lets the suite start this test binary as its floor and profiling bridge, as it
// starts the harness binary in production (`<binary> floor --listen …`): a first argument
// that is not a test flag is a subcommand. Without this the binary would run the tests again.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// cli runs the program with args and decodes its JSON output into out.
func cli(t *testing.T, out any, args ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("%s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout.String())
	}
}

func checkSummary(t *testing.T, what string, s bench.Summary) {
	t.Helper()
	if s.Calls == 0 || s.Errors != 0 || s.PerSecond <= 0 || s.P50 <= 0 || s.Max < s.P99 || s.P99 < s.P50 {
		t.Errorf("%s: implausible summary %+v", what, s)
	}
}

var quick = []string{"--warmup", "100ms", "--duration", "400ms"}

func TestLoadDirectAndFloor(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	settings := map[string]string{"MCP_CACHE_ENABLED": "false", "LOG_LEVEL": "warn", "MCP_MAX_SESSIONS_PER_TOKEN": "1000"}
	stateful := testenv.StartServer(t, testenv.Config(t, sb.URL, settings))
	settings["MCP_STATELESS"] = "true"
	stateless := testenv.StartServer(t, testenv.Config(t, sb.URL, settings))

	// The floor through its own subcommand, as the suite runs it.
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"floor", "--listen", "127.0.0.1:0", "--backend", sb.URL, "--token", sb.Token},
			func(string) string { return "" }, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("floor printed no address: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	floor := strings.Fields(strings.TrimPrefix(line, "floor: "))[0]
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("floor: %v", err)
		}
	})

	ours := []string{"--token", sb.Token}
	floorTool := []string{"--tool", bench.FloorTool, "--args", ""}
	for _, tc := range []struct {
		name, url, transport string
		args                 []string
		metrics              string
	}{
		{"ours/sse", stateful.URL + "/sse", "sse", ours, ""},
		{"ours/sse-query-auth", stateful.URL + "/sse", "sse", append([]string{"--auth", "query"}, ours...), ""},
		{"ours/streamable", stateful.URL + "/mcp", "streamable", ours, stateful.URL + "/metrics"},
		{"ours/stateless", stateless.URL + "/mcp", "stateless", ours, ""},
		{"floor/sse", floor + bench.FloorSSEPath, "sse", floorTool, ""},
		{"floor/streamable", floor + bench.FloorMCPPath, "streamable", floorTool, floor + "/metrics"},
		{"floor/stateless", floor + bench.FloorStatelessPath, "stateless", floorTool, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var res struct {
				bench.LoadResult
				After *bench.Process `json:"server_after"`
			}
			args := append([]string{"load", "--url", tc.url, "--transport", tc.transport, "--sessions", "3"}, quick...)
			if tc.metrics != "" {
				args = append(args, "--metrics", tc.metrics)
			}
			cli(t, &res, append(args, tc.args...)...)
			checkSummary(t, tc.name, res.Summary)
			if res.Sessions != 3 || res.WireBytes <= 0 || res.TextBytes <= 0 {
				t.Errorf("sessions %d, wire bytes %v, text bytes %v", res.Sessions, res.WireBytes, res.TextBytes)
			}
			if tc.metrics != "" && (res.After == nil || res.After.RSS <= 0 || res.After.Goroutines <= 0) {
				t.Errorf("no server figures from /metrics: %+v", res.After)
			}
		})
	}

	t.Run("mix", func(t *testing.T) {
		mix := filepath.Join(t.TempDir(), "mix.json")
		if err := os.WriteFile(mix, []byte(`[{"tool":"list_pollutants","args":{"limit":5},"weight":3},{"tool":"get_system_health"}]`), 0o644); err != nil {
			t.Fatal(err)
		}
		var res bench.LoadResult
		cli(t, &res, append([]string{"load", "--url", stateful.URL + "/mcp", "--token", sb.Token, "--mix", mix}, quick...)...)
		checkSummary(t, "mix", res.Summary)
	})

	for _, q := range []string{"pollutants", "edgar"} {
		t.Run("direct/"+q, func(t *testing.T) {
			var res bench.DirectResult
			cli(t, &res, append([]string{"direct", "--backend", sb.URL, "--token", sb.Token, "--workers", "2", "--query", q, "--rows", "10"}, quick...)...)
			checkSummary(t, "direct "+q, res.Summary)
			if res.BodyBytes <= 0 {
				t.Errorf("no body bytes: %+v", res)
			}
		})
	}
}

func TestIdleAndCache(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	idle := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_CACHE_ENABLED": "false", "LOG_LEVEL": "warn"}))
	var res bench.IdleResult
	cli(t, &res, "idle", "--base", idle.URL, "--token", sb.Token, "--steps", "4,10", "--settle", "50ms")
	if len(res.Steps) != 2 || res.Steps[1].SSE != 5 || res.Steps[1].Streamable != 5 {
		t.Fatalf("steps: %+v", res.Steps)
	}
	if res.Answered != 10 || res.Failed != 0 {
		t.Errorf("answered %d, failed %d (%s)", res.Answered, res.Failed, res.FirstError)
	}
	if st := res.Steps[1]; st.Process.Sessions != 10 {
		t.Errorf("the server counts %v sessions, want 10", st.Process.Sessions)
	}

	cached := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_CACHE_ENABLED": "true", "LOG_LEVEL": "warn"}))
	var c bench.CacheResult
	cli(t, &c, "cache", "--url", cached.URL+"/mcp", "--sandbox", sb.URL, "--token", sb.Token,
		"--latency", "30ms", "--repeat", "200ms", "--concurrent", "8")
	if c.FirstMS < 30 || c.Repeated.Calls == 0 || c.Repeated.Errors != 0 || c.Concurrent.Calls != 8 || c.Concurrent.Errors != 0 {
		t.Errorf("cache result: %+v", c)
	}
	if c.BackendRequests != 1 {
		t.Errorf("8 identical concurrent calls made %d backend requests, want 1", c.BackendRequests)
	}
	resp, err := http.Get(sb.URL + "/__sandbox/faults")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var faults struct {
		Latency string `json:"latency"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&faults); err != nil || faults.Latency != "0s" {
		t.Errorf("the sandbox's latency was left at %q (%v)", faults.Latency, err)
	}
}

func TestNodeLoad(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	node := bench.Node{Root: root}
	if err := node.Available(); err != nil {
		if os.Getenv("JANA_MCP_REQUIRE_NODE") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"LOG_LEVEL": "warn", "MCP_CACHE_ENABLED": "false"}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := node.NodeLoad(ctx, bench.NodeLoadConfig{URL: srv.URL + "/mcp", Token: sb.Token, Sessions: 2,
		Warmup: 100 * time.Millisecond, Duration: 400 * time.Millisecond, Tool: bench.LightTool, Args: bench.LightArgs})
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, "TS client", res.Summary)
	if res.TotalCalls < int64(res.Calls) || res.ClientCPU <= 0 {
		t.Errorf("total calls %d, client CPU %s", res.TotalCalls, res.ClientCPU)
	}
}

// TestRunSmoke runs the standard set in --smoke form, subprocesses and all: what `make
// bench` does, in about half a minute.
func TestRunSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds jana-mcp and runs every server as a subprocess")
	}
	t.Parallel()
	out := filepath.Join(t.TempDir(), "benchmarks.md")
	old := "# old\n" + bench.AnalysisBegin + "\nkept words\n" + bench.AnalysisEnd + "\n"
	if err := os.WriteFile(out, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	// No budget of its own: the run is bounded by go test's -timeout, so that a busy machine
	// makes it slower, not failed.
	ctx := t.Context()
	logs := t.TempDir() // not a directory of its own in /tmp that outlives the test
	err := run(ctx, []string{"run", "--smoke", "--out", out, "--json", out + ".json", "--logs", logs}, os.Getenv, io.Discard, &stderr)
	if err != nil {
		t.Fatalf("run --smoke: %v\n%s", err, stderr.String())
	}
	report, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Smoke run", "## Targets", "## Light call per transport", "## Concurrency curve",
		"## Result size", "## Idle sessions", "## Cache", "## tools/list in process", "kept words"} {
		if !bytes.Contains(report, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	var res bench.SuiteResult
	data, err := os.ReadFile(out + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Comparisons) != 6 || len(res.Failures) != 0 {
		t.Errorf("%d comparisons, failures %v", len(res.Comparisons), res.Failures)
	}
	for _, c := range res.Comparisons {
		checkSummary(t, string(c.Transport)+" ours ×"+strconv.Itoa(c.Sessions), c.Ours)
		checkSummary(t, string(c.Transport)+" floor ×"+strconv.Itoa(c.Sessions), c.Floor)
	}
	if res.PeerSkipped == "" && len(res.Peer) == 0 {
		t.Error("neither peer figures nor a reason for skipping them")
	}
	// The bridge runs as shipped and the floor as is, whatever GOGC the test runs with; each
	// setting then has a pair of its own.
	gc := res.Collector
	if gc.FloorGOGC != 100 || gc.OursGOGC <= 0 {
		t.Fatalf("collector settings %+v", gc)
	}
	if gc.OursGOGC != gc.FloorGOGC {
		for _, c := range res.Comparisons {
			if len(c.SameGC) != 2 || c.SameGC[0].GOGC != gc.FloorGOGC || c.SameGC[1].GOGC != gc.OursGOGC {
				t.Fatalf("%s ×%d: same-setting pairs %+v", c.Transport, c.Sessions, c.SameGC)
			}
			for _, p := range c.SameGC {
				checkSummary(t, fmt.Sprintf("%s ×%d both GOGC=%d, ours", c.Transport, c.Sessions, p.GOGC), p.Ours)
				checkSummary(t, fmt.Sprintf("%s ×%d both GOGC=%d, floor", c.Transport, c.Sessions, p.GOGC), p.Floor)
			}
		}
		if res.IdleFloorGC == nil || res.IdleFloorGC.Steps[0].Process.GOGC != float64(gc.FloorGOGC) {
			t.Errorf("no idle measurement of the bridge at GOGC=%d", gc.FloorGOGC)
		}
		if !bytes.Contains(report, []byte("### The collector setting: same-setting pairs")) {
			t.Error("report lacks the same-setting pairs")
		}
	}
	for _, p := range res.Profiles {
		if len(p.AllocRows) < 2 || p.AllocRows[0].Bridge <= 0 || p.AllocRows[1].Floor <= 0 {
			t.Errorf("%s: allocation breakdown %+v", p.Transport, p.AllocRows)
		}
	}
	if res.IdleHeap == nil || res.IdleHeap.LiveMB <= 0 {
		t.Errorf("no live heap in the idle heap profile: %+v", res.IdleHeap)
	}
}
