package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/oauth"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// TestOAuthSignInPageForgery: the sign-in form is accepted only from the page this browser
// was shown — its cookie and the token in the form must both match, the Origin must be this
// server's, and a browser that says the request is cross-site is believed; the page loads
// nothing from elsewhere, runs no script and cannot be framed; a wrong password keeps the
// sign-in going, five of them end it.
func TestOAuthSignInPageForgery(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartOAuthServer(t, sb, nil, server.Options{})
	c := register(t, srv.URL, "http://127.0.0.1:9/callback")
	p := newPKCE()
	const state = "s1"

	user := newBrowser(t)
	shown := user.get(c.authorizeURL(p, state))
	request, csrf := formFields(t, shown)
	csp := shown.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self' http://127.0.0.1:9"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || shown.header.Get("X-Frame-Options") != "DENY" || shown.header.Get("Cache-Control") != "no-store" {
		t.Errorf("page headers: %v", shown.header)
	}
	// Under no-referrer browsers would post the form with "Origin: null", which the Origin
	// check refuses; same-origin keeps the Origin and sends other sites no Referer.
	if rp := shown.header.Get("Referrer-Policy"); rp != "same-origin" || !strings.Contains(shown.body, `content="same-origin"`) {
		t.Errorf("Referrer-Policy %q", rp)
	}
	if r := user.submit(srv.URL, url.Values{"request": {request}}, "Origin", "null"); r.status != http.StatusForbidden {
		t.Errorf(`a form posted with "Origin: null": %d`, r.status)
	}
	if regexp.MustCompile(`<script|\ssrc=|<link|@import|url\(`).MatchString(shown.body) {
		t.Error("the sign-in page loads something or runs a script")
	}
	if !strings.Contains(shown.body, "test client") || !strings.Contains(shown.body, "127.0.0.1:9") {
		t.Error("the sign-in page does not say which client asks and where the browser returns")
	}
	good := url.Values{"request": {request}, "csrf": {csrf}, "method": {"password"},
		"email": {sandbox.DefaultEmail}, "password": {sandbox.DefaultPassword}}
	forged := func(k, v string) url.Values {
		f := url.Values{}
		for key, vs := range good {
			f[key] = vs
		}
		f.Set(k, v)
		return f
	}
	for _, tc := range []struct {
		name    string
		browser *browser
		form    url.Values
		header  []string
	}{
		{"another browser (no cookie)", newBrowser(t), good, nil},
		{"wrong form token", user, forged("csrf", "x"+csrf[1:]), nil},
		{"no form token", user, forged("csrf", ""), nil},
		{"from another site", user, good, []string{"Origin", "https://attacker.example"}},
		{"cross-site by the browser's word", user, good, []string{"Sec-Fetch-Site", "cross-site"}},
	} {
		r := tc.browser.submit(srv.URL, tc.form, tc.header...)
		if r.status != http.StatusForbidden || r.location != "" {
			t.Errorf("%s: %d Location %q, want 403 and no code", tc.name, r.status, r.location)
		}
	}
	if r := newBrowser(t).get(srv.URL + oauth.PathWait + "?request=" + request); r.status != http.StatusForbidden {
		t.Errorf("the wait page from another browser: %d", r.status)
	}

	// A wrong password: the page again, with an error; the sign-in goes on.
	r := user.submit(srv.URL, forged("password", "wrong"))
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, `id="error"`) || strings.Contains(r.body, "wrong") {
		t.Errorf("wrong password: %d %.300s", r.status, r.body)
	}
	codeFrom(t, user.submit(srv.URL, good), c.redirect, state, srv.URL)
	if r := user.submit(srv.URL, good); r.status != http.StatusNotFound || r.location != "" {
		t.Errorf("a completed sign-in submitted again: %d %q", r.status, r.location)
	}

	// Five wrong passwords end the sign-in.
	b := newBrowser(t)
	request, csrf = formFields(t, b.get(c.authorizeURL(p, state)))
	bad := url.Values{"request": {request}, "csrf": {csrf}, "method": {"password"}, "email": {sandbox.DefaultEmail}, "password": {"wrong"}}
	for range 5 {
		b.submit(srv.URL, bad)
	}
	bad.Set("password", sandbox.DefaultPassword)
	if r := b.submit(srv.URL, bad); r.status != http.StatusNotFound || r.location != "" {
		t.Errorf("after five wrong passwords the right one: %d %q, want the sign-in gone", r.status, r.location)
	}
}

var userCode = regexp.MustCompile(`id="user-code">([A-Z]{4}-[A-Z]{4})<`)

// TestOAuthDeviceSignIn: with MCP_OAUTH_SIGN_IN=device the page offers Jana's device-code
// sign-in only; it shows Jana's verification link and user code and reloads itself while the
// server polls Jana; once the user approves on Jana's page the browser goes back to the
// client with a code; a denial goes back as access_denied.
func TestOAuthDeviceSignIn(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{DeviceInterval: time.Second})
	srv := testenv.StartOAuthServer(t, sb, map[string]string{"MCP_OAUTH_SIGN_IN": "device"}, server.Options{})
	c := register(t, srv.URL, "http://127.0.0.1:9/callback")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	start := func(b *browser, p pkce, state string) (request, code string) {
		t.Helper()
		page := b.get(c.authorizeURL(p, state))
		request, csrf := formFields(t, page)
		if strings.Contains(page.body, `name="password"`) {
			t.Error("the page offers the password form, which MCP_OAUTH_SIGN_IN leaves out")
		}
		r := b.submit(srv.URL, url.Values{"request": {request}, "csrf": {csrf}, "method": {"device"}})
		m := userCode.FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil || !strings.Contains(r.body, sb.URL+"/device/?user_code="+m[1]) ||
			!strings.Contains(r.body, `http-equiv="refresh"`) {
			t.Fatalf("device page: %d %.600s", r.status, r.body)
		}
		return request, m[1]
	}
	wait := func(b *browser, request string) page {
		t.Helper()
		var r page
		if !eventually(30*time.Second, func() bool {
			r = b.get(srv.URL + oauth.PathWait + "?request=" + request)
			return r.status != http.StatusOK
		}) {
			t.Fatalf("the wait page never went on: %.300s", r.body)
		}
		return r
	}

	b, p := newBrowser(t), newPKCE()
	pendingID, code := start(b, p, "dev1")
	if r := b.get(srv.URL + oauth.PathWait + "?request=" + pendingID); r.status != http.StatusOK || !strings.Contains(r.body, code) {
		t.Fatalf("waiting before approval: %d", r.status)
	}
	// The user approves on Jana's page (the sandbox's /device/), as they would in a browser.
	approve := send(t, request{method: http.MethodPost, url: sb.URL + "/device/", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body: url.Values{"user_code": {code}, "email": {sandbox.DefaultEmail}, "password": {sandbox.DefaultPassword}, "action": {"approve"}}.Encode()})
	if approve.status != http.StatusOK {
		t.Fatalf("approving at Jana: %d %s", approve.status, approve.body)
	}
	tokens := c.exchange(codeFrom(t, wait(b, pendingID), c.redirect, "dev1", srv.URL), p)
	if tokens.status != http.StatusOK {
		t.Fatalf("token: %+v", tokens)
	}
	cs, err := connectBearer(ctx, t, srv.URL, testenv.Streamable, tokens.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": 3})
	mustOK(t, "after a device sign-in", res)
	_ = cs.Close()

	b = newBrowser(t)
	pendingID, code = start(b, newPKCE(), "dev2")
	if err := sb.DecideDevice(code, sandbox.DefaultUsername, false); err != nil {
		t.Fatal(err)
	}
	r := wait(b, pendingID)
	u, _ := url.Parse(r.location)
	if r.status != http.StatusSeeOther || u.Query().Get("error") != "access_denied" || u.Query().Get("state") != "dev2" {
		t.Errorf("denied at Jana: %d %s", r.status, r.location)
	}
}
