package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/testenv/syncbuf"
)

// TestDemoServesEveryTool runs `jana-mcp demo` in-process (what `make demo` runs), follows the
// configuration it prints, and calls tools over both transports with the printed JWT and the
// printed DRF token.
func TestDemoServesEveryTool(t *testing.T) {
	env := map[string]string{"MCP_SERVER_PORT": "0", "LOG_LEVEL": "warn"}
	stdout := &syncbuf.Buffer{}
	stderr := &syncbuf.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"demo"}, func(k string) string { return env[k] }, stdout, stderr) }()

	base := regexp.MustCompile(`MCP server\s+(http://127\.0\.0\.1:\d+)`)
	token := regexp.MustCompile(`Demo token\s+([0-9a-f]{40})`)
	jwtLine := regexp.MustCompile(`Demo JWT\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`)
	var url, tok, jwt string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := base.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
			tok = token.FindStringSubmatch(stdout.String())[1]
			if m := jwtLine.FindStringSubmatch(stdout.String()); m != nil {
				jwt = m[1]
			}
			break
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("demo printed no address:\n%s\n%s", stdout.String(), stderr.String())
	}
	if want := sandbox.DemoTokenFor(sandbox.Config{}); tok != want {
		t.Errorf("demo token %s, want the sandbox's %s", tok, want)
	}
	if jwt == "" {
		t.Fatalf("demo printed no JWT:\n%s", stdout.String())
	}
	for _, snippet := range []string{`"url": "` + url + `/mcp", "headers": {"Authorization": "Token ` + tok, url + "/sse?token=" + tok,
		`"url": "` + url + `/mcp", "headers": {"Authorization": "Bearer ` + jwt, url + "/sse?token=" + jwt,
		"claude mcp add --transport http jana " + url + "/mcp --header \"Authorization: Bearer " + jwt,
		"claude mcp add --transport http jana " + url + "/mcp", "claude mcp add --transport sse", `"mcp-remote", "` + url + `/mcp"`,
		"it works while this demo runs", `"email": "demo@jana.example"`, "/device/"} {
		if !strings.Contains(stdout.String(), snippet) {
			t.Errorf("printed configuration lacks %q", snippet)
		}
	}

	callCtx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	for _, tr := range []struct{ transport, auth, token string }{
		{testenv.SSE, "query", tok}, {testenv.Streamable, "header", tok},
		{testenv.SSE, "query", jwt}, {testenv.Streamable, "bearer", jwt},
	} {
		cs := testenv.MustConnect(callCtx, t, url, tr.transport, tr.token, tr.auth)
		list, err := cs.ListTools(callCtx, nil)
		if err != nil || len(list.Tools) < 14 {
			t.Fatalf("%s: tools/list: %v (%d tools)", tr.transport, err, len(list.Tools))
		}
		for _, name := range []string{"get_air_quality", "get_emissions", "find_nearby", "get_trends", "get_data_summary", "get_system_health"} {
			if !hasTool(list.Tools, name) {
				t.Errorf("%s: demo lacks %s", tr.transport, name)
			}
		}
		res, err := cs.CallTool(callCtx, &mcp.CallToolParams{Name: "get_data_summary", Arguments: map[string]any{}})
		if err != nil || res.IsError {
			t.Errorf("%s: get_data_summary: %v %s", tr.transport, err, testenv.Text(res))
		}
		cs.Close()
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo did not stop cleanly: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("demo did not stop")
	}
}

func hasTool(list []*mcp.Tool, name string) bool {
	for _, t := range list {
		if t.Name == name {
			return true
		}
	}
	return false
}
