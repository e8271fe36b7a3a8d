package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The token endpoint: an authorization code (with its PKCE verifier) becomes a grant and its
// first tokens; a refresh token becomes new ones, and is spent. A code or refresh token used
// a second time revokes the grant it belongs to (OAuth 2.1 §4.3.1, §6.1), except a refresh
// token used again within refreshReuseGrace by the same client: clients refresh concurrently
// (the TypeScript SDK does, from every request that got a 401), and ending a user's sign-in
// for that would be worse than the short window it leaves.

// refreshReuseGrace is how long a spent refresh token still works for its own client.
const refreshReuseGrace = 30 * time.Second

// How long a spent code and a spent refresh token are remembered, so that their reuse is
// noticed (a refresh token replayed later is merely refused).
const (
	spentTTL        = 10 * time.Minute
	spentRefreshTTL = 24 * time.Hour
)

// tokenResponse is a successful token answer (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// codeVerifier is RFC 7636 §4.1's code_verifier.
var codeVerifier = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// Token serves the token endpoint (POST PathToken).
func (s *Server) Token(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	c, ok := s.authenticateClient(w, r, form)
	if !ok {
		return
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		s.redeemCode(w, r, c, form)
	case "refresh_token":
		s.refresh(w, r, c, form)
	case "":
		jsonError(w, http.StatusBadRequest, errInvalidRequest, "grant_type is required")
	default:
		jsonError(w, http.StatusBadRequest, errUnsupportedGrantType, "grant_type must be authorization_code or refresh_token")
	}
}

// readForm reads an application/x-www-form-urlencoded body, refusing repeated parameters.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		jsonError(w, http.StatusBadRequest, errInvalidRequest, "the body must be application/x-www-form-urlencoded")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		jsonError(w, http.StatusBadRequest, errInvalidRequest, "the body could not be read")
		return nil, false
	}
	for k, vs := range r.PostForm {
		if len(vs) > 1 {
			jsonError(w, http.StatusBadRequest, errInvalidRequest, "the parameter "+bounded(k, 40)+" appears more than once")
			return nil, false
		}
	}
	return r.PostForm, true
}

// authenticateClient identifies the client of a token or revocation request: by client_id
// for public clients, with its secret (in the body or HTTP Basic) for clients registered with
// one.
func (s *Server) authenticateClient(w http.ResponseWriter, r *http.Request, form url.Values) (client, bool) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id) // RFC 6749 §2.3.1
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil || (form.Get("client_id") != "" && form.Get("client_id") != id) {
			jsonError(w, http.StatusUnauthorized, errInvalidClient, "the client credentials could not be read")
			return client{}, false
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" {
		jsonError(w, http.StatusUnauthorized, errInvalidClient, "client_id is required")
		return client{}, false
	}
	if strings.HasPrefix(id, "https://") && s.cfg.ClientIDDocuments {
		// A client ID metadata document's client is public: the code or refresh token it
		// presents names its client id, which is all there is to check. Its document is not
		// fetched here, so that this unlimited endpoint never fetches URLs for anyone.
		if secret != "" {
			jsonError(w, http.StatusUnauthorized, errInvalidClient, "a client ID metadata document's client has no secret")
			return client{}, false
		}
		return client{ID: id, AuthMethod: authNone}, true
	}
	c, err := s.resolveClient(r.Context(), id)
	if err != nil {
		var unknown *errUnknownClient
		if errors.As(err, &unknown) {
			jsonError(w, http.StatusUnauthorized, errInvalidClient, unknown.Error())
		} else {
			jsonError(w, http.StatusServiceUnavailable, errTemporarilyDown, "the client could not be checked; retry")
		}
		return client{}, false
	}
	if c.AuthMethod != authNone && !s.checkSecret(c, secret) {
		jsonError(w, http.StatusUnauthorized, errInvalidClient, "the client secret is missing or wrong")
		return client{}, false
	}
	return c, true
}

// pkceMatches reports whether verifier hashes to challenge (S256).
func pkceMatches(verifier, challenge string) bool {
	if !codeVerifier.MatchString(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

func (s *Server) redeemCode(w http.ResponseWriter, r *http.Request, c client, form url.Values) {
	ctx := r.Context()
	code := form.Get("code")
	if !strings.HasPrefix(code, prefixCode) || len(code) > 100 {
		jsonError(w, http.StatusBadRequest, errInvalidGrant, "the code is not valid")
		return
	}
	var ac authCode
	switch err := s.take(ctx, keyCode(code), &ac); {
	case errors.Is(err, ErrNotFound):
		var spent spentRefresh
		if s.get(ctx, keyCodeUsed(code), &spent) == nil {
			// A code used twice: whoever has it too must not keep what it gave.
			s.revokeGrant(ctx, spent.GrantID, "an authorization code was used twice")
		}
		jsonError(w, http.StatusBadRequest, errInvalidGrant, "the code is not valid, expired or already used")
		return
	case err != nil:
		s.storeDown(w, r, err)
		return
	}
	_ = s.put(ctx, keyCodeUsed(code), spentRefresh{GrantID: ac.GrantID, ClientID: ac.ClientID, Used: s.now()}, spentTTL)
	refuse := func(code, description string) {
		s.signOut(ctx, ac.Jana) // the code is spent: nobody will use this Jana sign-in
		jsonError(w, http.StatusBadRequest, code, description)
	}
	switch {
	case ac.ClientID != c.ID:
		refuse(errInvalidGrant, "the code was issued to another client")
		return
	case form.Get("redirect_uri") != ac.RedirectURI:
		refuse(errInvalidGrant, "redirect_uri is not the one of the authorization request")
		return
	case !pkceMatches(form.Get("code_verifier"), ac.Challenge):
		refuse(errInvalidGrant, "code_verifier does not match the code_challenge")
		return
	}
	resource := ac.Resource
	if raw := form.Get("resource"); raw != "" {
		if resource = s.resource(raw); resource == "" {
			refuse(errInvalidTarget, "this server issues tokens for "+s.issuer+" only")
			return
		}
	}
	g := grant{User: ac.User, ClientID: ac.ClientID, Resource: resource, Scope: ac.Scope, Created: s.now(), Jana: ac.Jana}
	if err := s.put(ctx, keyGrant(ac.GrantID), g, s.cfg.RefreshTTL); err != nil {
		s.signOut(ctx, ac.Jana)
		s.storeDown(w, r, err)
		return
	}
	s.issue(w, r, ac.GrantID, g)
}

// issue answers with a new access and refresh token for grant id.
func (s *Server) issue(w http.ResponseWriter, r *http.Request, id string, g grant) {
	ctx := r.Context()
	access, refresh := newSecret(prefixAccess), newSecret(prefixRefresh)
	at := accessRecord{GrantID: id, ClientID: g.ClientID, Resource: g.Resource, Scope: g.Scope, Expires: s.now().Add(s.cfg.AccessTTL)}
	if err := s.put(ctx, keyAccess(access), at, s.cfg.AccessTTL); err != nil {
		s.storeDown(w, r, err)
		return
	}
	rt := refreshRecord{GrantID: id, ClientID: g.ClientID, Access: hashOf(access)}
	if err := s.put(ctx, keyRefresh(refresh), rt, s.cfg.RefreshTTL); err != nil {
		s.storeDown(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(s.cfg.AccessTTL / time.Second),
		RefreshToken: refresh, Scope: g.Scope})
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request, c client, form url.Values) {
	ctx := r.Context()
	token := form.Get("refresh_token")
	if !strings.HasPrefix(token, prefixRefresh) || len(token) > 100 {
		jsonError(w, http.StatusBadRequest, errInvalidGrant, "the refresh token is not valid")
		return
	}
	if _, ok := grantedScope(form.Get("scope")); !ok {
		jsonError(w, http.StatusBadRequest, errInvalidScope, "the only scope is "+Scope)
		return
	}
	if raw := form.Get("resource"); raw != "" && s.resource(raw) == "" {
		jsonError(w, http.StatusBadRequest, errInvalidTarget, "this server issues tokens for "+s.issuer+" only")
		return
	}
	var rt refreshRecord
	switch err := s.take(ctx, keyRefresh(token), &rt); {
	case errors.Is(err, ErrNotFound):
		var spent spentRefresh
		if s.get(ctx, keyRefreshUsed(token), &spent) != nil {
			jsonError(w, http.StatusBadRequest, errInvalidGrant, "the refresh token is not valid, expired or revoked")
			return
		}
		if spent.ClientID != c.ID || s.now().Sub(spent.Used) > refreshReuseGrace {
			s.revokeGrant(ctx, spent.GrantID, "a spent refresh token was used again")
			jsonError(w, http.StatusBadRequest, errInvalidGrant, "the refresh token was already used; the sign-in is revoked")
			return
		}
		rt = refreshRecord{GrantID: spent.GrantID, ClientID: spent.ClientID} // a concurrent refresh of the same client
	case err != nil:
		s.storeDown(w, r, err)
		return
	default:
		_ = s.put(ctx, keyRefreshUsed(token), spentRefresh{GrantID: rt.GrantID, ClientID: rt.ClientID, Used: s.now()}, min(spentRefreshTTL, s.cfg.RefreshTTL))
	}
	if rt.ClientID != c.ID {
		s.revokeGrant(ctx, rt.GrantID, "a refresh token was presented by another client")
		jsonError(w, http.StatusBadRequest, errInvalidGrant, "the refresh token was issued to another client")
		return
	}
	var g grant
	switch err := s.get(ctx, keyGrant(rt.GrantID), &g); {
	case errors.Is(err, ErrNotFound):
		jsonError(w, http.StatusBadRequest, errInvalidGrant, "the sign-in ended; sign in again")
		return
	case err != nil:
		s.storeDown(w, r, err)
		return
	}
	// Each refresh gives the sign-in another RefreshTTL; a grant revoked meanwhile stays gone.
	if ok, err := s.store.Touch(ctx, keyGrant(rt.GrantID), s.cfg.RefreshTTL); err != nil || !ok {
		jsonError(w, http.StatusBadRequest, errInvalidGrant, "the sign-in ended; sign in again")
		return
	}
	s.issue(w, r, rt.GrantID, g)
}

// revokeGrant ends a grant: every token issued for it stops working, and its Jana sign-in
// is ended at Jana too.
func (s *Server) revokeGrant(ctx context.Context, id, why string) {
	key := keyGrant(id)
	var g grant
	if err := s.take(ctx, key, &g); err != nil {
		return
	}
	s.logger.InfoContext(ctx, "oauth: sign-in revoked", "user", g.User, "reason", why)
	s.signOut(ctx, g.Jana)
}

func (s *Server) storeDown(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.WarnContext(r.Context(), "oauth: store", "err", err)
	jsonError(w, http.StatusServiceUnavailable, errTemporarilyDown, "the server could not reach its store; retry")
}
