package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// TestHTTPSurface checks the routes around the MCP endpoints: health, readiness, nothing
// under /.well-known (OAuth discovery would make Cursor drop configured headers), and the
// legacy SSE handshake pointing at /messages.
func TestHTTPSurface(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))

	status, _, body := get(t, srv.URL+"/health", nil)
	var health struct{ Status, Version string }
	if status != 200 || json.Unmarshal([]byte(body), &health) != nil || health.Status != "ok" || health.Version == "" {
		t.Errorf("/health: %d %s", status, body)
	}
	if status, _, body := get(t, srv.URL+"/ready", nil); status != 200 || !strings.Contains(body, `"ready"`) {
		t.Errorf("/ready: %d %s", status, body)
	}
	for _, p := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server",
		"/.well-known/oauth-protected-resource/mcp", "/.well-known/openid-configuration", "/register", "/authorize"} {
		if status, _, body := get(t, srv.URL+p, nil); status != http.StatusNotFound {
			t.Errorf("%s: %d %s, want 404", p, status, body)
		}
	}
	if status, _, _ := do(t, http.MethodPost, srv.URL+"/sse?token="+sb.Token, jsonRPCHeaders, initialize); status == 200 || status == 401 {
		t.Errorf("POST /sse: %d; mcp-remote falls back to SSE only on 404/405", status)
	}

	// The legacy handshake: the first event names /messages?session_id=….
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/sse?token="+sb.Token, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" || resp.Header.Get("X-Accel-Buffering") != "no" || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("SSE headers: %v", resp.Header)
	}
	sc := bufio.NewScanner(resp.Body)
	var lines []string
	for sc.Scan() && len(lines) < 2 {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 2 || lines[0] != "event: endpoint" || !strings.HasPrefix(lines[1], "data: /messages?session_id=") {
		t.Errorf("first event: %q", lines)
	}
	if strings.Contains(strings.Join(lines, ""), sb.Token) {
		t.Error("the endpoint event repeats the token")
	}
	if status, _, body := do(t, http.MethodPost, srv.URL+"/messages?session_id=nope", jsonRPCHeaders, initialize); status != http.StatusNotFound {
		t.Errorf("POST to an unknown SSE session: %d %s", status, body)
	}
}

// TestStreamableSessions: unknown sessions are 404, DELETE ends a session, an unsupported
// MCP-Protocol-Version is 400, and idle sessions expire.
func TestStreamableSessions(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_SESSION_TIMEOUT": "1s"}))
	auth := with(jsonRPCHeaders, "Authorization", "Token "+sb.Token)
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`

	open := func() string {
		status, h, body := do(t, http.MethodPost, srv.URL+"/mcp", auth, initialize)
		if status != 200 || h.Get("Mcp-Session-Id") == "" {
			t.Fatalf("initialize: %d %s", status, body)
		}
		return h.Get("Mcp-Session-Id")
	}
	sid := open()
	session := with(auth, "Mcp-Session-Id", sid, "MCP-Protocol-Version", "2025-06-18")
	if status, _, body := do(t, http.MethodPost, srv.URL+"/mcp", session, list); status != 200 || !strings.Contains(body, "get_air_quality") {
		t.Errorf("tools/list in the session: %d %.200s", status, body)
	}
	if status, _, _ := do(t, http.MethodPost, srv.URL+"/mcp", with(session, "MCP-Protocol-Version", "1999-01-01"), list); status != http.StatusBadRequest {
		t.Errorf("unsupported MCP-Protocol-Version: %d, want 400", status)
	}
	if status, _, _ := do(t, http.MethodPost, srv.URL+"/mcp", with(session, "Mcp-Session-Id", "unknown"), list); status != http.StatusNotFound {
		t.Errorf("unknown session: %d, want 404", status)
	}
	if status, _, _ := do(t, http.MethodDelete, srv.URL+"/mcp", session, ""); status != http.StatusNoContent {
		t.Errorf("DELETE: %d, want 204", status)
	}
	if status, _, _ := do(t, http.MethodPost, srv.URL+"/mcp", session, list); status != http.StatusNotFound {
		t.Errorf("deleted session: %d, want 404", status)
	}

	idle := with(auth, "Mcp-Session-Id", open(), "MCP-Protocol-Version", "2025-06-18")
	time.Sleep(2 * time.Second)
	if status, _, _ := do(t, http.MethodPost, srv.URL+"/mcp", idle, list); status != http.StatusNotFound {
		t.Errorf("session idle past MCP_SESSION_TIMEOUT: %d, want 404", status)
	}
}
