package sandbox

import (
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// The device authorization grant (RFC 8628) as Jana's clients use it: device-code hands out
// a device_code and a user_code; the user opens the verification page (/device/, the
// sandbox's stand-in for Jana's web app), signs in with email and password and approves or
// denies; meanwhile the client polls device-token, which answers HTTP 400 with an OAuth error
// until then. Tests can decide in place of the user with Sandbox.DecideDevice or
// POST /__sandbox/device.

type deviceState int

const (
	devicePending deviceState = iota
	deviceApproved
	deviceDenied
)

// deviceGrant is one device code waiting for, or given, the user's decision.
type deviceGrant struct {
	deviceCode string
	userCode   string
	clientID   string
	expires    time.Time
	interval   time.Duration // grows by 5 s at every slow_down
	lastPoll   time.Time
	state      deviceState
	user       *account
}

// devicePath is the verification page.
const devicePath = "/device/"

func isDevicePage(path string) bool {
	return path == devicePath || path == strings.TrimSuffix(devicePath, "/")
}

// userCodeAlphabet is RFC 8628 §6.1's example: consonants only, so codes spell no words and
// read unambiguously.
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

func newUserCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = userCodeAlphabet[int(b[i])%len(userCodeAlphabet)]
	}
	return string(b[:4]) + "-" + string(b[4:])
}

// normaliseUserCode accepts what a user may type: lower case, spaces, no dash.
func normaliseUserCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
	if len(s) != 8 {
		return s
	}
	return s[:4] + "-" + s[4:]
}

// newDevice registers a device code for clientID.
func (a *authStore) newDevice(clientID string) *deviceGrant {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for code, g := range a.devices {
		if now.Sub(g.expires) > a.deviceTTL {
			delete(a.devices, code) // long expired: even expired_token is no longer owed
			delete(a.byUser, g.userCode)
		}
	}
	g := &deviceGrant{deviceCode: rand.Text() + rand.Text(), clientID: clientID, expires: now.Add(a.deviceTTL), interval: a.interval}
	for g.userCode == "" || a.byUser[g.userCode] != nil {
		g.userCode = newUserCode()
	}
	a.devices[g.deviceCode] = g
	a.byUser[g.userCode] = g
	return g
}

// errUnknownCode is a user code that was never issued or was used up.
var errUnknownCode = errors.New("unknown or already used code")

// decide records the user's decision on a pending device code.
func (a *authStore) decide(userCode string, u *account, approve bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	g := a.byUser[normaliseUserCode(userCode)]
	switch {
	case g == nil:
		return errUnknownCode
	case !a.now().Before(g.expires):
		return errors.New("the code has expired; start the sign-in again")
	case g.state != devicePending:
		return errors.New("the code was already approved or denied")
	}
	g.user = u
	g.state = deviceDenied
	if approve {
		g.state = deviceApproved
	}
	return nil
}

func oauthError(code janaapi.ErrorEnum, description string) *apiError {
	return &apiError{status: http.StatusBadRequest, body: janaapi.OAuthError{Error: code, ErrorDescription: &description}}
}

// poll is one request to device-token: an OAuth error, or (once) the approved sign-in.
func (a *authStore) poll(deviceCode, clientID string) (janaapi.TokenPairResponse, *apiError, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	g := a.devices[deviceCode]
	switch {
	case g == nil || g.clientID != clientID:
		return janaapi.TokenPairResponse{}, oauthError(janaapi.ErrorEnumInvalidGrant, "Unknown or already used device code."), nil
	case !now.Before(g.expires):
		return janaapi.TokenPairResponse{}, oauthError(janaapi.ErrorEnumExpiredToken, "The device code has expired; start the sign-in again."), nil
	case g.state == deviceDenied:
		return janaapi.TokenPairResponse{}, oauthError(janaapi.ErrorEnumAccessDenied, "The user denied the sign-in."), nil
	case g.state == deviceApproved:
		// A device code is used once.
		delete(a.devices, g.deviceCode)
		delete(a.byUser, g.userCode)
		sess := &jwtSession{id: rand.Text(), user: g.user}
		a.sessions[sess.id] = sess
		pair, err := a.issuePair(sess, now)
		return pair, nil, err
	}
	tooSoon := !g.lastPoll.IsZero() && now.Sub(g.lastPoll) < g.interval
	g.lastPoll = now
	if tooSoon {
		g.interval += 5 * time.Second // RFC 8628 §3.5: for this and all later polls
		secs := int(g.interval / time.Second)
		ae := oauthError(janaapi.ErrorEnumSlowDown, fmt.Sprintf("Polling too fast: wait %d seconds between polls.", secs))
		body := ae.body.(janaapi.OAuthError)
		body.Interval = &secs
		ae.body = body
		return janaapi.TokenPairResponse{}, ae, nil
	}
	return janaapi.TokenPairResponse{}, oauthError(janaapi.ErrorEnumAuthorizationPending, "The user has not approved the sign-in yet."), nil
}

// requestBase is the scheme and host the client reached, for absolute links.
func requestBase(r *http.Request) string { return requestScheme(r) + "://" + r.Host }

// AuthDeviceCodeCreate implements POST /api/auth/device-code/. Any client_id is accepted.
func (h *server) AuthDeviceCodeCreate(c echo.Context) error {
	body, ae := readBody(c, "client_id")
	if ae != nil {
		return ae
	}
	if ae := required(body, "client_id"); ae != nil {
		return ae
	}
	g := h.s.auth.newDevice(*body["client_id"])
	uri := requestBase(c.Request()) + devicePath
	return writeJSON(c, http.StatusOK, janaapi.DeviceCodeResponse{Data: janaapi.DeviceCode{
		DeviceCode: g.deviceCode, UserCode: g.userCode, VerificationUri: uri,
		VerificationUriComplete: uri + "?user_code=" + g.userCode,
		ExpiresIn:               int(h.s.auth.deviceTTL / time.Second), Interval: int(g.interval / time.Second),
	}})
}

// deviceGrantType is the only grant device-token serves.
const deviceGrantType = string(janaapi.GrantTypeEnumUrnIetfParamsOauthGrantTypeDeviceCode)

// AuthDeviceTokenCreate implements POST /api/auth/device-token/. Like an OAuth token
// endpoint, every failure is HTTP 400 with {"error", "error_description"}.
func (h *server) AuthDeviceTokenCreate(c echo.Context) error {
	body, ae := readBody(c, "grant_type", "device_code", "client_id")
	if ae != nil {
		return oauthError(janaapi.ErrorEnumInvalidRequest, "The body must be JSON or form-encoded with string values.")
	}
	for _, f := range []string{"grant_type", "device_code", "client_id"} {
		if body[f] == nil || *body[f] == "" {
			return oauthError(janaapi.ErrorEnumInvalidRequest, "Missing "+f+".")
		}
	}
	if *body["grant_type"] != deviceGrantType {
		return oauthError(janaapi.ErrorEnumUnsupportedGrantType, "grant_type must be "+deviceGrantType+".")
	}
	pair, ae, err := h.s.auth.poll(*body["device_code"], *body["client_id"])
	if err != nil {
		return err
	}
	if ae != nil {
		return ae
	}
	return writeJSON(c, http.StatusOK, pair)
}

// DecideDevice approves (or denies) the device code a user would type on the verification
// page, as username, without a password: tests use it in place of a browser.
func (s *Sandbox) DecideDevice(userCode, username string, approve bool) error {
	s.auth.mu.RLock()
	u := s.auth.byName[username]
	s.auth.mu.RUnlock()
	if u == nil {
		return fmt.Errorf("sandbox: no user %q", username)
	}
	if err := s.auth.decide(userCode, u, approve); err != nil {
		return fmt.Errorf("sandbox: user code %q: %w", userCode, err)
	}
	return nil
}

var devicePageTemplate = template.Must(template.New("device").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Jana sandbox: sign in a device</title></head>
<body>
<h1>Sign in a device</h1>
{{if .Done}}<p id="result">{{.Done}}</p>
{{else}}{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
<p>Check that the code matches the one your device shows, then sign in to approve it.</p>
<form method="post" action="` + devicePath + `">
<label>Code <input name="user_code" value="{{.UserCode}}" autocomplete="off"></label><br>
<label>Email <input name="email" type="email" autocomplete="username"></label><br>
<label>Password <input name="password" type="password" autocomplete="current-password"></label><br>
<button name="action" value="approve">Approve</button>
<button name="action" value="deny">Deny</button>
</form>{{end}}
</body>
</html>
`))

type devicePageData struct {
	UserCode, Error, Done string
}

func renderDevicePage(c echo.Context, status int, d devicePageData) error {
	var b strings.Builder
	if err := devicePageTemplate.Execute(&b, d); err != nil {
		return err
	}
	return c.HTML(status, b.String())
}

// devicePage shows the verification page (GET) and takes its form (POST): the user signs in
// with email and password and approves or denies the code.
func (s *Sandbox) devicePage(c echo.Context) error {
	if c.Request().Method == http.MethodGet {
		return renderDevicePage(c, http.StatusOK, devicePageData{UserCode: normaliseUserCode(c.QueryParam("user_code"))})
	}
	code, email, password, action := c.FormValue("user_code"), c.FormValue("email"), c.FormValue("password"), c.FormValue("action")
	again := devicePageData{UserCode: normaliseUserCode(code)}
	if action != "approve" && action != "deny" {
		again.Error = "Choose Approve or Deny."
		return renderDevicePage(c, http.StatusBadRequest, again)
	}
	u := s.auth.byEmailPassword(email, password)
	if u == nil {
		again.Error = "Unable to sign in with that email and password."
		return renderDevicePage(c, http.StatusUnauthorized, again)
	}
	if err := s.auth.decide(code, u, action == "approve"); err != nil {
		again.Error = "Code " + again.UserCode + ": " + err.Error() + "."
		status := http.StatusBadRequest
		if errors.Is(err, errUnknownCode) {
			status = http.StatusNotFound
		}
		return renderDevicePage(c, status, again)
	}
	done := "Device approved: it is now signed in as " + u.email + ". You can close this page."
	if action == "deny" {
		done = "Sign-in denied. You can close this page."
	}
	return renderDevicePage(c, http.StatusOK, devicePageData{Done: done})
}
