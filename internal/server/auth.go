package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/jana"
)

// tokenFrom returns the connection's Jana credential and the scheme it goes to Jana with:
// "Authorization: Token <t>" or "Authorization: Bearer <t>" keep theirs; a bare ?token=<t> is
// classified by its shape (jana.Classify: 40 hex characters are a DRF token, a JWT is sent as
// Bearer). The header wins. The token is "" when none is presented, or when the header has
// another scheme.
func tokenFrom(r *http.Request) (jana.Scheme, string) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
		tok = strings.TrimSpace(tok)
		switch {
		case !ok || tok == "":
		case strings.EqualFold(scheme, "Token"):
			return jana.SchemeToken, tok
		case strings.EqualFold(scheme, "Bearer"):
			return jana.SchemeBearer, tok
		}
		return "", ""
	}
	tok := r.URL.Query().Get("token")
	if tok == "" {
		return "", ""
	}
	return jana.Classify(tok), tok
}

// verifyTimeout bounds the token check made before a stream opens.
const verifyTimeout = 10 * time.Second

// authenticate decides whose credentials the request's tool calls will use, per
// MCP_AUTH_MODE, and stores that jana.Caller in the request context. Missing or rejected
// tokens are refused with 401 before any stream opens. A request for an existing session that
// presents an Authorization header of a scheme Jana does not use (Basic, say) is refused with
// 403: the session id is not a credential when another one is presented.
//
// A JWT that expired after its session opened still reaches the session (which checks it is
// the session's own): its tool calls then fail with a tool error telling the user to sign in
// again, which a model relays, where a 401 would look like a broken connection.
func (s *Server) authenticate(c echo.Context) error {
	if s.oauth != nil {
		return s.authenticateOAuth(c) // MCP_AUTH_MODE=oauth (oauth.go)
	}
	r := c.Request()
	inSession := r.Header.Get("Mcp-Session-Id") != ""
	if inSession && presentsOther(r) {
		return fail(codeForbidden)
	}
	user := presented(c)
	var caller *jana.Caller
	if user != nil && s.cfg.Auth.Mode != config.AuthService && s.jana.TokenVerified(user) {
		caller = user // the common case: a token Jana accepted moments ago
	} else {
		var err error
		if caller, err = s.checkCaller(c, user); err != nil {
			var ae *apiError
			if !inSession || !errors.As(err, &ae) || ae.code != codeSignInExpired {
				return err
			}
			caller = user
		}
	}
	ctx := jana.WithCaller(r.Context(), caller)
	ctx = context.WithValue(ctx, limitKeyKey{}, limitKeyFor(c, caller))
	c.SetRequest(r.WithContext(ctx))
	return nil
}

// checkCaller is callerFor with the rejected-token allowance: a client that spent its
// allowance of tokens Jana rejected gets no more checks of new tokens. Tokens Jana accepted
// before are still checked, so a flood of made-up tokens from a shared address cannot lock
// out a real user whose remembered verdict expired.
func (s *Server) checkCaller(c echo.Context, user *jana.Caller) (*jana.Caller, error) {
	ip := "ip:" + c.RealIP()
	if user != nil && s.cfg.Auth.Mode != config.AuthService && !s.jana.KnownGood(user) {
		if err := s.limits.check(limitRejected, ip); err != nil {
			return nil, err
		}
	}
	caller, err := s.callerFor(c.Request().Context(), user)
	var ae *apiError
	if errors.As(err, &ae) && (ae.code == codeInvalidToken || ae.code == codeSignInExpired) {
		_ = s.limits.allow(c, limitRejected, ip)
	}
	return caller, err
}

func (s *Server) callerFor(ctx context.Context, user *jana.Caller) (*jana.Caller, error) {
	mode := s.cfg.Auth.Mode
	if mode == config.AuthService || (user == nil && mode == config.AuthUserOrService) {
		return jana.ServiceCaller(), nil
	}
	if user == nil {
		return nil, fail(codeUnauthorized)
	}
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	if err := s.jana.VerifyToken(ctx, user); err != nil {
		switch {
		case errors.Is(err, jana.ErrTokenRejected):
			return nil, fail(codeInvalidToken)
		case errors.Is(err, jana.ErrSignInExpired):
			return nil, fail(codeSignInExpired)
		}
		s.logger.WarnContext(ctx, "token check failed: Jana unavailable", "err", err)
		return nil, fail(codeBackendDown)
	}
	return user, nil
}

// presented returns the caller for the token the request presents (nil without one).
func presented(c echo.Context) *jana.Caller {
	if scheme, tok := tokenFrom(c.Request()); tok != "" {
		return jana.UserCaller(scheme, tok)
	}
	return nil
}

// presentsOther reports whether the request carries an Authorization header that is not a
// Jana token (Basic credentials, a scheme we do not know, an empty value).
func presentsOther(r *http.Request) bool {
	_, tok := tokenFrom(r)
	return r.Header.Get("Authorization") != "" && tok == ""
}

// sessionIdentity is what a session is bound to: the verified user, or for the service
// account the credential presented when the session was opened ("none" without one). A later
// request of the session must present the same.
func sessionIdentity(c echo.Context) string {
	caller := callerOf(c)
	if caller != nil && !caller.IsService() {
		return caller.Key()
	}
	if user := presented(c); user != nil {
		return "service+" + user.Key()
	}
	return "service+none"
}

// matchesIdentity reports whether a presented token is the one a session is bound to. Keys
// hash the token alone, so the same token presented as ?token= and in a header matches.
func matchesIdentity(identity string, user *jana.Caller) bool {
	return identity == user.Key() || identity == "service+"+user.Key()
}

// limitKey is whom a request's limits (rates, sessions, calls in flight) count against: the
// user Jana verified, or, for calls made with the service account (service mode, anonymous
// callers), the client address. Never a presented token nobody checked: each made-up token
// would get a fresh allowance.
func limitKey(c echo.Context) string {
	if k := limitKeyOf(c.Request().Context()); k != "" {
		return k // authenticate's
	}
	return limitKeyFor(c, callerOf(c))
}

func limitKeyFor(c echo.Context, caller *jana.Caller) string {
	if caller != nil && !caller.IsService() {
		return caller.Key()
	}
	return "ip:" + c.RealIP()
}

type limitKeyKey struct{}

// limitKeyOf returns the limit key authenticate stored in a request's context.
func limitKeyOf(ctx context.Context) string {
	k, _ := ctx.Value(limitKeyKey{}).(string)
	return k
}

// callerOf returns the caller authenticate stored, or nil.
func callerOf(c echo.Context) *jana.Caller {
	caller, _ := jana.CallerFrom(c.Request().Context())
	return caller
}
