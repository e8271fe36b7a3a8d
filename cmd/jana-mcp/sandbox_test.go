package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/sandbox/sandboxcfg"
)

// TestSandboxHelp: --help lists every setting with its flag's type, its default and its
// variable.
func TestSandboxHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"sandbox", "--help"}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	for _, want := range []string{
		"--addr string", `(default "127.0.0.1:8000")`, "--seed int", "--access-token-lifetime duration", "(default 15m0s)",
		"--user stringArray", "--html-503", "--retry-after int", "(default 1)", "JANA_SANDBOX_ERROR_RATES", "JANA_SANDBOX_CONFIG",
		"--print-token",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	for _, f := range sandboxcfg.Fields() {
		if !strings.Contains(help, "--"+f.Flag+" ") || !strings.Contains(help, f.Env) {
			t.Errorf("help lacks --%s or %s", f.Flag, f.Env)
		}
	}
}

// TestSandboxSettingsFromEnvironment: the command reads JANA_SANDBOX_* and names a bad one.
func TestSandboxSettingsFromEnvironment(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	env := map[string]string{"JANA_SANDBOX_SEED": "5"}
	if err := run(context.Background(), []string{"sandbox", "--print-token"}, func(k string) string { return env[k] }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out.String()), sandbox.DefaultToken(5, "demo"); got != want {
		t.Errorf("printed %q, want the token of seed 5, %q", got, want)
	}
	env["JANA_SANDBOX_RETRY_AFTER"] = "-1"
	err := run(context.Background(), []string{"sandbox", "--print-token"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), "JANA_SANDBOX_RETRY_AFTER: ") {
		t.Errorf("a bad JANA_SANDBOX_RETRY_AFTER: %v", err)
	}
}

func TestSandboxPrintToken(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"sandbox", "--print-token", "--seed", "5"}, func(string) string { return "" }, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out.String()), sandbox.DefaultToken(5, "demo"); got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}

// syncWriter lets the test read the command's log while it runs.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestSandboxRunsUntilCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncWriter
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--seed", "3"}, func(string) string { return "" }, io.Discard, &logs)
	}()
	ready := regexp.MustCompile(`msg="sandbox ready" addr=(http://\S+) .*rss_mb=`)
	// No deadline of its own: on a busy machine start-up takes what it takes (go test's
	// -timeout still bounds it).
	var base string
	for ; base == ""; time.Sleep(20 * time.Millisecond) {
		if m := ready.FindStringSubmatch(logs.String()); m != nil {
			base = m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("exited early: %v\n%s", err, logs.String())
		default:
		}
	}
	resp, err := http.Get(base + "/api/v1/esg/health/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run returned %v after cancellation, want nil", err)
	}
	if !strings.Contains(logs.String(), "sandbox stopped") {
		t.Errorf("no stop line:\n%s", logs.String())
	}
}
