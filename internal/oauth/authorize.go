package oauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

// The authorization endpoint and the sign-in page. A request is checked, kept as a pending
// sign-in, and answered with the sign-in page; the page's forms post to PathSignIn, with the
// pending sign-in's id and its anti-forgery token, which must match the cookie set with the
// page (so a form posted from another site, or in another browser, is refused). Once Jana
// signed the user in, the browser goes back to the client with a code.

const (
	pendingTTL  = 15 * time.Minute
	codeTTL     = time.Minute
	maxFailures = 5 // wrong passwords before a pending sign-in is dropped
	maxState    = 1024
)

// codeChallenge is what S256 produces: base64url of a SHA-256, without padding.
var codeChallenge = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// Authorize serves the authorization endpoint (GET PathAuthorize).
func (s *Server) Authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k, vs := range q {
		if len(vs) > 1 && k != "resource" {
			message(w, http.StatusBadRequest, "Sign-in request not valid", "The parameter "+bounded(k, 40)+" appears more than once.")
			return
		}
	}
	c, err := s.resolveClient(r.Context(), q.Get("client_id"))
	if err != nil {
		var unknown *errUnknownClient
		if errors.As(err, &unknown) {
			message(w, http.StatusBadRequest, "Unknown application", "This sign-in request comes from an application this server does not know: "+unknown.why+".")
			return
		}
		s.logger.WarnContext(r.Context(), "oauth: authorize: resolving the client", "err", err)
		message(w, http.StatusServiceUnavailable, "Try again", "The server could not check the application; try again in a moment.")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" || !c.redirectAllowed(redirect) {
		// Never redirect to a URI the client did not register: the error stays here.
		message(w, http.StatusBadRequest, "Sign-in request not valid",
			"The application asked to return to an address it did not register (redirect_uri). Nothing was sent to it.")
		return
	}
	state := q.Get("state")
	fail := func(code, description string) { s.redirectError(w, redirect, state, code, description) }
	switch {
	case len(state) > maxState:
		fail(errInvalidRequest, "state is longer than 1024 bytes")
		return
	case q.Get("response_type") != "code":
		fail(errUnsupportedResponse, "response_type must be code")
		return
	case q.Get("code_challenge_method") != "S256":
		fail(errInvalidRequest, "PKCE is required, with code_challenge_method S256")
		return
	case !codeChallenge.MatchString(q.Get("code_challenge")):
		fail(errInvalidRequest, "code_challenge must be the base64url SHA-256 of the code verifier (43 characters)")
		return
	}
	resource := s.issuer // a client that names no resource gets a token for this server
	if rs := q["resource"]; len(rs) > 1 {
		fail(errInvalidTarget, "one resource at most: this server is the only one its tokens are for")
		return
	} else if len(rs) == 1 {
		if resource = s.resource(rs[0]); resource == "" {
			fail(errInvalidTarget, "this server issues tokens for "+s.issuer+" (and its /mcp and /sse endpoints) only")
			return
		}
	}
	scope, ok := grantedScope(q.Get("scope"))
	if !ok {
		fail(errInvalidScope, "the only scope is "+Scope)
		return
	}
	id := newID()
	p := pending{ClientID: c.ID, ClientName: c.Name, RedirectURI: redirect, State: state, Challenge: q.Get("code_challenge"),
		Resource: resource, Scope: scope, CSRF: newSecret(""), Expires: s.now().Add(pendingTTL)}
	if err := s.put(r.Context(), keyRequest(id), p, pendingTTL); err != nil {
		s.logger.WarnContext(r.Context(), "oauth: authorize: storing the request", "err", err)
		message(w, http.StatusServiceUnavailable, "Try again", "The server could not start the sign-in; try again in a moment.")
		return
	}
	s.setCSRFCookie(w, id, p.CSRF, pendingTTL)
	s.signInPage(w, http.StatusOK, id, p, "")
}

// grantedScope is the scope granted for a requested one: "jana", the one scope, whether
// asked for or omitted. offline_access (refresh tokens, always issued) is accepted too.
func grantedScope(requested string) (string, bool) {
	for _, sc := range strings.Fields(requested) {
		if sc != Scope && sc != "offline_access" {
			return "", false
		}
	}
	return Scope, true
}

// signInPage renders the sign-in form of pending sign-in id.
func (s *Server) signInPage(w http.ResponseWriter, status int, id string, p pending, problem string) {
	render(w, status, "signin", p.RedirectURI, page{
		Title: "Sign in to Jana", Client: clientLabel(p), RedirectHost: hostOf(p.RedirectURI),
		SignInURL: PathSignIn, Request: id, CSRF: p.CSRF,
		Password: s.offers("password"), Device: s.offers("device"), Error: problem,
	})
}

func (s *Server) offers(method string) bool { return slices.Contains(s.cfg.SignIn, method) }

// clientLabel names the client on the page: its name, else its id's host.
func clientLabel(p pending) string {
	switch {
	case p.ClientName != "" && strings.HasPrefix(p.ClientID, "https://"):
		return p.ClientName + " (" + hostOf(p.ClientID) + ")"
	case p.ClientName != "":
		return p.ClientName
	case strings.HasPrefix(p.ClientID, "https://"):
		return hostOf(p.ClientID)
	}
	return "An application"
}

// hostOf is what the page says of a URI: its host, or its scheme.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the application"
	}
	if u.Host != "" {
		return u.Host
	}
	return u.Scheme + ":"
}

// csrfCookie names the cookie of pending sign-in id (one per sign-in, so two at once in one
// browser do not overwrite each other's).
func csrfCookie(id string) string {
	if len(id) > 12 {
		id = id[:12]
	}
	return "jana_mcp_signin_" + id
}

func (s *Server) setCSRFCookie(w http.ResponseWriter, id, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: csrfCookie(id), Value: value, Path: "/oauth/", MaxAge: int(ttl / time.Second),
		HttpOnly: true, Secure: strings.HasPrefix(s.issuer, "https://"), SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearCSRFCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: csrfCookie(id), Value: "", Path: "/oauth/", MaxAge: -1,
		HttpOnly: true, Secure: strings.HasPrefix(s.issuer, "https://"), SameSite: http.SameSiteStrictMode})
}

// fromSignInPage checks that a request comes from the sign-in page of pending sign-in p, in
// the browser it was shown in: the cookie set with the page, and for a form the token in it
// too; a browser's own word that it is cross-site is believed.
func fromSignInPage(r *http.Request, id string, p pending, formToken *string) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	ck, err := r.Cookie(csrfCookie(id))
	if err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(p.CSRF)) != 1 {
		return false
	}
	return formToken == nil || subtle.ConstantTimeCompare([]byte(*formToken), []byte(p.CSRF)) == 1
}

const maxForm = 16 << 10

// SignIn takes the sign-in page's forms (POST PathSignIn): email and password, or the start
// of Jana's device-code sign-in.
func (s *Server) SignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		message(w, http.StatusBadRequest, "Sign-in failed", "The form could not be read.")
		return
	}
	id := r.PostForm.Get("request")
	p, ok := s.pendingFor(w, r, id)
	if !ok {
		return
	}
	token := r.PostForm.Get("csrf")
	if !fromSignInPage(r, id, p, &token) {
		message(w, http.StatusForbidden, "Sign-in refused",
			"This form did not come from the sign-in page this browser was shown. Start the sign-in again from your application.")
		return
	}
	switch method := r.PostForm.Get("method"); {
	case method == "password" && s.offers("password"):
		s.passwordSignIn(w, r, id, p)
	case method == "device" && s.offers("device"):
		s.startDevice(w, r, id, p)
	default:
		s.signInPage(w, http.StatusBadRequest, id, p, "Choose a way to sign in.")
	}
}

// pendingFor loads pending sign-in id, answering the browser itself when there is none.
func (s *Server) pendingFor(w http.ResponseWriter, r *http.Request, id string) (pending, bool) {
	var p pending
	if id == "" || len(id) > 64 {
		message(w, http.StatusBadRequest, "Sign-in failed", "This is not a sign-in of this server.")
		return p, false
	}
	err := s.get(r.Context(), keyRequest(id), &p)
	switch {
	case errors.Is(err, ErrNotFound):
		message(w, http.StatusNotFound, "Sign-in expired",
			"This sign-in expired or is already complete. Start it again from your application.")
		return p, false
	case err != nil:
		s.logger.WarnContext(r.Context(), "oauth: sign-in: loading the request", "err", err)
		message(w, http.StatusServiceUnavailable, "Try again", "The server could not load this sign-in; reload the page in a moment.")
		return p, false
	}
	return p, true
}

func (s *Server) passwordSignIn(w http.ResponseWriter, r *http.Request, id string, p pending) {
	email, password := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password")
	if email == "" || password == "" || len(email) > 320 || len(password) > 1024 {
		s.signInPage(w, http.StatusBadRequest, id, p, "Enter your Jana email and password.")
		return
	}
	tokens, err := s.jana.PasswordSignIn(r.Context(), email, password)
	switch {
	case errors.Is(err, jana.ErrBadCredentials):
		p.Failures++
		if p.Failures >= maxFailures {
			_ = s.store.Delete(r.Context(), keyRequest(id))
			s.clearCSRFCookie(w, id)
			message(w, http.StatusUnauthorized, "Sign-in failed", "Too many wrong passwords. Start the sign-in again from your application.")
			return
		}
		_ = s.put(r.Context(), keyRequest(id), p, p.Expires.Sub(s.now()))
		s.signInPage(w, http.StatusUnauthorized, id, p, "Jana did not accept that email and password.")
		return
	case err != nil:
		s.logger.WarnContext(r.Context(), "oauth: password sign-in: Jana", "err", err)
		s.signInPage(w, http.StatusServiceUnavailable, id, p, "Jana did not answer; try again in a moment.")
		return
	}
	s.complete(w, r, id, p, tokens)
}

func (s *Server) startDevice(w http.ResponseWriter, r *http.Request, id string, p pending) {
	d, err := s.jana.StartDeviceSignIn(r.Context(), s.cfg.DeviceClientID)
	if err != nil {
		s.logger.WarnContext(r.Context(), "oauth: device sign-in: Jana", "err", err)
		s.signInPage(w, http.StatusServiceUnavailable, id, p, "Jana did not start the sign-in; try again in a moment.")
		return
	}
	now := s.now()
	p.Device = &device{Code: d.DeviceCode, UserCode: d.UserCode, VerificationURI: d.VerificationURI, CompleteURI: d.VerificationURIComplete,
		Interval: d.Interval, NextPoll: now.Add(d.Interval), Expires: now.Add(min(max(d.ExpiresIn, time.Minute), pendingTTL))}
	if p.Device.Expires.After(p.Expires) {
		p.Expires = p.Device.Expires
	}
	if err := s.put(r.Context(), keyRequest(id), p, p.Expires.Sub(s.now())); err != nil {
		s.logger.WarnContext(r.Context(), "oauth: device sign-in: storing the request", "err", err)
		s.signInPage(w, http.StatusServiceUnavailable, id, p, "The server could not start the sign-in; try again in a moment.")
		return
	}
	s.setCSRFCookie(w, id, p.CSRF, p.Expires.Sub(s.now()))
	s.devicePage(w, http.StatusOK, id, p, "")
}

func (s *Server) devicePage(w http.ResponseWriter, status int, id string, p pending, problem string) {
	link := p.Device.CompleteURI
	if link == "" {
		link = p.Device.VerificationURI
	}
	wait := max(p.Device.NextPoll.Sub(s.now()), time.Second)
	render(w, status, "device", p.RedirectURI, page{
		Title: "Approve the sign-in at Jana", Client: clientLabel(p), VerificationURL: link, UserCode: p.Device.UserCode,
		RefreshURL: PathWait + "?request=" + url.QueryEscape(id), RefreshSeconds: int((wait + time.Second - 1) / time.Second),
		Error: problem,
	})
}

// Wait is the device-code page's reload (GET PathWait): it asks Jana, at most once per the
// interval Jana set, whether the user approved, and continues when they did.
func (s *Server) Wait(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("request")
	p, ok := s.pendingFor(w, r, id)
	if !ok {
		return
	}
	if !fromSignInPage(r, id, p, nil) {
		message(w, http.StatusForbidden, "Sign-in refused", "This sign-in was started in another browser. Start it again from your application.")
		return
	}
	if p.Device == nil {
		s.signInPage(w, http.StatusOK, id, p, "")
		return
	}
	now := s.now()
	if !now.Before(p.Device.Expires) {
		s.endPending(w, r, id, p, errAccessDenied, "the sign-in at Jana was not approved in time")
		return
	}
	if now.Before(p.Device.NextPoll) {
		s.devicePage(w, http.StatusOK, id, p, "")
		return
	}
	// One poll at a time per sign-in (a page reloaded twice, or two replicas).
	token := []byte(newID())
	if ok, err := s.store.Add(r.Context(), keyRequestLock(id), token, 30*time.Second); err != nil || !ok {
		s.devicePage(w, http.StatusOK, id, p, "")
		return
	}
	defer func() { _ = s.store.Unlock(context.WithoutCancel(r.Context()), keyRequestLock(id), token) }()
	tokens, err := s.jana.PollDeviceSignIn(r.Context(), s.cfg.DeviceClientID, p.Device.Code)
	switch {
	case err == nil:
		s.complete(w, r, id, p, tokens)
		return
	case errors.Is(err, jana.ErrDeviceDenied):
		s.endPending(w, r, id, p, errAccessDenied, "the sign-in was denied at Jana")
		return
	case errors.Is(err, jana.ErrDeviceExpired):
		s.endPending(w, r, id, p, errAccessDenied, "the sign-in at Jana was not approved in time")
		return
	case errors.Is(err, jana.ErrDeviceSlowDown):
		p.Device.Interval += 5 * time.Second // RFC 8628 §3.5
	case errors.Is(err, jana.ErrDevicePending):
	default:
		s.logger.WarnContext(r.Context(), "oauth: device sign-in: polling Jana", "err", err)
	}
	p.Device.NextPoll = s.now().Add(p.Device.Interval)
	_ = s.put(r.Context(), keyRequest(id), p, p.Expires.Sub(s.now()))
	problem := ""
	if err != nil && !errors.Is(err, jana.ErrDevicePending) && !errors.Is(err, jana.ErrDeviceSlowDown) {
		problem = "Jana did not answer; this page keeps trying."
	}
	s.devicePage(w, http.StatusOK, id, p, problem)
}

// endPending drops a pending sign-in and tells the client why.
func (s *Server) endPending(w http.ResponseWriter, r *http.Request, id string, p pending, code, description string) {
	if _, err := s.store.Take(r.Context(), keyRequest(id)); err != nil {
		message(w, http.StatusNotFound, "Sign-in expired", "This sign-in expired or is already complete. Start it again from your application.")
		return
	}
	s.clearCSRFCookie(w, id)
	s.redirectError(w, p.RedirectURI, p.State, code, description)
}

// complete finishes a sign-in Jana accepted: the pending request is used up (once, whoever
// else tries), the user's Jana tokens wait in an authorization code, and the browser goes
// back to the client with it.
func (s *Server) complete(w http.ResponseWriter, r *http.Request, id string, p pending, tokens jana.SignInTokens) {
	ctx := r.Context()
	user, err := s.jana.SignedInUser(ctx, tokens.Access)
	if err != nil {
		s.logger.WarnContext(ctx, "oauth: sign-in: asking Jana who signed in", "err", err)
		s.signOut(ctx, tokens)
		message(w, http.StatusServiceUnavailable, "Sign-in failed", "Jana signed you in but did not say who you are; try again in a moment.")
		return
	}
	if _, err := s.store.Take(ctx, keyRequest(id)); err != nil {
		s.signOut(ctx, tokens)
		message(w, http.StatusNotFound, "Sign-in expired", "This sign-in expired or is already complete. Start it again from your application.")
		return
	}
	code := newSecret(prefixCode)
	ac := authCode{ClientID: p.ClientID, RedirectURI: p.RedirectURI, Challenge: p.Challenge, Resource: p.Resource, Scope: p.Scope,
		User: userKey(user), Jana: tokens, GrantID: newID()}
	if err := s.put(ctx, keyCode(code), ac, codeTTL); err != nil {
		s.logger.WarnContext(ctx, "oauth: sign-in: storing the code", "err", err)
		s.signOut(ctx, tokens)
		message(w, http.StatusServiceUnavailable, "Sign-in failed", "The server could not finish the sign-in; start again in a moment.")
		return
	}
	s.clearCSRFCookie(w, id)
	s.logger.InfoContext(ctx, "oauth: signed in", "user", ac.User, "client_id", bounded(p.ClientID, 200))
	s.redirectTo(w, p.RedirectURI, p.State, url.Values{"code": {code}})
}

// signOut ends a Jana sign-in this server will not keep, without making anyone wait for it.
func (s *Server) signOut(ctx context.Context, tokens jana.SignInTokens) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	go func() {
		defer cancel()
		if err := s.jana.EndSignIn(ctx, tokens); err != nil {
			s.logger.Info("oauth: signing out at Jana", "err", err)
		}
	}()
}
