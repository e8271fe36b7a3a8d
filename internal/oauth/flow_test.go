package oauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/oauth"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// flow is an authorization server on its own (no MCP server around it) with a clock the test
// moves.
type flow struct {
	t    *testing.T
	srv  *oauth.Server
	base string
	now  atomic.Int64
}

func newFlow(t *testing.T) *flow {
	t.Helper()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	mux := http.NewServeMux()
	ts := httptest.NewUnstartedServer(mux)
	f := &flow{t: t, base: "http://" + ts.Listener.Addr().String()}
	cfg := testenv.Config(t, sb.URL, map[string]string{"MCP_AUTH_MODE": "oauth", "MCP_PUBLIC_URL": f.base, "MCP_OAUTH_KEY": testenv.OAuthKey})
	jc := testenv.Client(t, cfg, jana.Options{})
	var err error
	f.srv, err = oauth.New(oauth.Options{Config: cfg.Auth.OAuth, PublicURL: cfg.Transport.PublicURL, Jana: jc})
	if err != nil {
		t.Fatal(err)
	}
	f.now.Store(time.Now().UnixNano())
	oauth.SetClock(f.srv, func() time.Time { return time.Unix(0, f.now.Load()) })
	mux.HandleFunc("GET "+oauth.PathAuthorize, f.srv.Authorize)
	mux.HandleFunc("POST "+oauth.PathSignIn, f.srv.SignIn)
	mux.HandleFunc("POST "+oauth.PathToken, f.srv.Token)
	mux.HandleFunc("POST "+oauth.PathRegister, f.srv.Register)
	ts.Start()
	t.Cleanup(ts.Close)
	return f
}

func (f *flow) advance(d time.Duration) { f.now.Add(int64(d)) }

func (f *flow) post(path, contentType, body string) (int, map[string]any) {
	f.t.Helper()
	resp, err := http.Post(f.base+path, contentType, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

var hidden = regexp.MustCompile(`name="(request|csrf)" value="([^"]*)"`)

// signIn registers a client and signs the demo user in; it returns the client id and the
// first token answer.
func (f *flow) signIn() (string, map[string]any) {
	f.t.Helper()
	const redirect = "http://127.0.0.1:9/cb"
	status, reg := f.post(oauth.PathRegister, "application/json", `{"redirect_uris":["`+redirect+`"],"token_endpoint_auth_method":"none"}`)
	if status != http.StatusCreated {
		f.t.Fatalf("register: %d %v", status, reg)
	}
	clientID := reg["client_id"].(string)
	verifier := strings.Repeat("x", 50)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "state": {"s"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := b.Get(f.base + oauth.PathAuthorize + "?" + q.Encode())
	if err != nil {
		f.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"method": {"password"}, "email": {sandbox.DefaultEmail}, "password": {sandbox.DefaultPassword}}
	for _, m := range hidden.FindAllSubmatch(page, -1) {
		form.Set(string(m[1]), string(m[2]))
	}
	resp, err = b.PostForm(f.base+oauth.PathSignIn, form)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if code == "" {
		f.t.Fatalf("sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	status, tokens := f.post(oauth.PathToken, "application/x-www-form-urlencoded", url.Values{"grant_type": {"authorization_code"},
		"code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}, "client_id": {clientID}}.Encode())
	if status != http.StatusOK {
		f.t.Fatalf("token: %d %v", status, tokens)
	}
	return clientID, tokens
}

func (f *flow) refresh(clientID, token string) (int, map[string]any) {
	return f.post(oauth.PathToken, "application/x-www-form-urlencoded",
		url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "client_id": {clientID}}.Encode())
}

// TestSpentRefreshTokenAfterGrace: a spent refresh token used again by its own client within
// seconds still works (concurrent refreshes), later it revokes the sign-in: its newer tokens
// stop working too. A token with no resource named is for the server itself, and an access
// token is refused from the moment it expires.
func TestSpentRefreshTokenAfterGrace(t *testing.T) {
	t.Parallel()
	f := newFlow(t)
	ctx := context.Background()
	clientID, first := f.signIn()
	access := first["access_token"].(string)
	sess, err := f.srv.Authenticate(ctx, access)
	if err != nil || !strings.HasPrefix(sess.User, "jana-user:") || sess.ClientID != clientID || !sess.Caller.IsSignedIn() {
		t.Fatalf("Authenticate: %+v %v", sess, err)
	}
	status, second := f.refresh(clientID, first["refresh_token"].(string))
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, second)
	}
	f.advance(10 * time.Second)
	if status, again := f.refresh(clientID, first["refresh_token"].(string)); status != http.StatusOK {
		t.Fatalf("the spent token again within the grace: %d %v", status, again)
	}
	f.advance(time.Minute)
	if status, m := f.refresh(clientID, first["refresh_token"].(string)); status != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Fatalf("the spent token after the grace: %d %v", status, m)
	}
	if status, m := f.refresh(clientID, second["refresh_token"].(string)); status != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Errorf("after a replay the newest refresh token still works: %d %v", status, m)
	}
	if _, err := f.srv.Authenticate(ctx, second["access_token"].(string)); !errors.Is(err, oauth.ErrInvalidToken) {
		t.Errorf("after a replay the newest access token still works: %v", err)
	}

	_, tokens := f.signIn()
	if _, err := f.srv.Authenticate(ctx, tokens["access_token"].(string)); err != nil {
		t.Fatal(err)
	}
	f.advance(time.Hour)
	if _, err := f.srv.Authenticate(ctx, tokens["access_token"].(string)); !errors.Is(err, oauth.ErrInvalidToken) {
		t.Errorf("an access token past its hour: %v", err)
	}
	for _, tok := range []string{"", "jmcp_at_", "jmcp_rt_" + strings.Repeat("a", 43), strings.Repeat("x", 5000)} {
		if _, err := f.srv.Authenticate(ctx, tok); !errors.Is(err, oauth.ErrInvalidToken) {
			t.Errorf("Authenticate(%.20q): %v", tok, err)
		}
	}
}
