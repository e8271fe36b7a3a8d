package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/testenv/syncbuf"
)

// slowResult is the outcome of a tool call made in the background.
type slowResult struct {
	res *mcp.CallToolResult
	err error
}

func callInBackground(ctx context.Context, cs *mcp.ClientSession, tool string, args map[string]any) <-chan slowResult {
	done := make(chan slowResult, 1)
	go func() {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
		done <- slowResult{res, err}
	}()
	return done
}

// TestShutdownDeliversAnswers: a call in flight when shutdown starts gets its answer before
// its stream or session is closed, on every transport, round after round. (The SDK writes an
// answer after the call returns: shutdown must wait for the write, not for the return.) The
// client is raw HTTP, so that what is checked is the order of the server's writes.
func TestShutdownDeliversAnswers(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{testenv.SSE, testenv.Streamable} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			sb := testenv.StartSandbox(t, sandbox.Config{Slow: map[string]time.Duration{"sector_totals": 100 * time.Millisecond}})
			for round := range 10 {
				srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_CACHE_ENABLED": "false", "LOG_LEVEL": "warn"}))
				started := sb.Started("/sector_totals/")
				answer := make(chan bool, 1)
				if transport == testenv.SSE {
					s, post := sseSession(t, srv.URL, "?token="+sb.Token, nil)
					send(t, request{method: http.MethodPost, url: post, header: map[string]string{"Content-Type": "application/json"},
						body: toolCall(7, "emissions_by_sector", slowArgs)})
					go func() {
						data, ok := s.message(10*time.Second, 7)
						answer <- ok && !strings.Contains(data, `"isError":true`)
					}()
				} else {
					h := mcpSession(t, srv.URL, map[string]string{"Authorization": "Token " + sb.Token})
					go func() {
						r, err := trySend(request{method: http.MethodPost, url: srv.URL + "/mcp", header: h, body: toolCall(7, "emissions_by_sector", slowArgs)})
						answer <- err == nil && r.status == http.StatusOK
					}()
				}
				if !eventually(10*time.Second, func() bool { return sb.Started("/sector_totals/") > started }) {
					t.Fatal("the call never reached the sandbox")
				}
				if err := srv.Stop(); err != nil {
					t.Errorf("round %d: shutdown: %v", round, err)
				}
				if !<-answer {
					t.Errorf("round %d: the call in flight at shutdown got no answer", round)
				}
			}
		})
	}
}

// TestShutdownDeadline: calls still running at MCP_SHUTDOWN_TIMEOUT are cancelled, their
// backend requests abandoned, and shutdown completes instead of waiting for them.
func TestShutdownDeadline(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe, Slow: map[string]time.Duration{"sector_totals": 20 * time.Second}})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_CACHE_ENABLED": "false", "MCP_SHUTDOWN_TIMEOUT": "1s", "JANA_TIMEOUT": "60s",
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var calls []<-chan slowResult
	for _, transport := range []string{testenv.SSE, testenv.Streamable} {
		cs := testenv.MustConnect(ctx, t, srv.URL, transport, sb.Token, "header")
		calls = append(calls, callInBackground(ctx, cs, "emissions_by_sector", slowArgs))
	}
	if !eventually(10*time.Second, func() bool { return sb.Started("/sector_totals/") == 2 }) {
		t.Fatal("the calls never reached the sandbox")
	}
	start := time.Now()
	if err := srv.Stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("shutdown took %v with MCP_SHUTDOWN_TIMEOUT=1s and calls of 20 s", d)
	}
	if !eventually(5*time.Second, func() bool { return cancelledCount(rec, "sector_totals") == 2 }) {
		t.Errorf("the sandbox did not see both requests cancelled: %+v", rec.all())
	}
	for _, c := range calls {
		r := <-c
		if r.err == nil {
			t.Errorf("a call cut by the shutdown deadline got a result, want a JSON-RPC error: %v", r.res)
		} else if !strings.Contains(r.err.Error(), "restarting") || !strings.Contains(r.err.Error(), "Retry") {
			t.Errorf("a call cut by the shutdown deadline: %v, want the error saying the server is restarting", r.err)
		}
	}
	if !strings.Contains(srv.Logs.String(), "shutdown deadline reached with tool calls still running") {
		t.Error("the cut calls were not logged")
	}
}

// binary builds cmd/jana-mcp once per test binary.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "jana-mcp-test")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "jana-mcp")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "build", "-o", path, "github.com/janaplatform/jana-mcp/cmd/jana-mcp").CombinedOutput()
	if err != nil {
		return "", errors.New(string(out))
	}
	return path, nil
})

// process is a running `jana-mcp serve`.
type process struct {
	cmd    *exec.Cmd
	url    string
	output *syncbuf.Buffer // stdout and stderr
	exited chan error
}

// startServe runs the real binary against backendURL with env settings, on a free port it
// reads back from the "serving" log line.
func startServe(t *testing.T, backendURL string, settings map[string]string) *process {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatalf("building jana-mcp: %v", err)
	}
	env := []string{"JANA_BACKEND_URL=" + backendURL, "MCP_SERVER_HOST=127.0.0.1", "MCP_SERVER_PORT=0", "LOG_LEVEL=info"}
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	out := &syncbuf.Buffer{}
	cmd.Stdout = out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, output: out, exited: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			_, _ = out.Write([]byte(line + "\n"))
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "serving" {
				addr <- l.Addr
			}
		}
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
	})
	select {
	case a := <-addr:
		p.url = "http://" + a
	case err := <-p.exited:
		t.Fatalf("jana-mcp exited before serving: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("jana-mcp did not start serving\n%s", out.String())
	}
	return p
}

// TestGracefulShutdown runs the real binary and sends it SIGTERM (or SIGINT) while tool calls
// are in flight: readiness turns 503 at once, new sessions and calls are refused, the calls in
// flight finish and get their answers, idle streams are closed by the server, and the process
// exits 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			sb := testenv.StartSandbox(t, sandbox.Config{Slow: map[string]time.Duration{"sector_totals": 2 * time.Second}})
			p := startServe(t, sb.URL, map[string]string{"MCP_SHUTDOWN_TIMEOUT": "10s", "MCP_CACHE_ENABLED": "false"})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()

			if r := send(t, request{method: http.MethodGet, url: p.url + "/ready"}); r.status != http.StatusOK {
				t.Fatalf("/ready before shutdown: %d %s", r.status, r.body)
			}
			sse := testenv.MustConnect(ctx, t, p.url, testenv.SSE, sb.Token, "query")
			streamable := testenv.MustConnect(ctx, t, p.url, testenv.Streamable, sb.Token, "header")
			idle := testenv.MustConnect(ctx, t, p.url, testenv.Streamable, sb.Token, "header")
			stream, r := openStream(t, p.url+"/sse?token="+sb.Token, nil)
			if stream == nil {
				t.Fatalf("GET /sse: %d %s", r.status, r.body)
			}
			calls := []<-chan slowResult{
				callInBackground(ctx, sse, "emissions_by_sector", slowArgs),
				callInBackground(ctx, streamable, "emissions_by_sector", map[string]any{"country_codes": []string{"IND"}}),
			}
			if !eventually(10*time.Second, func() bool { return sb.Started("/sector_totals/") == 2 }) {
				t.Fatal("the calls never reached the sandbox")
			}
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}

			// Draining: readiness fails at once, nothing new is taken on.
			if !eventually(2*time.Second, func() bool {
				r, err := trySend(request{method: http.MethodGet, url: p.url + "/ready"})
				return err == nil && r.status == http.StatusServiceUnavailable && strings.Contains(r.body, "draining")
			}) {
				t.Error("/ready did not turn 503 while draining")
			}
			for _, req := range []request{
				{method: http.MethodGet, url: p.url + "/sse?token=" + sb.Token},
				{method: http.MethodPost, url: p.url + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Token "+sb.Token), body: initialize},
			} {
				r, err := trySend(req)
				if err != nil {
					t.Errorf("%s %s while draining: %v (the listener must stay open until the calls end)", req.method, req.url, err)
				} else if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "shutting_down") {
					t.Errorf("new session while draining: %d %s, want 503 shutting_down", r.status, r.body)
				}
			}
			if res, err := idle.CallTool(ctx, &mcp.CallToolParams{Name: "list_pollutants", Arguments: map[string]any{}}); err != nil || !res.IsError ||
				!strings.Contains(testenv.Text(res), "shutting down") {
				t.Errorf("a new call while draining: %v %v", err, res)
			}

			// The calls in flight finish and are answered.
			for i, c := range calls {
				r := <-c
				if r.err != nil || r.res.IsError {
					t.Errorf("call %d in flight at %v: %v %v", i, sig, r.err, r.res)
				}
			}
			if !stream.ended(10 * time.Second) {
				t.Error("the server did not close the idle SSE stream")
			}
			select {
			case err := <-p.exited:
				if err != nil {
					t.Errorf("exit after %v: %v\n%s", sig, err, p.output.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("jana-mcp did not exit after %v\n%s", sig, p.output.String())
			}
			logs := p.output.String()
			if !strings.Contains(logs, `"msg":"shut down"`) || strings.Contains(logs, "still running") {
				t.Errorf("shutdown log:\n%s", logs)
			}
			if strings.Contains(logs, sb.Token) {
				t.Error("the process wrote the token")
			}
		})
	}
}
