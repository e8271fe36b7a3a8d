package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// The sandbox serves both generations of Jana's authentication on one host:
//
//   - legacy DRF tokens: {"username", "password"} at login gives a 40-hex token, sent as
//     "Authorization: Token <token>"; one token per user, deleted by logout, never expiring
//     (failures: 401 with WWW-Authenticate: Token, as DRF answers);
//   - JWTs: {"email", "password"} at login (or the device flow, device.go) gives an access
//     token and a refresh token wrapped in {"data": ...}; the access token is sent as
//     "Authorization: Bearer <jwt>" and expires after Config.AccessTokenLifetime; refresh
//     rotates the refresh token (jwt.go). An expired or invalid JWT gets 403 with
//     simplejwt's body, as Jana answers (its JWT authenticator gives no WWW-Authenticate
//     header, so DRF turns the 401 into a 403).

// account is a user with DRF's one-token-per-user model: login returns the current token (or
// creates one), logout deletes it.
type account struct {
	id         int
	username   string
	email      string
	password   string
	configured string // token from the configuration, "" to derive one
	token      string // current token, "" after logout
	generation int    // tokens issued so far; derived tokens differ per generation
}

type authStore struct {
	seed       int64
	secret     []byte // HS256 key of the JWTs, derived from the seed
	accessTTL  time.Duration
	refreshTTL time.Duration
	deviceTTL  time.Duration
	interval   time.Duration
	now        func() time.Time

	mu       sync.RWMutex
	users    []*account
	byName   map[string]*account
	byEmail  map[string]*account // lower-cased
	byToken  map[string]*account
	sessions map[string]*jwtSession  // by session id (the sid claim)
	devices  map[string]*deviceGrant // by device_code
	byUser   map[string]*deviceGrant // by user_code
}

func newAuthStore(cfg Config, users []User) (*authStore, error) {
	key := sha256.Sum256(fmt.Appendf(nil, "jana-sandbox-jwt:%d", cfg.Seed))
	a := &authStore{seed: cfg.Seed, secret: key[:], now: time.Now,
		accessTTL: cfg.AccessTokenLifetime, refreshTTL: cfg.RefreshTokenLifetime,
		deviceTTL: cfg.DeviceCodeLifetime, interval: cfg.DeviceInterval,
		byName: map[string]*account{}, byEmail: map[string]*account{}, byToken: map[string]*account{}}
	for name, d := range map[string]*time.Duration{"access_token_lifetime": &a.accessTTL,
		"refresh_token_lifetime": &a.refreshTTL, "device_code_lifetime": &a.deviceTTL, "device_interval": &a.interval} {
		if *d < 0 {
			return nil, fmt.Errorf("%s: must not be negative", name)
		}
	}
	a.accessTTL = cmpOr(a.accessTTL, DefaultAccessTokenLifetime)
	a.refreshTTL = cmpOr(a.refreshTTL, DefaultRefreshTokenLifetime)
	a.deviceTTL = cmpOr(a.deviceTTL, DefaultDeviceCodeLifetime)
	// RFC 8628's interval is whole seconds.
	a.interval = max(time.Second, cmpOr(a.interval, DefaultDeviceInterval).Round(time.Second))
	for i, u := range users {
		if u.Username == "" || u.Password == "" {
			return nil, fmt.Errorf("users[%d]: username and password are required", i)
		}
		if strings.ContainsAny(u.Token, " \t\r\n") || len(u.Token) > 128 {
			return nil, fmt.Errorf("users[%d] (%s): token must be at most 128 characters without spaces", i, u.Username)
		}
		if _, dup := a.byName[u.Username]; dup {
			return nil, fmt.Errorf("users[%d]: duplicate username %q", i, u.Username)
		}
		email := u.Email
		if email == "" {
			email = u.Username + "@jana.example"
		}
		if at := strings.IndexByte(email, '@'); at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n") {
			return nil, fmt.Errorf("users[%d] (%s): %q is not an email address", i, u.Username, email)
		}
		if _, dup := a.byEmail[strings.ToLower(email)]; dup {
			return nil, fmt.Errorf("users[%d]: duplicate email %q", i, email)
		}
		acc := &account{id: i + 1, username: u.Username, email: email, password: u.Password, configured: u.Token}
		a.users = append(a.users, acc)
		a.byName[u.Username] = acc
		a.byEmail[strings.ToLower(email)] = acc
	}
	a.reset()
	if len(a.byToken) != len(a.users) {
		return nil, fmt.Errorf("users: two users share a token")
	}
	return a, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// reset restores every user's initial token (undoing logouts) and forgets every JWT sign-in
// and device code.
func (a *authStore) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.byToken)
	for _, u := range a.users {
		u.generation = 0
		u.token = u.configured
		if u.token == "" {
			u.token = derivedToken(a.seed, u.username, 0)
		}
		a.byToken[u.token] = u
	}
	a.sessions = map[string]*jwtSession{}
	a.devices = map[string]*deviceGrant{}
	a.byUser = map[string]*deviceGrant{}
}

func (a *authStore) defaultToken() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.users[0].token
}

func (a *authStore) lookup(token string) *account {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.byToken[token]
}

// checkPassword compares in constant time; a nil account never matches.
func checkPassword(u *account, password string) bool {
	return u != nil && subtle.ConstantTimeCompare([]byte(u.password), []byte(password)) == 1
}

// login checks credentials and returns the user's token, issuing a new one after a logout.
func (a *authStore) login(username, password string) (*account, string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.byName[username]
	if !checkPassword(u, password) {
		return nil, "", false
	}
	if u.token == "" {
		u.generation++
		u.token = derivedToken(a.seed, u.username, u.generation)
		a.byToken[u.token] = u
	}
	return u, u.token, true
}

// byEmailPassword returns the account for a JWT sign-in, nil for wrong credentials.
func (a *authStore) byEmailPassword(email, password string) *account {
	a.mu.RLock()
	defer a.mu.RUnlock()
	u := a.byEmail[strings.ToLower(email)]
	if !checkPassword(u, password) {
		return nil
	}
	return u
}

func (a *authStore) logout(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if u := a.byToken[token]; u != nil {
		delete(a.byToken, token)
		u.token = ""
	}
}

// credentialFree are the views that issue tokens. Like simplejwt's token views
// (authentication_classes = ()), they ignore the Authorization header: an expired access
// token a client still sends must not stop it from signing in again.
var credentialFree = map[string]bool{
	"auth_login_create":        true,
	"auth_refresh_create":      true,
	"auth_device_code_create":  true,
	"auth_device_token_create": true,
}

// authenticate is DRF's authentication (TokenAuthentication for "Token", Jana's JWT
// authentication for "Bearer") followed by IsAuthenticated (skipped for public operations).
// As in DRF, a malformed, unknown or expired credential is rejected even on public views;
// other schemes are ignored.
func (s *Sandbox) authenticate(c echo.Context, st *reqState, op *opSpec) *apiError {
	if credentialFree[op.ID] {
		return nil
	}
	parts := strings.Fields(c.Request().Header.Get(echo.HeaderAuthorization))
	switch {
	case len(parts) > 0 && strings.EqualFold(parts[0], "token"):
		st.scheme = "Token"
		switch {
		case len(parts) == 1:
			return unauthorized("Invalid token header. No credentials provided.")
		case len(parts) > 2:
			return unauthorized("Invalid token header. Token string should not contain spaces.")
		}
		st.token = parts[1]
		st.user = s.auth.lookup(parts[1])
		if st.user == nil {
			return unauthorized(msgInvalidToken)
		}
	case len(parts) > 0 && strings.EqualFold(parts[0], "bearer"):
		st.scheme = "Bearer"
		if len(parts) != 2 {
			return &apiError{status: http.StatusForbidden, body: map[string]string{
				"detail": "Authorization header must contain two space-delimited values", "code": "bad_authorization_header"}}
		}
		st.token = parts[1]
		u, claims, ae := s.auth.verifyAccess(parts[1])
		if ae != nil {
			return ae
		}
		st.user, st.session = u, claims.SessionID
	}
	if st.user == nil && !op.Public {
		return unauthorized(msgNoCredentials)
	}
	return nil
}

var dateJoined = time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)

func userBody(u *account) janaapi.User {
	email := openapi_types.Email(u.email)
	staff := false
	first, last := strings.ToUpper(u.username[:1])+u.username[1:], "User"
	joined := dateJoined.AddDate(0, 0, u.id-1)
	return janaapi.User{Id: u.id, Username: u.username, Email: &email, FirstName: &first,
		LastName: &last, IsStaff: &staff, DateJoined: &joined}
}

// readBody reads a JSON or form body (DRF's default parsers) into fields: every key present
// gets a non-nil value. Non-string JSON values are rejected.
func readBody(c echo.Context, fields ...string) (map[string]*string, *apiError) {
	raw, err := io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))
	if err != nil {
		return nil, badRequest("Could not read the request body.")
	}
	out := map[string]*string{}
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, badRequest("Malformed form body.")
		}
		for _, f := range fields {
			if form.Has(f) {
				v := form.Get(f)
				out[f] = &v
			}
		}
		return out, nil
	}
	if len(raw) == 0 {
		return out, nil
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, badRequest("JSON parse error - " + err.Error())
	}
	for _, f := range fields {
		v, ok := body[f]
		if !ok || v == nil {
			continue
		}
		str, ok := v.(string)
		if !ok {
			return nil, fieldError(f, "Not a valid string.")
		}
		out[f] = &str
	}
	return out, nil
}

// required checks DRF's "required" and "blank" rules for fields.
func required(body map[string]*string, fields ...string) *apiError {
	errs := map[string][]string{}
	for _, name := range fields {
		switch v := body[name]; {
		case v == nil:
			errs[name] = []string{msgFieldIsRequired}
		case *v == "":
			errs[name] = []string{"This field may not be blank."}
		}
	}
	if len(errs) > 0 {
		return fieldErrors(errs)
	}
	return nil
}

// AuthLoginCreate implements POST /api/auth/login/: {"email", "password"} signs in with JWTs,
// {"username", "password"} gets the user's DRF token (obtain_auth_token). It accepts JSON and
// form bodies, like DRF's default parsers.
func (h *server) AuthLoginCreate(c echo.Context) error {
	body, ae := readBody(c, "email", "username", "password")
	if ae != nil {
		return ae
	}
	switch {
	case body["email"] != nil && body["username"] != nil:
		return fieldError("non_field_errors", "Send either email (JWT sign-in) or username (DRF token), not both.")
	case body["email"] != nil:
		if ae := required(body, "email", "password"); ae != nil {
			return ae
		}
		u := h.s.auth.byEmailPassword(*body["email"], *body["password"])
		if u == nil {
			return detail(http.StatusUnauthorized, msgNoActiveAccount)
		}
		pair, err := h.s.auth.startSession(u)
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, pair)
	case body["username"] == nil && body["password"] == nil:
		return fieldError("non_field_errors", "Send email and password (JWT sign-in) or username and password (DRF token).")
	}
	if ae := required(body, "username", "password"); ae != nil {
		return ae
	}
	u, token, ok := h.s.auth.login(*body["username"], *body["password"])
	if !ok {
		return fieldError("non_field_errors", msgBadCredentials)
	}
	return writeJSON(c, http.StatusOK, janaapi.AuthTokenResponse{Token: token, User: userBody(u)})
}

// AuthLogoutCreate implements POST /api/auth/logout/: a presented DRF token is deleted; a JWT
// ends its sign-in, whose access and refresh tokens then stop working. (Jana's SDK sends no
// body, only the Authorization header, so the access token is what names the sign-in.)
func (h *server) AuthLogoutCreate(c echo.Context) error {
	st := stateOf(c)
	if st.scheme == "Bearer" {
		h.s.auth.endSession(st.session)
	} else {
		h.s.auth.logout(st.token)
	}
	return writeJSON(c, http.StatusOK, janaapi.LogoutResponse{Detail: "Successfully logged out."})
}

// AuthUserRetrieve implements GET /api/auth/user/: wrapped in {"data": ...} for a JWT
// sign-in (as Jana's auth service answers), unwrapped for a DRF token.
func (h *server) AuthUserRetrieve(c echo.Context) error {
	st := stateOf(c)
	if st.scheme == "Bearer" {
		return writeJSON(c, http.StatusOK, janaapi.UserResponse{Data: userBody(st.user)})
	}
	return writeJSON(c, http.StatusOK, userBody(st.user))
}
