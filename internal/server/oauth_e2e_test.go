package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/janaplatform/jana-mcp/internal/oauth"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// getJSON fetches u and decodes its JSON body into a map.
func getJSON(t *testing.T, u string) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, resp.Header, m
}

func strs(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestOAuthDiscoveryDocuments checks the discovery documents against the RFCs' required
// fields and against what the go-sdk's OAuth client validates: Protected Resource Metadata
// (RFC 9728 §2, §3.3: resource is the URL the document describes, the authorization server is
// this server) at the root and for /mcp and /sse; Authorization Server Metadata (RFC 8414 §2,
// §3.3: the issuer is the URL the document is at; authorization and token endpoints;
// response_types_supported) with PKCE S256 only, refresh tokens, registration, revocation and
// client ID metadata documents; and the 401 of each MCP endpoint pointing at its document.
func TestOAuthDiscoveryDocuments(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartOAuthServer(t, sb, nil, server.Options{})
	base := srv.URL
	ctx := context.Background()

	for _, endpoint := range []string{"", "/mcp", "/sse"} {
		status, h, m := getJSON(t, base+"/.well-known/oauth-protected-resource"+endpoint)
		if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Fatalf("PRM %q: %d %s", endpoint, status, h.Get("Content-Type"))
		}
		if m["resource"] != base+endpoint {
			t.Errorf("PRM %q: resource %v, want %s (RFC 9728 §3.3)", endpoint, m["resource"], base+endpoint)
		}
		if as := strs(m["authorization_servers"]); len(as) != 1 || as[0] != base {
			t.Errorf("PRM %q: authorization_servers %v, want [%s]", endpoint, as, base)
		}
		if sc := strs(m["scopes_supported"]); !slices.Equal(sc, []string{oauth.Scope}) {
			t.Errorf("PRM %q: scopes_supported %v", endpoint, sc)
		}
		if bm := strs(m["bearer_methods_supported"]); !slices.Equal(bm, []string{"header"}) {
			t.Errorf("PRM %q: bearer_methods_supported %v, want header only", endpoint, bm)
		}
		if h.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("PRM %q: not readable by browser-based clients (CORS)", endpoint)
		}
		// What the go-sdk client checks before it trusts the document.
		prm, err := oauthex.GetProtectedResourceMetadata(ctx, base+"/.well-known/oauth-protected-resource"+endpoint, base+endpoint, http.DefaultClient)
		if err != nil || prm.AuthorizationServers[0] != base {
			t.Errorf("PRM %q refused by the go-sdk: %v", endpoint, err)
		}
	}
	if status, _, _ := getJSON(t, base+"/.well-known/oauth-protected-resource/messages"); status != http.StatusNotFound {
		t.Errorf("PRM of a path that is no MCP endpoint: %d, want 404", status)
	}

	status, _, m := getJSON(t, base+"/.well-known/oauth-authorization-server")
	if status != http.StatusOK {
		t.Fatalf("AS metadata: %d", status)
	}
	want := map[string]string{
		"issuer": base, "authorization_endpoint": base + oauth.PathAuthorize, "token_endpoint": base + oauth.PathToken,
		"registration_endpoint": base + oauth.PathRegister, "revocation_endpoint": base + oauth.PathRevoke,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("AS metadata %s: %v, want %s", k, m[k], v)
		}
	}
	for k, v := range map[string][]string{
		"response_types_supported":         {"code"},
		"code_challenge_methods_supported": {"S256"},
		"grant_types_supported":            {"authorization_code", "refresh_token"},
		"scopes_supported":                 {oauth.Scope},
	} {
		if got := strs(m[k]); !slices.Equal(got, v) {
			t.Errorf("AS metadata %s: %v, want %v", k, got, v)
		}
	}
	if methods := strs(m["token_endpoint_auth_methods_supported"]); !slices.Contains(methods, "none") {
		t.Errorf("token_endpoint_auth_methods_supported %v lacks none (public clients)", methods)
	}
	if m["client_id_metadata_document_supported"] != true || m["authorization_response_iss_parameter_supported"] != true {
		t.Errorf("AS metadata: CIMD %v, iss %v, want both true", m["client_id_metadata_document_supported"], m["authorization_response_iss_parameter_supported"])
	}
	if _, ok := m["jwks_uri"]; ok {
		t.Error("jwks_uri is published, but tokens are opaque: there are no keys to publish")
	}
	asm, err := auth.GetAuthServerMetadata(ctx, base, http.DefaultClient)
	if err != nil || asm == nil || asm.Issuer != base {
		t.Errorf("AS metadata refused by the go-sdk: %v %v", asm, err)
	}
	// No OpenID provider here: both SDK clients try RFC 8414 first and stop there.
	if status, _, _ := getJSON(t, base+"/.well-known/openid-configuration"); status != http.StatusNotFound {
		t.Errorf("openid-configuration: %d, want 404", status)
	}

	// Each MCP endpoint's 401 sends clients to its resource metadata (RFC 9728 §5.1), with
	// the scope to ask for; error="invalid_token" only when a token was presented (RFC 6750 §3.1).
	for _, tc := range []struct {
		method, path, endpoint, token string
	}{
		{http.MethodPost, "/mcp", "/mcp", ""},
		{http.MethodPost, "/mcp", "/mcp", "jmcp_at_madeup"},
		{http.MethodGet, "/sse", "/sse", ""},
		{http.MethodGet, "/sse", "/sse", "not-one-of-ours"},
	} {
		h := jsonRPCHeaders
		if tc.token != "" {
			h = with(h, "Authorization", "Bearer "+tc.token)
		}
		r := send(t, request{method: tc.method, url: base + tc.path, header: h, body: initialize})
		cs, err := oauthex.ParseWWWAuthenticate(r.header.Values("WWW-Authenticate"))
		if r.status != http.StatusUnauthorized || err != nil || len(cs) != 1 || cs[0].Scheme != "bearer" {
			t.Fatalf("%s %s token %q: %d %v %v", tc.method, tc.path, tc.token, r.status, r.header.Values("WWW-Authenticate"), err)
		}
		p := cs[0].Params
		if p["resource_metadata"] != base+"/.well-known/oauth-protected-resource"+tc.endpoint || p["scope"] != oauth.Scope {
			t.Errorf("%s %s: challenge %v", tc.method, tc.path, p)
		}
		if wantErr := map[bool]string{true: "invalid_token", false: ""}[tc.token != ""]; p["error"] != wantErr {
			t.Errorf("%s %s token %q: error=%q, want %q", tc.method, tc.path, tc.token, p["error"], wantErr)
		}
		e := r.errorBody(t)
		if tc.token == "" && e.Code != "sign_in_required" || tc.token != "" && e.Code != "token_refused" {
			t.Errorf("%s %s: code %q", tc.method, tc.path, e.Code)
		}
	}
}

// TestHeaderModesPublishNoOAuth: in the header modes (user, service, user-or-service) nothing
// under /.well-known/ answers 200, the authorization server's paths do not exist, and no
// WWW-Authenticate names resource metadata — Cursor drops configured headers as soon as a
// server offers OAuth discovery.
func TestHeaderModesPublishNoOAuth(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	for _, mode := range []string{"user", "service", "user-or-service"} {
		srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_AUTH_MODE": mode,
			"JANA_USERNAME": sandbox.DefaultUsername, "JANA_PASSWORD": sandbox.DefaultPassword}))
		for _, p := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp",
			"/.well-known/oauth-protected-resource/sse", "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
			"/.well-known/", "/.well-known/anything", oauth.PathAuthorize, oauth.PathRegister} {
			r := send(t, request{method: http.MethodGet, url: srv.URL + p})
			if r.status == http.StatusOK || r.status/100 == 3 {
				t.Errorf("%s mode: GET %s answered %d", mode, p, r.status)
			}
		}
		r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Bearer nope"), body: initialize})
		for _, v := range r.header.Values("WWW-Authenticate") {
			if strings.Contains(v, "resource_metadata") {
				t.Errorf("%s mode: WWW-Authenticate %q names resource metadata", mode, v)
			}
		}
	}
}

// TestOAuthSignInWithPassword: a client registers, the user signs in with email and password
// on the sign-in page, the client redeems the code and calls tools as that user on /mcp and
// /sse; the caller is the Jana user (a key from Jana's user id, not a token), and neither the
// server's tokens nor Jana's appear in its logs.
func TestOAuthSignInWithPassword(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	srv := testenv.StartOAuthServer(t, sb, nil, server.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	c := register(t, srv.URL, "http://127.0.0.1:9/callback")
	tokens := c.signedInDemo()
	if tokens.ExpiresIn != 3600 || tokens.Scope != oauth.Scope || tokens.header.Get("Cache-Control") != "no-store" {
		t.Errorf("token answer: expires_in %d, scope %q, Cache-Control %q", tokens.ExpiresIn, tokens.Scope, tokens.header.Get("Cache-Control"))
	}
	for _, transport := range []string{testenv.Streamable, testenv.SSE} {
		cs, err := connectBearer(ctx, t, srv.URL, transport, tokens.AccessToken)
		if err != nil {
			t.Fatalf("%s: %v", transport, err)
		}
		res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": 3})
		mustOK(t, transport, res)
		_ = cs.Close()
	}
	// Jana saw the user's own Jana token, never ours.
	for _, e := range rec.all() {
		if strings.HasPrefix(e.Token, "jmcp_") {
			t.Fatalf("Jana was sent one of the server's own tokens (%s)", e.OperationID)
		}
	}
	logs := srv.Logs.String()
	var janaTokens []string
	for _, e := range rec.all() {
		if e.Token != "" {
			janaTokens = append(janaTokens, e.Token)
		}
	}
	for _, secret := range append(janaTokens, tokens.AccessToken, tokens.RefreshToken, sandbox.DefaultPassword) {
		if strings.Contains(logs, secret) {
			t.Fatalf("the logs hold a token or the password (%.12s…)", secret)
		}
	}
	if !strings.Contains(logs, `"caller":"jana-user:`) {
		t.Errorf("tool calls are not logged under the Jana user's key")
	}
}
