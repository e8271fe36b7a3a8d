package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// eventually polls cond every 50 ms until it holds or timeout passes.
func eventually(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// events records the sandbox's Observer callbacks.
type events struct {
	mu  sync.Mutex
	all []Event
}

func (ev *events) observe(e Event) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.all = append(ev.all, e)
}

func (ev *events) last(op string) Event {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for i := len(ev.all) - 1; i >= 0; i-- {
		if ev.all[i].OperationID == op {
			return ev.all[i]
		}
	}
	return Event{}
}

// tokenError decodes simplejwt's body, and the message of its first entry.
func tokenError(t *testing.T, body []byte) (janaapi.TokenError, string) {
	t.Helper()
	te := decode[janaapi.TokenError](t, body)
	msg := ""
	if te.Messages != nil && len(*te.Messages) > 0 {
		msg = (*te.Messages)[0].Message
	}
	return te, msg
}

func TestJWTSignIn(t *testing.T) {
	t.Parallel()
	rec := &events{}
	e := newEnv(t, Config{Observer: rec.observe, Users: []User{{Username: "alice", Password: "pw-a"}}})

	resp, err := e.anon.AuthLoginCreateWithResponse(ctx(t), jwtLogin(t, "DEMO@jana.example", "demo-password"))
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("login: %v %d %s", err, resp.StatusCode(), resp.Body)
	}
	if !strings.HasPrefix(string(resp.Body), `{"data":{"access_token":"`) {
		t.Errorf("login answer is not wrapped in data: %s", resp.Body)
	}
	pair, err := resp.JSON200.AsTokenPairResponse()
	if err != nil || pair.Data.RefreshToken == nil {
		t.Fatalf("login answer: %v %s", err, resp.Body)
	}
	access, refresh := pair.Data.AccessToken, *pair.Data.RefreshToken

	// A real JWT: HS256, simplejwt's claims plus sub, lifetime 15 minutes by default.
	var claims jwtClaims
	tok, _, err := jwt.NewParser().ParseUnverified(access, &claims)
	if err != nil {
		t.Fatalf("access token is not a JWT: %v", err)
	}
	if tok.Method.Alg() != "HS256" || claims.TokenType != "access" || claims.UserID != 1 || claims.Subject != "1" ||
		claims.ID == "" || claims.IssuedAt == nil || claims.ExpiresAt == nil {
		t.Errorf("access token claims: alg %s %+v", tok.Method.Alg(), claims)
	} else if life := claims.ExpiresAt.Sub(claims.IssuedAt.Time); life != DefaultAccessTokenLifetime {
		t.Errorf("access token lifetime %s, want %s", life, DefaultAccessTokenLifetime)
	}

	bearer := e.bearerClient(t, access)
	user, err := bearer.AuthUserRetrieveWithResponse(ctx(t))
	if err != nil || user.JSON200 == nil {
		t.Fatalf("user: %v %s", err, user.Body)
	}
	if wrapped, err := user.JSON200.AsUserResponse(); err != nil || wrapped.Data.Username != "demo" || string(*wrapped.Data.Email) != DefaultEmail {
		t.Errorf("user with a JWT: want it wrapped in data: %s", user.Body)
	}
	if ev := rec.last("auth_user_retrieve"); ev.Scheme != "Bearer" || ev.Token != access {
		t.Errorf("observer saw scheme %q, token %.10q…", ev.Scheme, ev.Token)
	}
	if got := currentUser(t, e.client); got.Username != "demo" {
		t.Errorf("user with the DRF token: %+v", got)
	}
	if ev := rec.last("auth_user_retrieve"); ev.Scheme != "Token" {
		t.Errorf("observer saw scheme %q for a DRF token", ev.Scheme)
	}
	if r, err := bearer.V1DataSourcesOpenaqParametersListWithResponse(ctx(t), nil); err != nil || r.JSON200 == nil {
		t.Fatalf("data call with a JWT: %v %s", err, r.Body)
	}

	// Refresh rotates: the new refresh token works, the old one is refused.
	r1, err := e.anon.AuthRefreshCreateWithResponse(ctx(t), janaapi.RefreshRequest{RefreshToken: &refresh})
	if err != nil || r1.JSON200 == nil || r1.JSON200.Data.RefreshToken == nil {
		t.Fatalf("refresh: %v %d %s", err, r1.StatusCode(), r1.Body)
	}
	access2, refresh2 := r1.JSON200.Data.AccessToken, *r1.JSON200.Data.RefreshToken
	if access2 == access || refresh2 == refresh {
		t.Error("refresh returned the same tokens")
	}
	old, err := e.anon.AuthRefreshCreateWithResponse(ctx(t), janaapi.RefreshRequest{RefreshToken: &refresh})
	if err != nil || old.JSON401 == nil || old.JSON401.Detail != "Token is blacklisted" {
		t.Errorf("the rotated-away refresh token: %v %d %s, want 401 blacklisted", err, old.StatusCode(), old.Body)
	}
	if got := currentUser(t, e.bearerClient(t, access2)); got.Username != "demo" {
		t.Errorf("refreshed access token: %+v", got)
	}
	if got := currentUser(t, bearer); got.Username != "demo" {
		t.Errorf("the first access token stops only at its expiry: %+v", got)
	}

	// Each token is good only as its type.
	wrongType, _ := e.anon.AuthRefreshCreateWithResponse(ctx(t), janaapi.RefreshRequest{RefreshToken: &access2})
	if wrongType == nil || wrongType.JSON401 == nil || wrongType.JSON401.Detail != "Token has wrong type" {
		t.Errorf("access token as refresh token: %d %s", wrongType.StatusCode(), wrongType.Body)
	}
	asAccess, _ := e.bearerClient(t, refresh2).AuthUserRetrieveWithResponse(ctx(t))
	if _, msg := tokenError(t, asAccess.Body); asAccess.StatusCode() != http.StatusForbidden || msg != "Token has wrong type" {
		t.Errorf("refresh token as access token: %d %s", asAccess.StatusCode(), asAccess.Body)
	}

	// A stale Authorization header never stops a sign-in.
	stale, err := janaapi.NewClientWithResponses(e.url, janaapi.WithRequestEditorFn(withBearer("stale.jwt.value")))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := stale.AuthLoginCreateWithResponse(ctx(t), jwtLogin(t, "alice@jana.example", "pw-a")); err != nil || r.JSON200 == nil {
		t.Errorf("login with a stale Bearer header: %v %d %s", err, r.StatusCode(), r.Body)
	}

	// Logout ends the sign-in: its access and refresh tokens stop working.
	if r, err := e.bearerClient(t, access2).AuthLogoutCreateWithResponse(ctx(t)); err != nil || r.StatusCode() != http.StatusOK {
		t.Fatalf("logout: %v %d", err, r.StatusCode())
	}
	after, _ := e.bearerClient(t, access2).AuthUserRetrieveWithResponse(ctx(t))
	if te, msg := tokenError(t, after.Body); after.StatusCode() != http.StatusForbidden || te.Detail != msgTokenNotValid || msg != "Token is blacklisted" {
		t.Errorf("access token after logout: %d %s", after.StatusCode(), after.Body)
	}
	if r, _ := e.anon.AuthRefreshCreateWithResponse(ctx(t), janaapi.RefreshRequest{RefreshToken: &refresh2}); r.StatusCode() != http.StatusUnauthorized {
		t.Errorf("refresh token after logout: %d %s", r.StatusCode(), r.Body)
	}
	if got := currentUser(t, e.client); got.Username != "demo" {
		t.Errorf("a JWT logout must not delete the DRF token: %+v", got)
	}
}

func TestBadJWTLogin(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	for _, tc := range []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"wrong password", `{"email": "demo@jana.example", "password": "nope"}`, 401, `{"detail":"No active account found with the given credentials"}`},
		{"unknown email", `{"email": "mallory@jana.example", "password": "demo-password"}`, 401, `{"detail":"No active account found with the given credentials"}`},
		{"blank password", `{"email": "demo@jana.example", "password": ""}`, 400, `{"password":["This field may not be blank."]}`},
		{"both names", `{"email": "demo@jana.example", "username": "demo", "password": "demo-password"}`, 400,
			`{"non_field_errors":["Send either email (JWT sign-in) or username (DRF token), not both."]}`},
		{"empty body", `{}`, 400, `{"non_field_errors":["Send email and password (JWT sign-in) or username and password (DRF token)."]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.anon.AuthLoginCreateWithBodyWithResponse(ctx(t), "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode() != tc.status || string(resp.Body) != tc.want {
				t.Errorf("%d %s, want %d %s", resp.StatusCode(), resp.Body, tc.status, tc.want)
			}
		})
	}
}

// TestInvalidJWTRejectedEverywhere: a Bearer token Jana does not accept gets 403 with
// simplejwt's body on every operation that authenticates, public ones included; the views
// that issue tokens ignore it.
func TestInvalidJWTRejectedEverywhere(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	access, _ := e.loginJWT(t, DefaultEmail, DefaultPassword)
	forged := access[:strings.LastIndexByte(access, '.')+1] + "c2lnbmF0dXJl"
	for id, op := range e.sb.spec.ops {
		path := strings.ReplaceAll(op.Path, "{id}", "1")
		req, err := http.NewRequestWithContext(ctx(t), op.Method, e.url+path, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+forged)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if credentialFree[id] {
			if resp.StatusCode == http.StatusForbidden {
				t.Errorf("%s: a token view rejected the header: %v", id, body)
			}
			continue
		}
		if resp.StatusCode != http.StatusForbidden || body["detail"] != msgTokenNotValid || body["code"] != "token_not_valid" {
			t.Errorf("%s %s: %d %v, want 403 token_not_valid", op.Method, path, resp.StatusCode, body)
		}
	}
}

func TestExpiredJWT(t *testing.T) {
	t.Parallel()
	// exp has whole seconds, so a 3 s token lives 2 to 3 s: time enough for the first calls.
	e := newEnv(t, Config{AccessTokenLifetime: 3 * time.Second})
	access, refresh := e.loginJWT(t, DefaultEmail, DefaultPassword)
	bearer := e.bearerClient(t, access)
	if r, err := bearer.V1DataSourcesOpenaqParametersListWithResponse(ctx(t), nil); err != nil || r.StatusCode() != http.StatusOK {
		t.Fatalf("fresh token: %v %d %s", err, r.StatusCode(), r.Body)
	}
	var last *janaapi.AuthUserRetrieveResponse
	if !eventually(10*time.Second, func() bool {
		last, _ = bearer.AuthUserRetrieveWithResponse(ctx(t))
		return last != nil && last.StatusCode() == http.StatusForbidden
	}) {
		t.Fatalf("a 3 s access token still works after 10 s: %d %s", last.StatusCode(), last.Body)
	}
	if te, msg := tokenError(t, last.Body); te.Detail != msgTokenNotValid || msg != "Token is expired" {
		t.Errorf("expired token body %s", last.Body)
	}
	if r, _ := bearer.V1DataSourcesOpenaqParametersListWithResponse(ctx(t), nil); r.StatusCode() != http.StatusForbidden {
		t.Errorf("data call with an expired token: %d %s", r.StatusCode(), r.Body)
	}
	// The refresh token outlives it.
	r, err := e.anon.AuthRefreshCreateWithResponse(ctx(t), janaapi.RefreshRequest{RefreshToken: &refresh})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("refresh after expiry: %v %d %s", err, r.StatusCode(), r.Body)
	}
	if got, err := e.bearerClient(t, r.JSON200.Data.AccessToken).V1DataSourcesOpenaqParametersListWithResponse(ctx(t), nil); err != nil || got.StatusCode() != http.StatusOK {
		t.Errorf("refreshed token: %v %d", err, got.StatusCode())
	}
}

func TestRevokeJWTs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	access, refresh := e.loginJWT(t, DefaultEmail, DefaultPassword)
	other, _, err := e.sb.IssueJWT("demo")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.post(t, "/__sandbox/revoke", `{"username": "demo"}`)
	if resp.StatusCode != http.StatusOK || string(body) != `{"revoked":2}` {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	for _, tok := range []string{access, other} {
		if r, _ := e.bearerClient(t, tok).AuthUserRetrieveWithResponse(ctx(t)); r.StatusCode() != http.StatusForbidden {
			t.Errorf("revoked access token: %d", r.StatusCode())
		}
	}
	if r, _ := e.anon.AuthRefreshCreateWithResponse(ctx(t), janaapi.RefreshRequest{RefreshToken: &refresh}); r.StatusCode() != http.StatusUnauthorized {
		t.Errorf("revoked refresh token: %d", r.StatusCode())
	}
	if resp, body := e.post(t, "/__sandbox/revoke", `{"username": "nobody"}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("revoke an unknown user: %d %s", resp.StatusCode, body)
	}
	// Reset forgets every sign-in, and a new one works.
	access, _ = e.loginJWT(t, DefaultEmail, DefaultPassword)
	e.sb.Reset()
	if r, _ := e.bearerClient(t, access).AuthUserRetrieveWithResponse(ctx(t)); r.StatusCode() != http.StatusForbidden {
		t.Errorf("access token after Reset: %d", r.StatusCode())
	}
}

// post sends a JSON body to a path of the sandbox without credentials.
func (e *testEnv) post(t *testing.T, path, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return e.do(t, req)
}

func (e *testEnv) do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}
