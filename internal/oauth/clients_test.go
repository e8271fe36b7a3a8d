package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/jana"
)

func newTestServer(t *testing.T, cfg config.OAuth) *Server {
	t.Helper()
	if len(cfg.Keys) == 0 {
		cfg.Keys = []config.Secret{"test-key-0123456789abcdef-0123456789"}
	}
	jc, err := jana.New(jana.Config{URL: mustURL("http://127.0.0.1:1"), Timeout: time.Second}, jana.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Config: cfg, PublicURL: mustURL("https://mcp.example.org"), Jana: jc})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestRedirectURIs: registration accepts https, loopback http and reverse-domain private-use
// schemes; an authorization request's redirect URI must be a registered one exactly, except
// the port of a loopback one (RFC 8252 §7.3).
func TestRedirectURIs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"https://claude.ai/api/mcp/auth_callback", true},
		{"http://127.0.0.1:33418/callback", true},
		{"http://[::1]:8080/cb", true},
		{"http://localhost:6274/oauth/callback", true},
		{"cursor://anysphere.cursor-retrieval/oauth/callback", true},
		{"com.example.app:/oauth2redirect", true},
		{"http://example.org/callback", false},
		{"http://127.0.0.1.example.org/cb", false},
		{"vscode://vscode.github-authentication/did-authenticate", true},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"file:///etc/passwd", false},
		{"data:text/html,hi", false},
		{"https://claude.ai/cb#fragment", false},
		{"https://user:pw@claude.ai/cb", false},
		{"/relative", false},
		{"https:///nohost", false},
		{"https://x.example/" + strings.Repeat("a", 500), false},
	} {
		if err := checkRedirectURI(tc.uri); (err == nil) != tc.ok {
			t.Errorf("checkRedirectURI(%q) = %v, want ok %v", tc.uri, err, tc.ok)
		}
	}
	c := client{RedirectURIs: []string{"https://claude.ai/api/mcp/auth_callback", "http://127.0.0.1:9/callback?x=1", "http://localhost:5/cb"}}
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"https://claude.ai/api/mcp/auth_callback", true},
		{"https://claude.ai/api/mcp/auth_callback/", false},
		{"https://claude.ai:443/api/mcp/auth_callback", false},
		{"https://claude.ai/api/mcp/auth_callback?code=x", false},
		{"http://127.0.0.1:4444/callback?x=1", true},
		{"http://127.0.0.1/callback?x=1", true},
		{"http://127.0.0.1:4444/callback", false},
		{"http://127.0.0.1:4444/callback?x=2", false},
		{"http://127.0.0.1:4444/other?x=1", false},
		{"http://localhost:9/callback?x=1", false},
		{"http://localhost:7777/cb", true},
		{"https://127.0.0.1:9/callback?x=1", false},
		{"http://127.0.0.1:4444/callback?x=1#f", false},
	} {
		if got := c.redirectAllowed(tc.uri); got != tc.ok {
			t.Errorf("redirectAllowed(%q) = %v, want %v", tc.uri, got, tc.ok)
		}
	}
}

// TestResources: the resource indicators that name this server, in the forms clients send.
func TestResources(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, config.OAuth{})
	for raw, want := range map[string]string{
		"https://mcp.example.org":          "https://mcp.example.org",
		"https://mcp.example.org/":         "https://mcp.example.org",
		"https://MCP.example.org:443/mcp":  "https://mcp.example.org/mcp",
		"HTTPS://mcp.example.org/sse":      "https://mcp.example.org/sse",
		"https://mcp.example.org/mcp/":     "https://mcp.example.org/mcp",
		"https://mcp.example.org/messages": "",
		"https://mcp.example.org:8443/mcp": "",
		"http://mcp.example.org/mcp":       "",
		"https://mcp.example.org/mcp?a=b":  "",
		"https://mcp.example.org/mcp#f":    "",
		"https://other.example/mcp":        "",
		"mcp.example.org/mcp":              "",
		"":                                 "",
	} {
		if got := s.resource(raw); got != want {
			t.Errorf("resource(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestRegisteredClientIDs: a registration is its own client id, sealed: it resolves to what
// was registered, a changed byte makes it unknown, another server's key does not open it,
// and the client's secret checks only when exact.
func TestRegisteredClientIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestServer(t, config.OAuth{DynamicRegistration: true})
	c := client{Name: "Claude", RedirectURIs: []string{"https://claude.ai/api/mcp/auth_callback"}, AuthMethod: authSecretPost, Issued: 1}
	if err := s.register(&c); err != nil {
		t.Fatal(err)
	}
	got, err := s.resolveClient(ctx, c.ID)
	if err != nil || got.Name != "Claude" || got.AuthMethod != authSecretPost || got.RedirectURIs[0] != c.RedirectURIs[0] {
		t.Fatalf("resolve: %+v %v", got, err)
	}
	secret, err := s.secretFor(got)
	if err != nil || !s.checkSecret(got, secret) || s.checkSecret(got, secret+"x") || s.checkSecret(got, "") {
		t.Errorf("client secret checks wrong: %v", err)
	}
	tampered := c.ID[:len(c.ID)-3] + "AAA"
	if _, err := s.resolveClient(ctx, tampered); err == nil {
		t.Error("a tampered client id resolved")
	}
	other := newTestServer(t, config.OAuth{DynamicRegistration: true, Keys: []config.Secret{"another-key-0123456789abcdef-01234"}})
	if _, err := other.resolveClient(ctx, c.ID); err == nil {
		t.Error("a client id of another server's key resolved")
	}
	off := newTestServer(t, config.OAuth{DynamicRegistration: false})
	if _, err := off.resolveClient(ctx, c.ID); err == nil {
		t.Error("a registered client resolved with registration turned off")
	}
}

// TestClientDocuments: what a client ID metadata document must be (draft-ietf-oauth-client-id-
// metadata-document): the client id an https URL with a path; the document saying it is that
// URL's, public (no secret), for the code flow, with valid redirect URIs.
func TestClientDocuments(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"https://claude.ai/oauth/client.json": true,
		"https://app.example/c?v=1":           true,
		"http://app.example/c.json":           false,
		"https://app.example":                 false,
		"https://app.example/":                false,
		"https://app.example/a/../c.json":     false,
		"https://app.example/c.json#x":        false,
		"https://u:p@app.example/c.json":      false,
	} {
		if _, err := clientIDURL(raw); (err == nil) != ok {
			t.Errorf("clientIDURL(%q) = %v, want ok %v", raw, err, ok)
		}
	}
	const id = "https://app.example/client.json"
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"valid", `{"client_id":"` + id + `","client_name":"App","redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"]}`, ""},
		{"another client id", `{"client_id":"https://other.example/client.json","redirect_uris":["https://app.example/cb"]}`, "not the URL"},
		{"a secret", `{"client_id":"` + id + `","client_secret":"s","redirect_uris":["https://app.example/cb"]}`, "client_secret"},
		{"secret auth", `{"client_id":"` + id + `","token_endpoint_auth_method":"client_secret_basic","redirect_uris":["https://app.example/cb"]}`, "only none"},
		{"implicit", `{"client_id":"` + id + `","grant_types":["implicit"],"redirect_uris":["https://app.example/cb"]}`, "not served"},
		{"no redirect URIs", `{"client_id":"` + id + `"}`, "redirect_uris is required"},
		{"a javascript: redirect", `{"client_id":"` + id + `","redirect_uris":["javascript:alert(1)"]}`, "scheme"},
		{"not an object", `["` + id + `"]`, "not a JSON object"},
	} {
		c, err := parseClientDocument(id, []byte(tc.doc))
		switch {
		case tc.want == "" && (err != nil || c.Name != "App" || c.AuthMethod != authNone):
			t.Errorf("%s: %+v %v", tc.name, c, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// TestClientDocumentFetch: documents are fetched within bounds — 200 only (a redirect is not
// followed), a JSON content type, at most 5 KiB, within the caller's time — and the default
// fetcher reaches public addresses only, however the name resolves.
func TestClientDocumentFetch(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.json":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Cache-Control", "public, max-age=600")
			_, _ = w.Write([]byte(`{"client_id":"x"}`))
		case "/vendor.json":
			w.Header().Set("Content-Type", "application/oauth-client+json")
			_, _ = w.Write([]byte(`{}`))
		case "/redirect.json":
			http.Redirect(w, r, "https://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/html.json":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>"))
		case "/big.json":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"x":"` + strings.Repeat("a", 6000) + `"}`))
		case "/slow.json":
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	ctx := context.Background()
	body, age, err := fetchClientDoc(ctx, ts.Client(), ts.URL+"/ok.json")
	if err != nil || string(body) != `{"client_id":"x"}` || age != 10*time.Minute {
		t.Errorf("ok: %q %s %v", body, age, err)
	}
	if _, _, err := fetchClientDoc(ctx, ts.Client(), ts.URL+"/vendor.json"); err != nil {
		t.Errorf("application/*+json: %v", err)
	}
	for _, path := range []string{"/redirect.json", "/html.json", "/big.json", "/missing.json"} {
		if _, _, err := fetchClientDoc(ctx, ts.Client(), ts.URL+path); err == nil {
			t.Errorf("%s: fetched", path)
		}
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, _, err := fetchClientDoc(short, ts.Client(), ts.URL+"/slow.json"); err == nil {
		t.Error("a server that never answers: fetched")
	}
	// The default fetcher refuses the loopback test server, by address (as it would refuse
	// a public name resolving to a private address).
	if _, _, err := fetchClientDoc(ctx, NewClientDocFetcher(), ts.URL+"/ok.json"); !errors.Is(err, errForbiddenAddress) {
		t.Errorf("the default fetcher reached a loopback address: %v", err)
	}
	for _, tc := range []struct {
		cc   string
		want time.Duration
	}{{"max-age=60", time.Minute}, {"no-store, max-age=60", 0}, {"private, no-cache", 0}, {"", 0}, {"max-age=x", 0}} {
		if got := maxAge(tc.cc); got != tc.want {
			t.Errorf("maxAge(%q) = %s, want %s", tc.cc, got, tc.want)
		}
	}
}

// TestPublicAddress: the addresses client documents may be fetched from.
func TestPublicAddress(t *testing.T) {
	t.Parallel()
	for addr, public := range map[string]bool{
		"93.184.216.34": true, "2606:4700::6810:85e5": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fd00::1": false, "0.0.0.0": false, "::": false,
		"100.64.0.1": false, "224.0.0.1": false, "255.255.255.255": false, "198.18.0.1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "64:ff9b::a00:1": false, "2002:a00:1::": false,
	} {
		if got := publicAddress(netip.MustParseAddr(addr)); got != public {
			t.Errorf("publicAddress(%s) = %v, want %v", addr, got, public)
		}
	}
}
