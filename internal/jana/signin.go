package jana

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/gen/janaops"
)

// Sign-ins this server holds on behalf of users (MCP_AUTH_MODE=oauth): a user signs in to Jana
// on the server's sign-in page, and from then on the server keeps their Jana JWTs, refreshing
// the access token before it expires with the same schedule as the service account
// (renewal.go). MCP clients never see Jana's tokens.

// SignInTokens are a Jana JWT sign-in's tokens and when they arrived here.
type SignInTokens struct {
	Access, Refresh string
	Obtained        time.Time
}

// SignInStore keeps one user's sign-in where every replica finds it (the oauth package keeps
// it encrypted, in Redis or in memory).
type SignInStore interface {
	// Tokens returns the sign-in's current tokens, or ErrSignInEnded.
	Tokens(ctx context.Context) (SignInTokens, error)
	// Replace calls renew with the current tokens while it holds the sign-in's lock (one
	// renewal at a time across replicas: Jana rotates refresh tokens, so two at once would end
	// the sign-in) and stores the tokens renew returns.
	Replace(ctx context.Context, renew func(cur SignInTokens) (SignInTokens, error)) (SignInTokens, error)
	// End ends the sign-in: Jana refused its refresh token.
	End(ctx context.Context)
}

// ErrSignInEnded means a sign-in held for a user is over: signed out or revoked at Jana (its
// refresh token refused), or revoked at this server.
var ErrSignInEnded = errors.New("jana sign-in ended")

// SignedIn returns the caller for a user whose Jana sign-in this server holds. key identifies
// the user (not a token): it keys their cache entries, limits and sessions. Each backend call
// reads the sign-in's current access token from store, renewing it when due; a call whose
// token Jana refuses renews it and is retried once.
func (c *Client) SignedIn(key string, store SignInStore) *Caller {
	return &Caller{key: key, scheme: SchemeBearer, sum: sha256.Sum256([]byte("signed-in " + key)),
		source: &signIn{store: store, api: c.authAPI, now: time.Now}}
}

// IsSignedIn reports whether the caller is a user whose sign-in this server holds (SignedIn).
func (c *Caller) IsSignedIn() bool { return c.source != nil }

// signIn supplies a signed-in caller's access token.
type signIn struct {
	store    SignInStore
	api      *janaapi.ClientWithResponses // Jana's auth service
	now      func() time.Time
	renewals renewal

	mu       sync.Mutex
	rejected string // the access token Jana refused last
}

// token returns the access token to send now.
func (s *signIn) token(ctx context.Context) (Scheme, string, error) {
	cur, err := s.current(ctx)
	if err != nil {
		return "", "", err
	}
	c, err := s.renewals.token(ctx, s.now(), cur, cur.refresh != "", s.renew)
	if errors.Is(err, errNothingToSend) {
		err = ended()
	}
	return c.scheme, c.token, err
}

func (s *signIn) current(ctx context.Context) (credential, error) {
	t, err := s.store.Tokens(ctx)
	if errors.Is(err, ErrSignInEnded) {
		return credential{}, ended()
	}
	if err != nil {
		return credential{}, &Error{Kind: KindUnavailable, Op: opRefresh, Detail: "the sign-in store did not answer", Err: err}
	}
	return s.credential(t), nil
}

func (s *signIn) credential(t SignInTokens) credential {
	c := credentialFor(SchemeBearer, t.Access, t.Refresh, t.Obtained)
	s.mu.Lock()
	c.stale = t.Access != "" && t.Access == s.rejected
	s.mu.Unlock()
	return c
}

// invalidate marks token as refused by Jana: the next call renews it.
func (s *signIn) invalidate(token string) {
	s.mu.Lock()
	s.rejected = token
	s.mu.Unlock()
}

// renew refreshes the access token under the store's lock, unless another call or replica
// did so meanwhile. A refresh token Jana refuses ends the sign-in.
func (s *signIn) renew(ctx context.Context) (credential, error) {
	var refused bool
	t, err := s.store.Replace(ctx, func(cur SignInTokens) (SignInTokens, error) {
		if c := s.credential(cur); c.fresh(s.now()) {
			return cur, nil
		}
		next, err := refreshJWT(ctx, s.api, cur.Refresh, s.now)
		if je, ok := AsError(err); ok && (je.Kind == KindUnauthorized || je.Kind == KindInvalid) {
			refused = true
		}
		if err != nil {
			return SignInTokens{}, err
		}
		return SignInTokens{Access: next.token, Refresh: next.refresh, Obtained: s.now()}, nil
	})
	switch {
	case refused:
		s.store.End(context.WithoutCancel(ctx))
		return credential{}, ended()
	case errors.Is(err, ErrSignInEnded):
		return credential{}, ended()
	case err != nil:
		if _, ok := AsError(err); !ok {
			err = &Error{Kind: KindUnavailable, Op: opRefresh, Detail: "the sign-in store did not answer", Err: err}
		}
		return credential{}, err
	}
	return s.credential(t), nil
}

// ended is the error of a call made for a sign-in that is over.
func ended() error {
	return &Error{Kind: KindUnauthorized, Op: opRefresh, Status: http.StatusUnauthorized, Expired: true,
		Detail: "the Jana sign-in ended (signed out or revoked)", Err: ErrSignInEnded}
}

// ErrBadCredentials means Jana refused an email and password.
var ErrBadCredentials = errors.New("jana refused the email or password")

// PasswordSignIn signs a user in to Jana with their email and password (JWT login) and
// returns the sign-in's tokens. The password goes to Jana and nowhere else.
func (c *Client) PasswordSignIn(ctx context.Context, email, password string) (SignInTokens, error) {
	if _, err := mail.ParseAddress(email); err != nil {
		return SignInTokens{}, ErrBadCredentials // not an address Jana could know
	}
	resp, err := janaops.Login(withoutCaller(ctx), c.authAPI, jsonBody(map[string]string{"email": email, "password": password}))
	status, body, err := answer(opLogin, resp, err)
	if status == http.StatusBadRequest || status == http.StatusUnauthorized {
		return SignInTokens{}, ErrBadCredentials
	}
	if err != nil {
		return SignInTokens{}, err
	}
	access, refresh, ok := tokenPair(body)
	if !ok || refresh == "" {
		return SignInTokens{}, &Error{Kind: KindUnexpected, Op: opLogin, Detail: "login returned no access_token and refresh_token"}
	}
	return SignInTokens{Access: access, Refresh: refresh, Obtained: time.Now()}, nil
}

// DeviceSignIn is a device authorization Jana handed out (RFC 8628 §3.2): the user opens
// VerificationURI (or VerificationURIComplete), checks UserCode and approves.
type DeviceSignIn struct {
	DeviceCode              string
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	ExpiresIn               time.Duration
	Interval                time.Duration
}

// StartDeviceSignIn asks Jana for a device code, as clientID (Jana's clients send jana-sdk).
func (c *Client) StartDeviceSignIn(ctx context.Context, clientID string) (DeviceSignIn, error) {
	const op = janaops.DeviceCodeID
	resp, err := janaops.DeviceCode(withoutCaller(ctx), c.authAPI, jsonBody(map[string]string{"client_id": clientID}))
	status, body, err := answer(op, resp, err)
	if err != nil {
		return DeviceSignIn{}, err
	}
	type deviceCode struct {
		DeviceCode              string `json:"device_code"`
		UserCode                string `json:"user_code"`
		VerificationUri         string `json:"verification_uri"`
		VerificationUriComplete string `json:"verification_uri_complete"`
		ExpiresIn               int    `json:"expires_in"`
		Interval                int    `json:"interval"`
	}
	var b struct {
		Data *deviceCode `json:"data"`
		deviceCode
	}
	if json.Unmarshal(body, &b) != nil {
		return DeviceSignIn{}, &Error{Kind: KindUnexpected, Op: op, Status: status}
	}
	d := b.deviceCode
	if b.Data != nil && b.Data.DeviceCode != "" {
		d = *b.Data // Jana's usual form, wrapped in data
	}
	if d.DeviceCode == "" || d.UserCode == "" || !strings.HasPrefix(d.VerificationUri, "http") {
		return DeviceSignIn{}, &Error{Kind: KindUnexpected, Op: op, Status: status, Detail: "device-code answer lacks device_code, user_code or verification_uri"}
	}
	out := DeviceSignIn{DeviceCode: d.DeviceCode, UserCode: d.UserCode, VerificationURI: d.VerificationUri,
		ExpiresIn: time.Duration(d.ExpiresIn) * time.Second, Interval: time.Duration(d.Interval) * time.Second}
	if strings.HasPrefix(d.VerificationUriComplete, "http") {
		out.VerificationURIComplete = d.VerificationUriComplete
	}
	if out.Interval <= 0 {
		out.Interval = 5 * time.Second // RFC 8628 §3.2: 5 s when absent
	}
	return out, nil
}

// The answers to a device-token poll other than success (RFC 8628 §3.5).
var (
	ErrDevicePending  = errors.New("authorization_pending")
	ErrDeviceSlowDown = errors.New("slow_down")
	ErrDeviceDenied   = errors.New("access_denied")
	ErrDeviceExpired  = errors.New("expired_token")
)

// PollDeviceSignIn asks Jana once whether the user approved deviceCode: the sign-in's
// tokens, or ErrDevicePending, ErrDeviceSlowDown, ErrDeviceDenied, ErrDeviceExpired.
func (c *Client) PollDeviceSignIn(ctx context.Context, clientID, deviceCode string) (SignInTokens, error) {
	const op = janaops.DeviceTokenID
	resp, err := janaops.DeviceToken(withoutCaller(ctx), c.authAPI, jsonBody(map[string]string{
		"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": deviceCode, "client_id": clientID}))
	r, err := receive(op, resp, err)
	if err != nil {
		return SignInTokens{}, err
	}
	if r.status == http.StatusOK {
		access, refresh, ok := tokenPair(r.body)
		if !ok || refresh == "" {
			return SignInTokens{}, &Error{Kind: KindUnexpected, Op: op, Detail: "device-token returned no access_token and refresh_token"}
		}
		return SignInTokens{Access: access, Refresh: refresh, Obtained: time.Now()}, nil
	}
	var b struct {
		Error string `json:"error"`
		Data  *struct {
			Error string `json:"error"`
		} `json:"data"`
	}
	_ = json.Unmarshal(r.body, &b)
	code := b.Error
	if code == "" && b.Data != nil {
		code = b.Data.Error
	}
	switch code {
	case "authorization_pending":
		return SignInTokens{}, ErrDevicePending
	case "slow_down":
		return SignInTokens{}, ErrDeviceSlowDown
	case "access_denied":
		return SignInTokens{}, ErrDeviceDenied
	case "expired_token":
		return SignInTokens{}, ErrDeviceExpired
	}
	return SignInTokens{}, responseError(op, r.status, r.contentType, r.body)
}

// User is who a Jana sign-in belongs to.
type User struct {
	ID              int
	Username, Email string
}

// SignedInUser asks Jana whose sign-in access is (GET /api/auth/user/).
func (c *Client) SignedInUser(ctx context.Context, access string) (User, error) {
	ctx = WithoutCache(WithCaller(ctx, UserCaller(SchemeBearer, access)))
	resp, err := janaops.User(ctx, c.authAPI)
	_, body, err := answer(opUser, resp, err)
	if err != nil {
		return User{}, err
	}
	type user struct {
		Id       int     `json:"id"`
		Username string  `json:"username"`
		Email    *string `json:"email"`
	}
	var b struct {
		Data *user `json:"data"`
		user
	}
	if json.Unmarshal(body, &b) != nil {
		return User{}, &Error{Kind: KindUnexpected, Op: opUser}
	}
	u := b.user
	if b.Data != nil {
		u = *b.Data
	}
	if u.Id == 0 && u.Username == "" {
		return User{}, &Error{Kind: KindUnexpected, Op: opUser, Detail: "the user has neither id nor username"}
	}
	out := User{ID: u.Id, Username: u.Username}
	if u.Email != nil {
		out.Email = string(*u.Email)
	}
	return out, nil
}

// EndSignIn ends a sign-in at Jana, so that its refresh token stops working there too: a
// logout with its access token, or, when Jana refuses that one (it lives minutes), with one
// obtained from the refresh token for the purpose.
func (c *Client) EndSignIn(ctx context.Context, t SignInTokens) error {
	err := c.SignOut(ctx, t.Access)
	if je, ok := AsError(err); !ok || !je.CredentialRejected() || t.Refresh == "" {
		return err
	}
	fresh, rerr := refreshJWT(withoutCaller(ctx), c.authAPI, t.Refresh, time.Now)
	if rerr != nil {
		return nil // Jana refuses the refresh token too: the sign-in is over there already
	}
	return c.SignOut(ctx, fresh.token)
}

// SignOut ends a sign-in at Jana (POST /api/auth/logout/ with its access token), so that its
// refresh token stops working there too.
func (c *Client) SignOut(ctx context.Context, access string) error {
	resp, err := janaops.Logout(WithCaller(ctx, UserCaller(SchemeBearer, access)), c.authAPI)
	r, err := receive(janaops.LogoutID, resp, err)
	if err != nil {
		return err
	}
	if r.status >= 300 {
		return responseError(janaops.LogoutID, r.status, r.contentType, r.body)
	}
	return nil
}
