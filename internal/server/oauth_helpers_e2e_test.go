package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/oauth"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// The OAuth flow as a browser and a client make it, by hand: for the tests that check each
// step's refusals. (oauth_client_e2e_test.go drives the go-sdk's own OAuth client.)

// browser is a user's browser: it keeps cookies and shows redirects instead of following them
// (the last one goes to the client's redirect URI, which is the client's business).
type browser struct {
	t    *testing.T
	http *http.Client
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer the browser got.
type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), header: resp.Header}
}

func (b *browser) get(u string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

// submit posts a form as the page's own form would (same origin).
func (b *browser) submit(base string, form url.Values, header ...string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+oauth.PathSignIn, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="(request|csrf)" value="([^"]*)">`)

// formFields returns the hidden request id and anti-forgery token of a sign-in page.
func formFields(t *testing.T, p page) (request, csrf string) {
	t.Helper()
	for _, m := range hiddenField.FindAllStringSubmatch(p.body, -1) {
		switch m[1] {
		case "request":
			request = m[2]
		case "csrf":
			csrf = m[2]
		}
	}
	if p.status != http.StatusOK || request == "" || csrf == "" {
		t.Fatalf("not a sign-in page (%d, Location %q): %.400s", p.status, p.location, p.body)
	}
	return request, csrf
}

// pkce is a code verifier and its S256 challenge.
type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	v := strings.Repeat("v", 10) + strings.ReplaceAll(time.Now().Format(time.RFC3339Nano), ":", "-") + "-0123456789abcdefghijklmnop"
	sum := sha256.Sum256([]byte(v))
	return pkce{verifier: v, challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// oauthClient is a client registered with the server, as a test makes its requests.
type oauthClient struct {
	t        *testing.T
	base     string
	id       string
	secret   string
	redirect string
}

// register registers a public client (token_endpoint_auth_method none) with one redirect URI.
func register(t *testing.T, base, redirect string) *oauthClient {
	t.Helper()
	status, body := postJSON(t, base+oauth.PathRegister, map[string]any{
		"redirect_uris": []string{redirect}, "client_name": "test client", "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
	})
	var reg struct {
		ClientID string `json:"client_id"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &reg) != nil || reg.ClientID == "" {
		t.Fatalf("register: %d %s", status, body)
	}
	return &oauthClient{t: t, base: base, id: reg.ClientID, redirect: redirect}
}

func postJSON(t *testing.T, u string, v any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(v)
	resp, err := http.Post(u, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// authorizeURL is an authorization request of c; extra adds or overrides parameters ("" deletes).
func (c *oauthClient) authorizeURL(p pkce, state string, extra ...string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {c.redirect},
		"code_challenge": {p.challenge}, "code_challenge_method": {"S256"}, "state": {state},
		"resource": {c.base + "/mcp"}, "scope": {oauth.Scope}}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			q.Del(extra[i])
		} else {
			q.Set(extra[i], extra[i+1])
		}
	}
	return c.base + oauth.PathAuthorize + "?" + q.Encode()
}

// tokenAnswer is the token endpoint's answer, success or error.
type tokenAnswer struct {
	status       int
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
	header       http.Header
}

// token posts form to the token endpoint as c.
func (c *oauthClient) token(form url.Values) tokenAnswer {
	c.t.Helper()
	if form.Get("client_id") == "" {
		form.Set("client_id", c.id)
	}
	resp, err := http.Post(c.base+oauth.PathToken, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	a := tokenAnswer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(body, &a); err != nil {
		c.t.Fatalf("token endpoint: %d, not JSON: %s", resp.StatusCode, body)
	}
	return a
}

// exchange redeems code with verifier.
func (c *oauthClient) exchange(code string, p pkce, extra ...string) tokenAnswer {
	c.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.redirect},
		"code_verifier": {p.verifier}, "resource": {c.base + "/mcp"}}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			form.Del(extra[i])
		} else {
			form.Set(extra[i], extra[i+1])
		}
	}
	return c.token(form)
}

func (c *oauthClient) refresh(refreshToken string) tokenAnswer {
	c.t.Helper()
	return c.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}

func (c *oauthClient) revoke(token string) int {
	c.t.Helper()
	resp, err := http.Post(c.base+oauth.PathRevoke, "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"token": {token}, "client_id": {c.id}}.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// codeFrom reads the code from the redirect to the client, checking state and iss.
func codeFrom(t *testing.T, p page, redirect, state, issuer string) string {
	t.Helper()
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, redirect) {
		t.Fatalf("want a redirect to %s, got %d Location %q: %.300s", redirect, p.status, p.location, p.body)
	}
	u, _ := url.Parse(p.location)
	q := u.Query()
	if q.Get("error") != "" {
		t.Fatalf("authorization error: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != state || q.Get("iss") != issuer || q.Get("code") == "" {
		t.Fatalf("redirect %s: want state %q, iss %q and a code", p.location, state, issuer)
	}
	return q.Get("code")
}

// passwordSignIn runs the authorization request u in a new browser and signs in with email
// and password; it returns the redirect to the client.
func passwordSignIn(t *testing.T, base, u, email, password string) page {
	t.Helper()
	b := newBrowser(t)
	request, csrf := formFields(t, b.get(u))
	return b.submit(base, url.Values{"request": {request}, "csrf": {csrf}, "method": {"password"},
		"email": {email}, "password": {password}})
}

// signedIn signs the demo user in through c and returns the first tokens.
func (c *oauthClient) signedIn(email, password string) tokenAnswer {
	c.t.Helper()
	p := newPKCE()
	state := "st-" + time.Now().Format("150405.000000")
	code := codeFrom(c.t, passwordSignIn(c.t, c.base, c.authorizeURL(p, state), email, password), c.redirect, state, c.base)
	a := c.exchange(code, p)
	if a.status != http.StatusOK || a.AccessToken == "" || a.RefreshToken == "" || a.TokenType != "Bearer" {
		c.t.Fatalf("token exchange: %+v", a)
	}
	return a
}

func (c *oauthClient) signedInDemo() tokenAnswer {
	return c.signedIn(sandbox.DefaultEmail, sandbox.DefaultPassword)
}

// connectBearer opens an MCP session with an access token (a go-sdk client with a fixed header).
func connectBearer(ctx context.Context, t *testing.T, base, transport, access string) (*mcp.ClientSession, error) {
	t.Helper()
	return testenv.Connect(ctx, t, base, transport, access, "bearer")
}
