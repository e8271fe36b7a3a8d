package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/oauth"
)

// MCP_AUTH_MODE=oauth: the server is an OAuth 2.1 authorization server (internal/oauth) and
// its MCP endpoints are the resource it protects. This file hooks that in: the routes, the
// authentication of MCP requests by this server's access tokens, and the 401s that send
// clients to discovery. Only in this mode does anything answer under /.well-known/ or carry
// resource_metadata: Cursor ignores the headers users configure once a server offers OAuth.

// newOAuth builds the authorization server, on the replicas' Redis when there is one.
func (s *Server) newOAuth(client *jana.Client, o Options) (*oauth.Server, error) {
	opts := oauth.Options{Config: s.cfg.Auth.OAuth, PublicURL: s.cfg.Transport.PublicURL, Jana: client,
		Logger: s.logger.With("component", "oauth"), ClientDocs: o.ClientDocuments, Store: o.OAuthStore,
		RefreshBound: s.cfg.Backend.Timeout}
	if opts.Store == nil && s.cluster != nil {
		opts.Store = oauth.NewRedisStore(s.cluster.Redis())
	}
	return oauth.New(opts)
}

// oauthRoutes adds the discovery documents, the authorization server's endpoints and the
// sign-in pages (MCP_AUTH_MODE=oauth only).
func (s *Server) oauthRoutes(e *echo.Echo) {
	o := s.oauth
	if o == nil {
		return
	}
	handler := func(f http.HandlerFunc) echo.HandlerFunc { return echo.WrapHandler(f) }
	readable := []string{http.MethodGet, http.MethodOptions}
	callable := []string{http.MethodPost, http.MethodOptions}
	// Discovery, token, registration and revocation: for any origin (CORS; no cookies).
	for _, endpoint := range append([]string{""}, oauth.Endpoints...) {
		e.Match(readable, oauth.PathResourceMetadata+endpoint, s.gate(handler(o.ResourceMetadataHandler), s.checkHost))
	}
	e.Match(readable, oauth.PathServerMetadata, s.gate(handler(o.ServerMetadataHandler), s.checkHost))
	e.Match(callable, oauth.PathToken, s.gate(handler(o.Token), s.checkHost, s.limitBody))
	e.Match(callable, oauth.PathRevoke, s.gate(handler(o.Revoke), s.checkHost, s.limitBody))
	e.Match(callable, oauth.PathRegister, s.gate(handler(o.Register), s.checkHost, s.limitBody, s.rateLimit))
	// The sign-in pages: this server's own origin only, limited per client address (each
	// authorization request is kept a while, each password tried goes to Jana).
	e.GET(oauth.PathAuthorize, s.gate(handler(o.Authorize), s.checkOrigin, s.rateLimit))
	e.POST(oauth.PathSignIn, s.gate(handler(o.SignIn), s.checkOrigin, s.limitBody, s.rateLimit))
	e.GET(oauth.PathWait, s.gate(handler(o.Wait), s.checkOrigin, s.rateLimit))
}

// checkHost is checkOrigin's Host check alone, for the endpoints any origin may call.
func (s *Server) checkHost(c echo.Context) error {
	if r := c.Request(); !s.hostAllowed(r.Host) {
		return failDetail(codeHostNotAllowed, "Host "+quoteBounded(r.Host))
	}
	return nil
}

// bearerToken is the token of an "Authorization: Bearer" header ("" without one). Tokens in
// the query string are not accepted in this mode (OAuth 2.1 §5.2).
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// endpointOf names the MCP endpoint whose resource metadata a 401 points to.
func endpointOf(c echo.Context) string {
	if c.Path() == "/mcp" {
		return "/mcp"
	}
	return "/sse" // /sse, and /messages of its sessions
}

// oauthSession checks the request's access token and returns its session. A request without
// one, or with one this server did not issue or no longer honours, gets a 401 whose
// WWW-Authenticate sends the client to discovery (and, for a refused token, says so, so that
// the client refreshes it or signs in again). Refused tokens count against the client
// address, as rejected Jana tokens do in the header modes: once its allowance is spent they
// get 429 instead. A valid token is always served: hosted clients bring many users from few
// addresses, and one of them sending bad tokens must not lock the others out.
func (s *Server) oauthSession(c echo.Context) (oauth.Session, error) {
	r := c.Request()
	tok := bearerToken(r)
	if tok == "" {
		return oauth.Session{}, &apiError{code: codeSignInRequired, challenge: s.oauth.Challenge(endpointOf(c), false)}
	}
	sess, err := s.oauth.Authenticate(r.Context(), tok)
	switch {
	case errors.Is(err, oauth.ErrInvalidToken):
		if err := s.limits.allow(c, limitRejected, "ip:"+c.RealIP()); err != nil {
			return oauth.Session{}, err
		}
		return oauth.Session{}, &apiError{code: codeTokenRefused, challenge: s.oauth.Challenge(endpointOf(c), true)}
	case err != nil:
		s.logger.WarnContext(r.Context(), "oauth: checking an access token", "err", err)
		return oauth.Session{}, fail(codeSignInStoreDown)
	}
	return sess, nil
}

// authenticateOAuth is authenticate in MCP_AUTH_MODE=oauth: the caller is the signed-in Jana
// user the access token stands for, keyed by that user (not by the token), so that their
// caches, limits and sessions are theirs across tokens and clients.
func (s *Server) authenticateOAuth(c echo.Context) error {
	sess, err := s.oauthSession(c)
	if err != nil {
		return err
	}
	r := c.Request()
	ctx := jana.WithCaller(r.Context(), sess.Caller)
	ctx = context.WithValue(ctx, limitKeyKey{}, limitKeyFor(c, sess.Caller))
	c.SetRequest(r.WithContext(ctx))
	return nil
}

// checkSessionCredential checks the credential a request for an SSE session presents against
// the session's identity: the same user, or 403. (In the header modes POSTs to /messages need
// none, the session id being the capability; in MCP_AUTH_MODE=oauth they must present a valid
// access token.)
func (s *Server) checkSessionCredential(c echo.Context, identity string) error {
	r := c.Request()
	if s.oauth != nil {
		sess, err := s.oauthSession(c)
		if err != nil {
			return err
		}
		if sess.User != identity {
			return fail(codeForbidden)
		}
		return nil
	}
	scheme, tok := tokenFrom(r)
	if tok == "" || !matchesIdentity(identity, jana.UserCaller(scheme, tok)) {
		return fail(codeForbidden)
	}
	return nil
}
