package testenv

import (
	"net"
	"strings"
	"testing"

	"github.com/janaplatform/jana-mcp/internal/server"
)

// OAuthKey is the MCP_OAUTH_KEY of test servers in MCP_AUTH_MODE=oauth.
const OAuthKey = "test-oauth-key-0123456789abcdef-0123456789"

// StartOAuthServer serves a server in MCP_AUTH_MODE=oauth in front of sb, with settings on top
// of the test defaults: its MCP_PUBLIC_URL (the OAuth issuer and resource) is the loopback
// address it listens on.
func StartOAuthServer(t testing.TB, sb *Sandbox, settings map[string]string, opts server.Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	env := map[string]string{"MCP_AUTH_MODE": "oauth", "MCP_PUBLIC_URL": url, "MCP_OAUTH_KEY": OAuthKey}
	for k, v := range settings {
		env[k] = v
	}
	cfg := Config(t, sb.URL, env)
	if strings.TrimSuffix(cfg.Transport.PublicURL.String(), "/") != url {
		t.Fatalf("MCP_PUBLIC_URL %s is not where the server listens (%s)", cfg.Transport.PublicURL, url)
	}
	return StartServerOn(t, ln, cfg, opts)
}
