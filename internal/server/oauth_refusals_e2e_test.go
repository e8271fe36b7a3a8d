package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/oauth"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// TestOAuthAuthorizationRequestRefusals: an authorization request from an unknown client or
// for a redirect URI the client did not register is refused on the server's own page, never
// redirected (RFC 6749 §4.1.2.1); loopback redirect URIs may change port, nothing else (RFC
// 8252 §7.3); every other fault goes back to the client with the error and its state, exactly
// as sent.
func TestOAuthAuthorizationRequestRefusals(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartOAuthServer(t, sb, nil, server.Options{})
	c := register(t, srv.URL, "http://127.0.0.1:9/callback")
	p := newPKCE()
	const state = "a b&c=d/é?"

	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"unknown client", []string{"client_id", "some-client"}},
		{"forged registration", []string{"client_id", "jmcp_client_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		{"unregistered redirect URI", []string{"redirect_uri", "https://attacker.example/callback"}},
		{"loopback, another path", []string{"redirect_uri", "http://127.0.0.1:9/elsewhere"}},
		{"loopback, another host name", []string{"redirect_uri", "http://localhost:9/callback"}},
		{"no redirect URI", []string{"redirect_uri", ""}},
		{"client id document on http", []string{"client_id", "http://127.0.0.1:9/client.json"}},
	} {
		r := newBrowser(t).get(c.authorizeURL(p, state, tc.extra...))
		if r.status != http.StatusBadRequest || r.location != "" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d Location %q, want 400 on the server's page", tc.name, r.status, r.location)
		}
	}
	if _, csrf := formFields(t, newBrowser(t).get(c.authorizeURL(p, state, "redirect_uri", "http://127.0.0.1:54321/callback"))); csrf == "" {
		t.Error("a loopback redirect URI on another port is refused")
	}

	for _, tc := range []struct {
		name, code string
		extra      []string
	}{
		{"no PKCE", "invalid_request", []string{"code_challenge", "", "code_challenge_method", ""}},
		{"PKCE plain", "invalid_request", []string{"code_challenge_method", "plain"}},
		{"malformed challenge", "invalid_request", []string{"code_challenge", "short"}},
		{"implicit flow", "unsupported_response_type", []string{"response_type", "token"}},
		{"another resource", "invalid_target", []string{"resource", "https://other.example/mcp"}},
		{"this host on another port", "invalid_target", []string{"resource", strings.Replace(srv.URL, "127.0.0.1:", "127.0.0.1:1", 1) + "/mcp"}},
		{"resource with a query", "invalid_target", []string{"resource", srv.URL + "/mcp?x=1"}},
		{"unknown scope", "invalid_scope", []string{"scope", "jana admin"}},
	} {
		r := newBrowser(t).get(c.authorizeURL(p, state, tc.extra...))
		u, err := url.Parse(r.location)
		if r.status != http.StatusSeeOther || err != nil || !strings.HasPrefix(r.location, c.redirect) {
			t.Errorf("%s: %d Location %q, want a redirect to the client", tc.name, r.status, r.location)
			continue
		}
		if q := u.Query(); q.Get("error") != tc.code || q.Get("state") != state || q.Get("iss") != srv.URL || q.Get("code") != "" {
			t.Errorf("%s: redirect %s, want error %s with the state and iss", tc.name, r.location, tc.code)
		}
	}
	for _, resource := range []string{srv.URL, srv.URL + "/", srv.URL + "/sse", strings.Replace(srv.URL, "http://", "HTTP://", 1) + "/mcp"} {
		if _, csrf := formFields(t, newBrowser(t).get(c.authorizeURL(p, state, "resource", resource))); csrf == "" {
			t.Errorf("resource %s of this server refused", resource)
		}
	}
	// A parameter given twice is ambiguous: refused on the page.
	r := newBrowser(t).get(c.authorizeURL(p, state) + "&state=second")
	if r.status != http.StatusBadRequest || r.location != "" {
		t.Errorf("state twice: %d Location %q", r.status, r.location)
	}
}

// TestOAuthTokenRequestRefusals: a code is redeemed once, by its client, with its redirect
// URI, its PKCE verifier and a resource of this server; a failed attempt spends it; a code
// presented again revokes what its first redemption gave.
func TestOAuthTokenRequestRefusals(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	srv := testenv.StartOAuthServer(t, sb, nil, server.Options{})
	c := register(t, srv.URL, "http://127.0.0.1:9/callback")
	other := register(t, srv.URL, "http://127.0.0.1:9/callback")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	code := func(p pkce) string {
		t.Helper()
		state := newID()
		return codeFrom(t, passwordSignIn(t, srv.URL, c.authorizeURL(p, state), sandbox.DefaultEmail, sandbox.DefaultPassword), c.redirect, state, srv.URL)
	}
	for _, tc := range []struct {
		name, error string
		redeem      func(code string, p pkce) tokenAnswer
	}{
		{"PKCE mismatch", "invalid_grant", func(code string, p pkce) tokenAnswer { return c.exchange(code, newPKCE()) }},
		{"no verifier", "invalid_grant", func(code string, p pkce) tokenAnswer { return c.exchange(code, p, "code_verifier", "") }},
		{"another redirect URI", "invalid_grant", func(code string, p pkce) tokenAnswer {
			return c.exchange(code, p, "redirect_uri", "http://127.0.0.1:9/other")
		}},
		{"another client", "invalid_grant", func(code string, p pkce) tokenAnswer { return other.exchange(code, p, "client_id", other.id) }},
		{"another resource", "invalid_target", func(code string, p pkce) tokenAnswer {
			return c.exchange(code, p, "resource", "https://other.example/mcp")
		}},
	} {
		p := newPKCE()
		cd := code(p)
		if a := tc.redeem(cd, p); a.status != http.StatusBadRequest || a.Error != tc.error || a.AccessToken != "" {
			t.Errorf("%s: %d %s %s, want 400 %s", tc.name, a.status, a.Error, a.Description, tc.error)
		}
		if a := c.exchange(cd, p); a.status != http.StatusBadRequest || a.Error != "invalid_grant" {
			t.Errorf("%s: the code still works after a failed redemption: %+v", tc.name, a)
		}
	}

	// Replay: the second redemption fails and revokes the first one's tokens.
	p := newPKCE()
	cd := code(p)
	first := c.exchange(cd, p)
	if first.status != http.StatusOK {
		t.Fatalf("first redemption: %+v", first)
	}
	cs, err := connectBearer(ctx, t, srv.URL, testenv.Streamable, first.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if a := c.exchange(cd, p); a.status != http.StatusBadRequest || a.Error != "invalid_grant" {
		t.Fatalf("second redemption of a code: %+v", a)
	}
	if r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Bearer "+first.AccessToken), body: initialize}); r.status != http.StatusUnauthorized {
		t.Errorf("the tokens of a replayed code still work: %d", r.status)
	}
	if a := c.refresh(first.RefreshToken); a.Error != "invalid_grant" {
		t.Errorf("the refresh token of a replayed code still works: %+v", a)
	}

	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		error                   string
	}{
		{"unknown client", "application/x-www-form-urlencoded", "grant_type=authorization_code&client_id=nobody&code=x", 401, "invalid_client"},
		{"no client", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=x", 401, "invalid_client"},
		{"password grant", "application/x-www-form-urlencoded", "grant_type=password&client_id=" + url.QueryEscape(c.id), 400, "unsupported_grant_type"},
		{"JSON body", "application/json", `{"grant_type":"authorization_code"}`, 400, "invalid_request"},
		{"made-up code", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=jmcp_ac_x&client_id=" + url.QueryEscape(c.id), 400, "invalid_grant"},
		{"repeated parameter", "application/x-www-form-urlencoded", "grant_type=refresh_token&grant_type=refresh_token&client_id=" + url.QueryEscape(c.id), 400, "invalid_request"},
	} {
		r := send(t, request{method: http.MethodPost, url: srv.URL + oauth.PathToken, header: map[string]string{"Content-Type": tc.contentType}, body: tc.body})
		if r.status != tc.status || !strings.Contains(r.body, `"error":"`+tc.error+`"`) || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
}

func newID() string { return strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", "") }

// TestOAuthExpiredAndRevokedTokens: an expired access token gets a 401 that tells the client
// why; the refresh token gets new tokens and is spent (used again by another client, it
// revokes the sign-in; by its own client within seconds, as concurrent refreshes do, it still
// works); revoking either token (RFC 7009) ends the sign-in at once and at Jana; Jana ending
// the sign-in (signed out or revoked there) ends it here: tool calls say so, the next request
// is a 401 and the refresh token is refused.
func TestOAuthExpiredAndRevokedTokens(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	srv := testenv.StartOAuthServer(t, sb, map[string]string{"MCP_OAUTH_ACCESS_TOKEN_TTL": "2s"}, server.Options{})
	c := register(t, srv.URL, "http://127.0.0.1:9/callback")
	thief := register(t, srv.URL, "http://127.0.0.1:9/callback")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	post := func(access string) response {
		return send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Bearer "+access), body: initialize})
	}
	// probe is a request that opens no session: 400 (no session id) once authenticated.
	probe := func(access string) response {
		return send(t, request{method: http.MethodPost, url: srv.URL + "/mcp", header: with(jsonRPCHeaders, "Authorization", "Bearer "+access), body: rpc(1, "ping", nil)})
	}

	tokens := c.signedInDemo()
	if r := post(tokens.AccessToken); r.status != http.StatusOK {
		t.Fatalf("a fresh token: %d %s", r.status, r.body)
	}
	var expired response
	if !eventually(30*time.Second, func() bool { expired = probe(tokens.AccessToken); return expired.status == http.StatusUnauthorized }) {
		t.Fatal("the access token did not expire")
	}
	if h := expired.header.Get("WWW-Authenticate"); !strings.Contains(h, `error="invalid_token"`) || !strings.Contains(h, "resource_metadata=") {
		t.Errorf("expired token: WWW-Authenticate %q", h)
	}
	next := c.refresh(tokens.RefreshToken)
	if next.status != http.StatusOK || next.RefreshToken == tokens.RefreshToken || next.AccessToken == tokens.AccessToken {
		t.Fatalf("refresh: %+v", next)
	}
	if r := post(next.AccessToken); r.status != http.StatusOK {
		t.Fatalf("the refreshed token: %d %s", r.status, r.body)
	}
	// Two refreshes at once with one token (the TypeScript SDK refreshes from each request
	// that got a 401): both work.
	var wg sync.WaitGroup
	answers := make([]tokenAnswer, 2)
	for i := range answers {
		wg.Go(func() { answers[i] = c.refresh(next.RefreshToken) })
	}
	wg.Wait()
	for i, a := range answers {
		if a.status != http.StatusOK {
			t.Fatalf("concurrent refresh %d: %+v", i, a)
		}
	}
	// A spent refresh token from another client: stolen. The sign-in ends.
	if a := thief.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next.RefreshToken}, "client_id": {thief.id}}); a.Error != "invalid_grant" {
		t.Fatalf("a spent refresh token from another client: %+v", a)
	}
	for i, a := range answers {
		if r := post(a.AccessToken); r.status != http.StatusUnauthorized {
			t.Errorf("after the theft, access token %d still works: %d", i, r.status)
		}
		if b := c.refresh(a.RefreshToken); b.Error != "invalid_grant" {
			t.Errorf("after the theft, refresh token %d still works: %+v", i, b)
		}
	}

	// Revocation, by either token.
	for _, which := range []string{"access", "refresh"} {
		logouts := rec.countOp("auth_logout_create", http.StatusOK)
		tokens := c.signedInDemo()
		tok := tokens.AccessToken
		if which == "refresh" {
			tok = tokens.RefreshToken
		}
		if status := c.revoke(tok); status != http.StatusOK {
			t.Fatalf("revoke %s token: %d", which, status)
		}
		if r := post(tokens.AccessToken); r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("revoked by its %s token: the access token gets %d", which, r.status)
		}
		if a := c.refresh(tokens.RefreshToken); a.Error != "invalid_grant" {
			t.Errorf("revoked by its %s token: the refresh token gets %+v", which, a)
		}
		if !eventually(20*time.Second, func() bool { return rec.countOp("auth_logout_create", http.StatusOK) > logouts }) {
			t.Errorf("revoked by its %s token: the Jana sign-in was not ended at Jana", which)
		}
	}
	if c.revoke("jmcp_at_unknown") != http.StatusOK || c.revoke("garbage") != http.StatusOK {
		t.Error("revoking an unknown token must answer 200 (RFC 7009 §2.2)")
	}

	// Jana ends the sign-in.
	tokens = c.signedInDemo()
	cs, err := connectBearer(ctx, t, srv.URL, testenv.Streamable, tokens.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": 3})
	mustOK(t, "before Jana revokes", res)
	if _, err := sb.RevokeJWTs(sandbox.DefaultUsername); err != nil {
		t.Fatal(err)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_station", Arguments: map[string]any{"station_id": 4}})
	if err != nil || !res.IsError || testenv.Text(res) != toolkit.SignInEndedText {
		t.Errorf("a call after Jana revoked the sign-in: %v %q", err, testenv.Text(res))
	}
	if r := post(tokens.AccessToken); r.status != http.StatusUnauthorized {
		t.Errorf("after Jana revoked the sign-in, its access token gets %d", r.status)
	}
	if a := c.refresh(tokens.RefreshToken); a.Error != "invalid_grant" {
		t.Errorf("after Jana revoked the sign-in, its refresh token gets %+v", a)
	}
}
