package sandbox

import (
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

// account is a user with DRF's one-token-per-user model: login returns the current token (or
// creates one), logout deletes it.
type account struct {
	id         int
	username   string
	password   string
	configured string // token from the configuration, "" to derive one
	token      string // current token, "" after logout
	generation int    // tokens issued so far; derived tokens differ per generation
}

type authStore struct {
	seed    int64
	mu      sync.RWMutex
	users   []*account
	byName  map[string]*account
	byToken map[string]*account
}

func newAuthStore(seed int64, users []User) (*authStore, error) {
	a := &authStore{seed: seed, byName: map[string]*account{}, byToken: map[string]*account{}}
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
		acc := &account{id: i + 1, username: u.Username, password: u.Password, configured: u.Token}
		a.users = append(a.users, acc)
		a.byName[u.Username] = acc
	}
	a.reset()
	if len(a.byToken) != len(a.users) {
		return nil, fmt.Errorf("users: two users share a token")
	}
	return a, nil
}

// reset restores every user's initial token (undoing logouts).
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

// login checks credentials and returns the user's token, issuing a new one after a logout.
func (a *authStore) login(username, password string) (*account, string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.byName[username]
	if u == nil || subtle.ConstantTimeCompare([]byte(u.password), []byte(password)) != 1 {
		return nil, "", false
	}
	if u.token == "" {
		u.generation++
		u.token = derivedToken(a.seed, u.username, u.generation)
		a.byToken[u.token] = u
	}
	return u, u.token, true
}

func (a *authStore) logout(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if u := a.byToken[token]; u != nil {
		delete(a.byToken, token)
		u.token = ""
	}
}

// authenticate is DRF's TokenAuthentication followed by IsAuthenticated (skipped for public
// operations). As in DRF, a malformed or unknown token is rejected even on public views.
func (s *Sandbox) authenticate(c echo.Context, st *reqState, op *opSpec) *apiError {
	parts := strings.Fields(c.Request().Header.Get(echo.HeaderAuthorization))
	if len(parts) > 0 && strings.EqualFold(parts[0], "token") {
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
	}
	if st.user == nil && !op.Public {
		return unauthorized(msgNoCredentials)
	}
	return nil
}

var dateJoined = time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)

func userBody(u *account) janaapi.User {
	email := openapi_types.Email(u.username + "@sandbox.jana.example")
	staff := false
	first, last := strings.ToUpper(u.username[:1])+u.username[1:], "User"
	joined := dateJoined.AddDate(0, 0, u.id-1)
	return janaapi.User{Id: u.id, Username: u.username, Email: &email, FirstName: &first,
		LastName: &last, IsStaff: &staff, DateJoined: &joined}
}

// AuthLoginCreate implements POST /api/auth/login/ (DRF's obtain_auth_token). It accepts JSON
// and form bodies, like DRF's default parsers.
func (h *server) AuthLoginCreate(c echo.Context) error {
	var body struct {
		Username *string `json:"username"`
		Password *string `json:"password"`
	}
	raw, err := io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))
	if err != nil {
		return badRequest("Could not read the request body.")
	}
	ct := c.Request().Header.Get(echo.HeaderContentType)
	switch {
	case strings.HasPrefix(ct, echo.MIMEApplicationForm):
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return badRequest("Malformed form body.")
		}
		if form.Has("username") {
			v := form.Get("username")
			body.Username = &v
		}
		if form.Has("password") {
			v := form.Get("password")
			body.Password = &v
		}
	case len(raw) > 0:
		if err := json.Unmarshal(raw, &body); err != nil {
			return badRequest("JSON parse error - " + err.Error())
		}
	}
	errs := map[string][]string{}
	for name, v := range map[string]*string{"username": body.Username, "password": body.Password} {
		switch {
		case v == nil:
			errs[name] = []string{msgFieldIsRequired}
		case *v == "":
			errs[name] = []string{"This field may not be blank."}
		}
	}
	if len(errs) > 0 {
		return fieldErrors(errs)
	}
	u, token, ok := h.s.auth.login(*body.Username, *body.Password)
	if !ok {
		return fieldError("non_field_errors", msgBadCredentials)
	}
	return writeJSON(c, http.StatusOK, janaapi.LoginResponse{Token: token, User: userBody(u)})
}

// AuthLogoutCreate implements POST /api/auth/logout/: the presented token is deleted.
func (h *server) AuthLogoutCreate(c echo.Context) error {
	st := stateOf(c)
	h.s.auth.logout(st.token)
	return writeJSON(c, http.StatusOK, janaapi.LogoutResponse{Detail: "Successfully logged out."})
}

// AuthUserRetrieve implements GET /api/auth/user/.
func (h *server) AuthUserRetrieve(c echo.Context) error {
	return writeJSON(c, http.StatusOK, userBody(stateOf(c).user))
}
