package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// refreshes counts the sandbox's token refreshes, by status.
type refreshes struct {
	mu       sync.Mutex
	byStatus map[int]int
}

func (r *refreshes) observe(e sandbox.Event) {
	if e.OperationID != "auth_refresh_create" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byStatus == nil {
		r.byStatus = map[int]int{}
	}
	r.byStatus[e.Status]++
}

func (r *refreshes) counts() (ok, refused int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for status, n := range r.byStatus {
		if status == http.StatusOK {
			ok += n
		} else {
			refused += n
		}
	}
	return ok, refused
}

// TestTypeScriptOAuthClient drives the official TypeScript SDK client's OAuth support
// (test/node/oauth-client.mjs: an OAuthClientProvider that signs in on the server's page as a
// user would) against a server in MCP_AUTH_MODE=oauth and the sandbox, with Jana access tokens
// of 5 s and the server's own of 4 s: the client discovers, registers, signs in (email and
// password over Streamable HTTP; Jana's device-code flow over legacy SSE), lists and calls
// tools for 16 s — the server refreshing the user's Jana tokens itself, the client refreshing
// its own on 401 — and after a revocation (of its refresh token at the server; of the sign-in
// at Jana) its calls are refused and it is sent back to sign in.
func TestTypeScriptOAuthClient(t *testing.T) {
	nodeBin := node(t)
	t.Parallel()
	for _, tc := range []struct{ name, transport, signin, revoke string }{
		{"streamable http, password, refresh token revoked", "http", "password", "token"},
		{"legacy sse, device code, revoked at Jana", "sse", "device", "jana"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &refreshes{}
			sb := testenv.StartSandbox(t, sandbox.Config{AccessTokenLifetime: 5 * time.Second, DeviceInterval: time.Second, Observer: rec.observe})
			// No response cache: every call reaches Jana with the token of the moment.
			srv := testenv.StartOAuthServer(t, sb, map[string]string{"MCP_OAUTH_ACCESS_TOKEN_TTL": "4s", "MCP_CACHE_ENABLED": "false"}, server.Options{})
			out, err := run(t, 4*time.Minute, nodeBin, "test/node/oauth-client.mjs", "--base", srv.URL, "--sandbox", sb.URL,
				"--transport", tc.transport, "--signin", tc.signin, "--duration", "16", "--revoke", tc.revoke)
			if err != nil {
				t.Fatalf("oauth-client.mjs: %v\n%s", err, out)
			}
			checks := map[string]map[string]any{}
			for _, line := range strings.Split(out, "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) == nil && m["check"] != nil {
					checks[m["check"].(string)] = m
				}
			}
			for _, c := range []string{"signin", "tools", "calls", "revoke", "refused after revocation"} {
				if checks[c]["ok"] != true {
					t.Errorf("check %q: %v", c, checks[c])
				}
			}
			if saves, _ := checks["calls"]["tokenSaves"].(float64); saves < 2 {
				t.Errorf("the client saved tokens %v times: it never refreshed the server's 4 s tokens", saves)
			}
			if ok, refused := rec.counts(); ok < 2 || refused > 1 {
				// One refusal is the revocation at Jana, noticed by the server's refresh.
				t.Errorf("Jana refreshes: %d accepted, %d refused; want the server to refresh the user's 5 s tokens several times", ok, refused)
			}
			if strings.Contains(srv.Logs.String(), "jmcp_at_") || strings.Contains(srv.Logs.String(), "jmcp_rt_") {
				t.Error("the server logged one of its tokens")
			}
			t.Logf("%s\n%v\n%v", tc.name, checks["calls"], checks["refused after revocation"])
		})
	}
}
