package jana

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/gen/janaops"
	"github.com/janaplatform/jana-mcp/internal/config"
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
	static       config.Secret
	username     string
	email        string
	password     config.Secret
	jwtAPI       *janaapi.ClientWithResponses // JANA_AUTH_URL: JWT login and refresh
	legacyAPI    *janaapi.ClientWithResponses // JANA_BACKEND_URL: DRF token login
	now          func() time.Time

	mu             sync.Mutex
	cur            serviceCredential
	staticRejected bool
	renewals       singleflight.Group
}

// serviceCredential is the credential in use and when to renew it.
type serviceCredential struct {
	scheme  Scheme
	token   string
	refresh string    // the JWT refresh token, "" without one
	renewAt time.Time // renew from here on, in the background; zero: no expiry known
	staleAt time.Time // from here on wait for the renewal instead of sending this token
	stale   bool      // Jana rejected it
}

// Fraction of an access token's life after which it is renewed, and after which calls wait
// for the renewal rather than risk sending a token about to expire.
const (
	renewAfter = 0.8
	staleAfter = 0.95
)

func newServiceAccount(b config.Backend, jwtAPI, legacyAPI *janaapi.ClientWithResponses) *ServiceAccount {
	if !b.HasServiceCredentials() {
		return nil
	}
	s := &ServiceAccount{username: b.Username, email: b.Email, password: b.Password,
		jwtAPI: jwtAPI, legacyAPI: legacyAPI, now: time.Now}
	if !b.Token.IsZero() {
		scheme, tok, _ := ParseCredential(b.Token.Reveal()) // config validated it
		s.staticScheme, s.static = scheme, config.Secret(tok)
	}
	return s
}

// Login obtains a credential now (start-up), so that a wrong password shows at once in the logs.
func (s *ServiceAccount) Login(ctx context.Context) error {
	_, _, err := s.token(ctx)
	return err
}

// credentialFor describes a token just obtained at now.
func credentialFor(scheme Scheme, token, refresh string, now time.Time) serviceCredential {
	c := serviceCredential{scheme: scheme, token: token, refresh: refresh}
	if scheme != SchemeBearer {
		return c
	}
	iat, exp, ok := jwtTimes(token)
	if !ok || exp.IsZero() {
		return c
	}
	// The token's life by its own claims, counted from when it arrived here (so that a clock
	// skew between Jana and this server does not matter), but never past exp itself.
	end := exp
	if !iat.IsZero() && exp.After(iat) {
		end = now.Add(exp.Sub(iat))
		if exp.Before(end) {
			end = exp
		}
	}
	life := end.Sub(now)
	c.renewAt = now.Add(time.Duration(float64(life) * renewAfter))
	c.staleAt = now.Add(time.Duration(float64(life) * staleAfter))
	return c
}

// token returns the credential to send now, renewing it when due.
func (s *ServiceAccount) token(ctx context.Context) (Scheme, string, error) {
	s.mu.Lock()
	if s.cur.token == "" && !s.static.IsZero() && !s.staticRejected {
		s.cur = credentialFor(s.staticScheme, s.static.Reveal(), "", s.now())
	}
	cur := s.cur
	s.mu.Unlock()
	now := s.now()
	usable := cur.token != "" && !cur.stale
	switch {
	case usable && (cur.renewAt.IsZero() || now.Before(cur.renewAt)):
		return cur.scheme, cur.token, nil
	case usable && now.Before(cur.staleAt) && s.canRenew():
		// Due for renewal but still good: renew in the background, and send it meanwhile.
		s.renewals.DoChan("renew", func() (any, error) { return s.renew(ctx) })
		return cur.scheme, cur.token, nil
	case !s.canRenew():
		if cur.token != "" {
			return cur.scheme, cur.token, nil // nothing better to send; Jana will say why
		}
		return "", "", &Error{Kind: KindUnauthorized, Op: opLogin, Detail: "no usable service credentials: Jana rejected JANA_TOKEN"}
	}
	v, err, _ := s.renewals.Do("renew", func() (any, error) { return s.renew(ctx) })
	if err != nil {
		return "", "", err
	}
	c := v.(serviceCredential)
	return c.scheme, c.token, nil
}

// renew replaces the current credential: with the refresh token if there is one, else (or
// when the refresh fails) by signing in. It runs under the renewals group, so never twice at
// once, and detached from the call that started it, whose cancellation must not fail the
// others waiting for it.
func (s *ServiceAccount) renew(ctx context.Context) (serviceCredential, error) {
	ctx = withoutCaller(context.WithoutCancel(ctx))
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur.token != "" && !cur.stale && (cur.renewAt.IsZero() || s.now().Before(cur.renewAt)) {
		return cur, nil // renewed by the flight that just ended
	}
	var next serviceCredential
	var err error
	if cur.refresh != "" {
		next, err = s.refreshJWT(ctx, cur.refresh)
	}
	if cur.refresh == "" || err != nil {
		next, err = s.login(ctx)
	}
	if err != nil {
		return serviceCredential{}, err
	}
	s.mu.Lock()
	s.cur = next
	s.mu.Unlock()
	return next, nil
}

// login signs in: with JANA_EMAIL for JWTs, else with JANA_USERNAME for a DRF token.
func (s *ServiceAccount) login(ctx context.Context) (serviceCredential, error) {
	if s.email != "" {
		resp, err := janaops.Login(ctx, s.jwtAPI, jsonBody(map[string]string{"email": s.email, "password": s.password.Reveal()}))
		status, body, err := answer(opLogin, resp, err)
		if status == http.StatusBadRequest || status == http.StatusUnauthorized {
			return serviceCredential{}, &Error{Kind: KindUnauthorized, Op: opLogin, Status: status,
				Detail: "Jana rejected the service account's email or password (JANA_EMAIL, JANA_PASSWORD)"}
		}
		if err != nil {
			return serviceCredential{}, err
		}
		access, refresh, ok := tokenPair(body)
		if !ok {
			return serviceCredential{}, &Error{Kind: KindUnexpected, Op: opLogin, Status: status, Detail: "login returned no access_token"}
		}
		return credentialFor(SchemeBearer, access, refresh, s.now()), nil
	}
	resp, err := janaops.Login(ctx, s.legacyAPI, jsonBody(map[string]string{"username": s.username, "password": s.password.Reveal()}))
	status, body, err := answer(opLogin, resp, err)
	if status == http.StatusBadRequest {
		return serviceCredential{}, &Error{Kind: KindUnauthorized, Op: opLogin, Status: http.StatusBadRequest,
			Detail: "Jana rejected the service account's username or password"}
	}
	if err != nil {
		return serviceCredential{}, err
	}
	var out struct {
		Token string `json:"token"`
	}
	if json.Unmarshal(body, &out) != nil || out.Token == "" {
		return serviceCredential{}, &Error{Kind: KindUnexpected, Op: opLogin, Detail: "login returned an empty token"}
	}
	return credentialFor(SchemeToken, out.Token, "", s.now()), nil
}

// refreshJWT exchanges the refresh token for a new access token, keeping the old refresh
// token unless Jana rotated it.
func (s *ServiceAccount) refreshJWT(ctx context.Context, refresh string) (serviceCredential, error) {
	resp, err := janaops.Refresh(ctx, s.jwtAPI, jsonBody(map[string]string{"refresh_token": refresh}))
	_, body, err := answer(opRefresh, resp, err)
	if err != nil {
		return serviceCredential{}, err
	}
	access, rotated, ok := tokenPair(body)
	if !ok {
		return serviceCredential{}, &Error{Kind: KindUnexpected, Op: opRefresh, Detail: "refresh returned no access_token"}
	}
	if rotated == "" {
		rotated = refresh
	}
	return credentialFor(SchemeBearer, access, rotated, s.now()), nil
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

func ptr[T any](v T) *T { return &v }
