package jana

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/gen/janaops"
	"github.com/janaplatform/jana-mcp/internal/secret"
)

// ServiceAccount holds the service credentials and keeps a usable one at hand:
//
//   - JANA_EMAIL and JANA_PASSWORD: a JWT sign-in at JANA_AUTH_URL. The access token is
//     renewed with the refresh token before it expires (at 80% of its life, read from its
//     exp and iat claims), in the background while it is still good; when the refresh fails
//     the account signs in again.
//   - JANA_USERNAME and JANA_PASSWORD: a legacy DRF token from JANA_BACKEND_URL, obtained again
//     whenever Jana rejects it.
//   - JANA_TOKEN: a fixed credential ("Bearer …", "Token …", or bare and classified), used
//     until Jana rejects it; then the account signs in, if it can.
//
// Renewals are shared by all concurrent calls (one request to Jana at a time).
type ServiceAccount struct {
	staticScheme Scheme
	static       secret.Value
	username     string
	email        string
	password     secret.Value
	jwtAPI       *janaapi.ClientWithResponses // JANA_AUTH_URL: JWT login and refresh
	legacyAPI    *janaapi.ClientWithResponses // JANA_BACKEND_URL: DRF token login
	now          func() time.Time

	mu             sync.Mutex
	cur            credential
	staticRejected bool
	renewals       renewal
}

func newServiceAccount(c ServiceCredentials, jwtAPI, legacyAPI *janaapi.ClientWithResponses) *ServiceAccount {
	if !c.configured() {
		return nil
	}
	s := &ServiceAccount{username: c.Username, email: c.Email, password: c.Password,
		jwtAPI: jwtAPI, legacyAPI: legacyAPI, now: time.Now}
	if !c.Token.IsZero() {
		scheme, tok, _ := ParseCredential(c.Token.Reveal()) // the settings validated it
		s.staticScheme, s.static = scheme, secret.Value(tok)
	}
	return s
}

// Login obtains a credential now (start-up), so that a wrong password shows at once in the logs.
func (s *ServiceAccount) Login(ctx context.Context) error {
	_, _, err := s.token(ctx)
	return err
}

// token returns the credential to send now, renewing it when due (renewal.go).
func (s *ServiceAccount) token(ctx context.Context) (Scheme, string, error) {
	s.mu.Lock()
	if s.cur.token == "" && !s.static.IsZero() && !s.staticRejected {
		s.cur = credentialFor(s.staticScheme, s.static.Reveal(), "", s.now())
	}
	cur := s.cur
	s.mu.Unlock()
	c, err := s.renewals.token(ctx, s.now(), cur, s.canRenew(), s.renew)
	if errors.Is(err, errNothingToSend) {
		return "", "", &Error{Kind: KindUnauthorized, Op: opLogin, Detail: "no usable service credentials: Jana rejected JANA_TOKEN"}
	}
	return c.scheme, c.token, err
}

// renew replaces the current credential: with the refresh token if there is one, else (or
// when the refresh fails) by signing in. It runs under the renewals group, so never twice at
// once, detached from the call that started it.
func (s *ServiceAccount) renew(ctx context.Context) (credential, error) {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur.fresh(s.now()) {
		return cur, nil // renewed by the flight that just ended
	}
	var next credential
	var err error
	if cur.refresh != "" {
		next, err = s.refreshJWT(ctx, cur.refresh)
	}
	if cur.refresh == "" || err != nil {
		next, err = s.login(ctx)
	}
	if err != nil {
		return credential{}, err
	}
	s.mu.Lock()
	s.cur = next
	s.mu.Unlock()
	return next, nil
}

// login signs in: with JANA_EMAIL for JWTs, else with JANA_USERNAME for a DRF token.
func (s *ServiceAccount) login(ctx context.Context) (credential, error) {
	if s.email != "" {
		resp, err := janaops.Login(ctx, s.jwtAPI, jsonBody(map[string]string{"email": s.email, "password": s.password.Reveal()}))
		status, body, err := answer(opLogin, resp, err)
		if status == http.StatusBadRequest || status == http.StatusUnauthorized {
			return credential{}, &Error{Kind: KindUnauthorized, Op: opLogin, Status: status,
				Detail: "Jana rejected the service account's email or password (JANA_EMAIL, JANA_PASSWORD)"}
		}
		if err != nil {
			return credential{}, err
		}
		access, refresh, ok := tokenPair(body)
		if !ok {
			return credential{}, &Error{Kind: KindUnexpected, Op: opLogin, Status: status, Detail: "login returned no access_token"}
		}
		return credentialFor(SchemeBearer, access, refresh, s.now()), nil
	}
	resp, err := janaops.Login(ctx, s.legacyAPI, jsonBody(map[string]string{"username": s.username, "password": s.password.Reveal()}))
	status, body, err := answer(opLogin, resp, err)
	if status == http.StatusBadRequest {
		return credential{}, &Error{Kind: KindUnauthorized, Op: opLogin, Status: http.StatusBadRequest,
			Detail: "Jana rejected the service account's username or password"}
	}
	if err != nil {
		return credential{}, err
	}
	var out struct {
		Token string `json:"token"`
	}
	if json.Unmarshal(body, &out) != nil || out.Token == "" {
		return credential{}, &Error{Kind: KindUnexpected, Op: opLogin, Detail: "login returned an empty token"}
	}
	return credentialFor(SchemeToken, out.Token, "", s.now()), nil
}

func (s *ServiceAccount) refreshJWT(ctx context.Context, refresh string) (credential, error) {
	return refreshJWT(ctx, s.jwtAPI, refresh, s.now)
}

// refreshJWT exchanges a refresh token for a new access token at Jana's auth service,
// keeping the old refresh token unless Jana rotated it.
func refreshJWT(ctx context.Context, api *janaapi.ClientWithResponses, refresh string, now func() time.Time) (credential, error) {
	resp, err := janaops.Refresh(ctx, api, jsonBody(map[string]string{"refresh_token": refresh}))
	_, body, err := answer(opRefresh, resp, err)
	if err != nil {
		return credential{}, err
	}
	access, rotated, ok := tokenPair(body)
	if !ok {
		return credential{}, &Error{Kind: KindUnexpected, Op: opRefresh, Detail: "refresh returned no access_token"}
	}
	if rotated == "" {
		rotated = refresh
	}
	return credentialFor(SchemeBearer, access, rotated, now()), nil
}

// tokenPair reads access_token and refresh_token from a JWT answer, under "data" (Jana's
// usual form) or at the top level, as Jana's SDK does.
func tokenPair(body []byte) (access, refresh string, ok bool) {
	type pair struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	var b struct {
		Data *pair `json:"data"`
		pair
	}
	if json.Unmarshal(body, &b) != nil {
		return "", "", false
	}
	p := b.pair
	if b.Data != nil && b.Data.AccessToken != "" {
		p = *b.Data
	}
	return p.AccessToken, p.RefreshToken, p.AccessToken != ""
}

// secrets returns every credential the account holds, for scrubbing backend answers.
func (s *ServiceAccount) secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []string{s.static.Reveal(), s.password.Reveal(), s.cur.token, s.cur.refresh}
}

// signsInWithJWT reports whether the account's credentials are JWTs, which the auth service
// (JANA_AUTH_URL) checks.
func (s *ServiceAccount) signsInWithJWT() bool {
	return s.email != "" || (s.staticScheme == SchemeBearer && s.username == "")
}

// canRenew reports whether a rejected or expiring credential can be replaced.
func (s *ServiceAccount) canRenew() bool {
	if s == nil {
		return false
	}
	if (s.username != "" || s.email != "") && !s.password.IsZero() {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.refresh != ""
}

// invalidate marks token as rejected by Jana, so that the next call renews it.
func (s *ServiceAccount) invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.token == token {
		s.cur.stale = true
	}
	if token == s.static.Reveal() {
		s.staticRejected = true
	}
}

const (
	opLogin   = janaops.LoginID
	opRefresh = janaops.RefreshID
)

// withoutCaller returns ctx with its caller removed (anonymous calls such as login).
func withoutCaller(ctx context.Context) context.Context {
	return context.WithValue(ctx, callerKey{}, (*Caller)(nil))
}
