package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// sandboxOpts parses args and env into options the way the command does.
func sandboxOpts(t *testing.T, args []string, env map[string]string) (sandboxOptions, error) {
	t.Helper()
	cmd := newSandboxCommand(func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatalf("parse flags: %v", err)
	}
	v, err := loadSandboxConfig(cmd, func(k string) string { return env[k] })
	if err != nil {
		return sandboxOptions{}, err
	}
	return sandboxOptionsFrom(v, io.Discard)
}

func TestSandboxConfigPrecedence(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "sandbox.yaml")
	if err := os.WriteFile(file, []byte(`
seed: 11
latency: 5ms
retry_after: 9
error_rates: {503: 0.25, 500: 0.5}
slow: {sector_totals: 2s}
rename_params: {country_code: country_iso3}
access_token_lifetime: 2m
users:
  - {username: alice, password: pw-a, email: alice@example.org}
  - bob:pw-b:bobtoken
  - carol:pw-c::carol@example.org
allowed_hosts: [localhost, web]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"JANA_SANDBOX_CONFIG":          file,
		"JANA_SANDBOX_SEED":            "12",      // env beats file
		"JANA_SANDBOX_RETRY_AFTER":     "4",       // env beats file
		"JANA_SANDBOX_LATENCY":         "7ms",     // flag beats env
		"JANA_SANDBOX_HTML_503":        "true",    // env only
		"JANA_SANDBOX_ERROR_RATES":     "429=0.1", // flag beats env
		"JANA_SANDBOX_DEVICE_INTERVAL": "1s",      // env only
	}
	o, err := sandboxOpts(t, []string{"--latency", "3ms", "--error-rate", "502=0.2", "--error-rate", "503=0.3"}, env)
	if err != nil {
		t.Fatal(err)
	}
	got := o.cfg
	got.Logger = nil
	want := sandbox.Config{
		Seed: 12, Latency: 3 * time.Millisecond,
		AccessTokenLifetime: 2 * time.Minute, RefreshTokenLifetime: sandbox.DefaultRefreshTokenLifetime,
		DeviceCodeLifetime: sandbox.DefaultDeviceCodeLifetime, DeviceInterval: time.Second,
		Faults:       sandbox.FaultConfig{ErrorRates: map[int]float64{502: 0.2, 503: 0.3}, RetryAfter: 4, HTML503: true},
		Slow:         map[string]time.Duration{"sector_totals": 2 * time.Second},
		RenameParams: map[string]string{"country_code": "country_iso3"},
		Users: []sandbox.User{{Username: "alice", Password: "pw-a", Email: "alice@example.org"}, {Username: "bob", Password: "pw-b", Token: "bobtoken"},
			{Username: "carol", Password: "pw-c", Email: "carol@example.org"}},
		AllowedHosts: []string{"localhost", "web"},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b func(sandbox.Event)) bool { return a == nil && b == nil })); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if o.addr != "127.0.0.1:8000" {
		t.Errorf("default addr %q", o.addr)
	}
}

func TestSandboxConfigDefaults(t *testing.T) {
	t.Parallel()
	o, err := sandboxOpts(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:8000" || o.cfg.Seed != 0 || len(o.cfg.Users) != 0 ||
		o.cfg.Faults.RetryAfter != 1 || o.cfg.Faults.ErrorRates != nil {
		t.Errorf("defaults: %+v %+v", o.addr, o.cfg)
	}
}

func TestSandboxConfigErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		key  string
	}{
		{"bad seed", nil, map[string]string{"JANA_SANDBOX_SEED": "many"}, "seed"},
		{"bad latency", []string{"--latency", "-1s"}, nil, "latency"},
		{"bad rate", []string{"--error-rate", "503=2"}, nil, "error_rates"},
		{"bad status", nil, map[string]string{"JANA_SANDBOX_ERROR_RATES": "oops=0.1"}, "error_rates"},
		{"bad slow", []string{"--slow", "sector_totals=soon"}, nil, "slow"},
		{"bad user", []string{"--user", "nopassword"}, nil, "users"},
		{"bad bool", nil, map[string]string{"JANA_SANDBOX_HTML_503": "sometimes"}, "html_503"},
		{"remote without flag", []string{"--addr", "0.0.0.0:8000"}, nil, "addr"},
		{"bad log level", []string{"--log-level", "loud"}, nil, "log_level"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sandboxOpts(t, tc.args, tc.env)
			if err == nil || !strings.Contains(err.Error(), "invalid "+tc.key+" ") {
				t.Errorf("error %v, want one naming %s", err, tc.key)
			}
		})
	}
	if _, err := sandboxOpts(t, []string{"--addr", "0.0.0.0:8000", "--allow-remote"}, nil); err != nil {
		t.Errorf("--allow-remote refused: %v", err)
	}
	if _, err := sandboxOpts(t, []string{"--user", "eve:hunter2"}, nil); err != nil {
		t.Errorf("valid user refused: %v", err)
	}
	_, err := sandboxOpts(t, []string{"--user", "eve"}, nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v", err)
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
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := ready.FindStringSubmatch(logs.String()); m != nil {
			base = m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("exited early: %v\n%s", err, logs.String())
		default:
		}
	}
	if base == "" {
		t.Fatalf("never ready:\n%s", logs.String())
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
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after cancellation, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop after cancellation")
	}
	if !strings.Contains(logs.String(), "sandbox stopped") {
		t.Errorf("no stop line:\n%s", logs.String())
	}
}
