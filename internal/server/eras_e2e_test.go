package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",` +
	`"io.modelcontextprotocol/clientInfo":{"name":"curl","version":"0"},"io.modelcontextprotocol/clientCapabilities":{}}`

// TestBothErasOnOneEndpoint: on one stateful /mcp, a client of the 2026-07-28 revision (no
// initialize, no session) is served without a session while a 2025-era client keeps its
// stateful session; 2026 requests get the revision's header validation (at 1fe6f64 the
// stateful endpoint refused 2026-07-28 with -32022).
func TestBothErasOnOneEndpoint(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	legacy := testenv.MustConnect(ctx, t, srv.URL, testenv.Streamable, sb.Token, "header")
	modern := testenv.MustConnect(ctx, t, srv.URL, testenv.Modern, sb.Token, "header")
	if v := modern.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		t.Errorf("the modern client negotiated %q", v)
	}
	if legacy.ID() == "" {
		t.Error("the 2025-era client has no session")
	}
	for _, cs := range []*mcp.ClientSession{legacy, modern, legacy, modern} {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_pollutants", Arguments: map[string]any{"limit": 2}})
		if err != nil || res.IsError {
			t.Fatalf("call: %v %v", err, res)
		}
	}
	m, _ := scrape(t, srv.URL)
	if n := m.value("jana_mcp_sessions_active", "transport", "streamable"); n != 1 {
		t.Errorf("stateful sessions: %v, want the 2025-era client's one only", n)
	}

	base := with(jsonRPCHeaders, "Authorization", "Token "+sb.Token, "MCP-Protocol-Version", "2026-07-28")
	r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(base, "Mcp-Method", "server/discover"),
		body: `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{` + modernMeta + `}}`, readStream: true})
	if r.status != http.StatusOK || r.header.Get("Mcp-Session-Id") != "" {
		t.Fatalf("server/discover: %d (session %q) %s", r.status, r.header.Get("Mcp-Session-Id"), r.body)
	}
	for _, v := range []string{`"2026-07-28"`, `"2025-11-25"`, `"2024-11-05"`} {
		if !strings.Contains(r.body, v) {
			t.Errorf("server/discover does not list %s: %s", v, r.body)
		}
	}
	// The SDK completes a 2026-07-28 result after our middleware returns it (encodedResult).
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_pollutants","arguments":{"limit":1},` + modernMeta + `}}`
	r = send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(base, "Mcp-Method", "tools/call", "Mcp-Name", "list_pollutants"),
		body: call, readStream: true})
	for _, v := range []string{`"resultType":"complete"`, `"io.modelcontextprotocol/serverInfo":{"name":"jana-mcp"`, `"structuredContent":{`, `"pollutants":[`} {
		if r.status != http.StatusOK || !strings.Contains(r.body, v) {
			t.Errorf("2026-07-28 tools/call: %d, want %s in %.600s", r.status, v, r.body)
		}
	}
	for _, c := range []struct {
		header map[string]string
		code   string
	}{
		{base, "missing required Mcp-Method header"},
		{with(base, "Mcp-Method", "tools/call"), "missing required Mcp-Name header"},
		{with(base, "Mcp-Method", "tools/list", "Mcp-Name", "x"), ""},
	} {
		body := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_pollutants","arguments":{},` + modernMeta + `}}`
		r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: c.header, body: body, readStream: true})
		if c.code != "" && (r.status != http.StatusBadRequest || !strings.Contains(r.body, c.code)) {
			t.Errorf("headers %v: %d %s, want 400 %q", c.header, r.status, r.body, c.code)
		}
		if c.code == "" && r.status == http.StatusOK {
			t.Errorf("Mcp-Method differs from the body's method, yet accepted: %s", r.body)
		}
	}
}
