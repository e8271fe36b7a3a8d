package sandbox

import (
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// jwtSession is one JWT sign-in (a password login or an approved device code). Its access
// tokens carry its id (the sid claim), so that logout and revocation end them before they
// expire; only its newest refresh token works (rotation, as simplejwt's
// ROTATE_REFRESH_TOKENS with BLACKLIST_AFTER_ROTATION).
type jwtSession struct {
	id      string
	user    *account
	refresh string    // jti of the refresh token that works
	expires time.Time // when that refresh token expires
}

// jwtClaims are simplejwt's claims (token_type, user_id, jti, exp, iat) plus sub and sid.
type jwtClaims struct {
	TokenType string `json:"token_type"`
	UserID    int    `json:"user_id"`
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

const (
	accessType  = "access"
	refreshType = "refresh"
)

// simplejwt's messages.
const (
	msgTokenNotValid    = "Given token not valid for any token type"
	msgTokenExpired     = "Token is expired"
	msgTokenInvalid     = "Token is invalid"
	msgTokenWrongType   = "Token has wrong type"
	msgTokenBlacklisted = "Token is blacklisted"
)

// accessRejected is the answer to a Bearer token that is not a valid access token: simplejwt's
// body with Jana's status, 403.
func accessRejected(msg string) *apiError {
	return &apiError{status: http.StatusForbidden, body: janaapi.TokenError{
		Detail: msgTokenNotValid, Code: new("token_not_valid"),
		Messages: &[]janaapi.TokenErrorMessage{{TokenClass: new("AccessToken"), TokenType: new(accessType), Message: msg}},
	}}
}

// refreshRejected is simplejwt's answer to a refresh token it does not accept.
func refreshRejected(msg string) *apiError {
	return &apiError{status: http.StatusUnauthorized, body: janaapi.TokenError{Detail: msg, Code: new("token_not_valid")},
		header: map[string]string{"WWW-Authenticate": `Bearer realm="api"`}}
}

// startSession signs u in: a new session with a fresh access and refresh token.
func (a *authStore) startSession(u *account) (janaapi.TokenPairResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for id, s := range a.sessions {
		if !now.Before(s.expires) {
			delete(a.sessions, id) // its refresh token expired: nothing of it works any more
		}
	}
	sess := &jwtSession{id: rand.Text(), user: u}
	a.sessions[sess.id] = sess
	return a.issuePair(sess, now)
}

// issuePair signs an access token and a new refresh token for sess, which from now on accepts
// only that refresh token. The caller holds a.mu.
func (a *authStore) issuePair(sess *jwtSession, now time.Time) (janaapi.TokenPairResponse, error) {
	access, _, err := a.sign(sess, accessType, now, a.accessTTL)
	if err != nil {
		return janaapi.TokenPairResponse{}, err
	}
	refresh, jti, err := a.sign(sess, refreshType, now, a.refreshTTL)
	if err != nil {
		return janaapi.TokenPairResponse{}, err
	}
	sess.refresh, sess.expires = jti, now.Add(a.refreshTTL)
	return janaapi.TokenPairResponse{Data: janaapi.TokenPair{AccessToken: access, RefreshToken: &refresh}}, nil
}

func (a *authStore) sign(sess *jwtSession, typ string, now time.Time, ttl time.Duration) (token, jti string, err error) {
	jti = rand.Text()
	claims := jwtClaims{TokenType: typ, UserID: sess.user.id, SessionID: sess.id, RegisteredClaims: jwt.RegisteredClaims{
		Subject: strconv.Itoa(sess.user.id), ID: jti, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	token, err = jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.secret)
	if err != nil {
		return "", "", fmt.Errorf("sign %s token: %w", typ, err)
	}
	return token, jti, nil
}

// parse verifies a token's signature, expiry and type.
func (a *authStore) parse(token, typ string) (*jwtClaims, string) {
	var claims jwtClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return a.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithTimeFunc(a.now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, msgTokenExpired
	case err != nil:
		return nil, msgTokenInvalid
	case claims.TokenType != typ:
		return nil, msgTokenWrongType
	}
	return &claims, ""
}

// verifyAccess is Jana's JWT authentication of a Bearer token.
func (a *authStore) verifyAccess(token string) (*account, *jwtClaims, *apiError) {
	claims, msg := a.parse(token, accessType)
	if msg != "" {
		return nil, nil, accessRejected(msg)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	sess := a.sessions[claims.SessionID]
	if sess == nil {
		return nil, nil, accessRejected(msgTokenBlacklisted) // logged out or revoked
	}
	return sess.user, claims, nil
}

// refresh exchanges a refresh token for a new pair; the one presented stops working.
func (a *authStore) refresh(token string) (janaapi.TokenPairResponse, *apiError, error) {
	claims, msg := a.parse(token, refreshType)
	if msg != "" {
		return janaapi.TokenPairResponse{}, refreshRejected(msg), nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	sess := a.sessions[claims.SessionID]
	if sess == nil || sess.refresh != claims.ID {
		return janaapi.TokenPairResponse{}, refreshRejected(msgTokenBlacklisted), nil
	}
	pair, err := a.issuePair(sess, a.now())
	return pair, nil, err
}

// endSession ends a JWT sign-in (logout).
func (a *authStore) endSession(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, id)
}

// revokeUser ends every JWT sign-in of a user and reports how many there were.
func (a *authStore) revokeUser(username string) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.byName[username]
	if u == nil {
		return 0, fmt.Errorf("no user %q", username)
	}
	n := 0
	for _, id := range slices.Sorted(maps.Keys(a.sessions)) {
		if a.sessions[id].user == u {
			delete(a.sessions, id)
			n++
		}
	}
	return n, nil
}

// AuthRefreshCreate implements POST /api/auth/refresh/.
func (h *server) AuthRefreshCreate(c echo.Context) error {
	body, ae := readBody(c, "refresh_token")
	if ae != nil {
		return ae
	}
	if ae := required(body, "refresh_token"); ae != nil {
		return ae
	}
	pair, ae, err := h.s.auth.refresh(*body["refresh_token"])
	if err != nil {
		return err
	}
	if ae != nil {
		return ae
	}
	return writeJSON(c, http.StatusOK, pair)
}

// IssueJWT signs a user in without a password, as a JWT login would: an access token and a
// refresh token of a new sign-in. In-process tests and the demo use it.
func (s *Sandbox) IssueJWT(username string) (access, refresh string, err error) {
	s.auth.mu.RLock()
	u := s.auth.byName[username]
	s.auth.mu.RUnlock()
	if u == nil {
		return "", "", fmt.Errorf("sandbox: no user %q", username)
	}
	pair, err := s.auth.startSession(u)
	if err != nil {
		return "", "", err
	}
	return pair.Data.AccessToken, *pair.Data.RefreshToken, nil
}

// RevokeJWTs ends every JWT sign-in of a user, as an administrator revoking their sessions
// would: their access tokens get 403 and their refresh tokens 401 from then on. It returns
// how many sign-ins ended.
func (s *Sandbox) RevokeJWTs(username string) (int, error) { return s.auth.revokeUser(username) }

// AccessTokenLifetime is how long the JWT access tokens this sandbox issues are valid.
func (s *Sandbox) AccessTokenLifetime() time.Duration { return s.auth.accessTTL }
