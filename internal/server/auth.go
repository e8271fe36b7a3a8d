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

// tokenFrom returns the connection's Jana token: from "Authorization: Token <t>" or
// "Authorization: Bearer <t>", else from ?token=<t>. The header wins.
func tokenFrom(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
		if ok && (strings.EqualFold(scheme, "Token") || strings.EqualFold(scheme, "Bearer")) {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return r.URL.Query().Get("token")
}

// verifyTimeout bounds the token check made before a stream opens.
const verifyTimeout = 10 * time.Second

// authenticate decides whose credentials the request's tool calls will use, per
// MCP_AUTH_MODE, and stores that jana.Caller in the request context. Missing or rejected
// tokens are refused with 401 before any stream opens.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		user := presented(c)
		var caller *jana.Caller
		if user != nil && s.cfg.Auth.Mode != config.AuthService && s.jana.TokenVerified(user) {
			caller = user // the common case: a token Jana accepted moments ago
		} else {
			var err error
			if caller, err = s.checkCaller(c, user); err != nil {
				return err
			}
		}
		c.Set(callerKey, caller)
		c.SetRequest(r.WithContext(jana.WithCaller(r.Context(), caller)))
		return next(c)
	}
}

const callerKey = "jana.caller"

// checkCaller is callerFor with the rejected-token allowance: a client that spent its
// allowance of tokens Jana rejected gets no more checks.
func (s *Server) checkCaller(c echo.Context, user *jana.Caller) (*jana.Caller, error) {
	ip := "ip:" + c.RealIP()
	if user != nil {
		if err := s.limits.check(limitRejected, ip); err != nil {
			return nil, err
		}
	}
	caller, err := s.callerFor(c.Request().Context(), user)
	var ae *apiError
	if errors.As(err, &ae) && ae.code == codeInvalidToken {
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
		if errors.Is(err, jana.ErrTokenRejected) {
			return nil, fail(codeInvalidToken)
		}
		s.logger.WarnContext(ctx, "token check failed: Jana unavailable", "err", err)
		return nil, fail(codeBackendDown)
	}
	return user, nil
}

const presentedKey = "jana.presented"

// presented returns the caller for the token the request presents (nil without one),
// computed once per request: rate limiting and authentication both need it.
func presented(c echo.Context) *jana.Caller {
	if v, ok := c.Get(presentedKey).(*jana.Caller); ok {
		return v
	}
	var caller *jana.Caller
	if tok := tokenFrom(c.Request()); tok != "" {
		caller = jana.UserCaller(tok)
	}
	c.Set(presentedKey, caller)
	return caller
}

// callerOf returns the caller authenticate stored.
func callerOf(c echo.Context) *jana.Caller {
	caller, _ := c.Get(callerKey).(*jana.Caller)
	return caller
}
