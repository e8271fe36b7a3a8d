package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// deviceCode starts a device sign-in as Jana's SDK does.
func (e *testEnv) deviceCode(t *testing.T) janaapi.DeviceCode {
	t.Helper()
	resp, err := e.anon.AuthDeviceCodeCreateWithResponse(ctx(t), janaapi.DeviceCodeRequest{ClientId: "jana-sdk"})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("device-code: %v %d %s", err, resp.StatusCode(), resp.Body)
	}
	if !strings.HasPrefix(string(resp.Body), `{"data":{`) {
		t.Errorf("device-code answer is not wrapped in data: %s", resp.Body)
	}
	return resp.JSON200.Data
}

// pollDevice polls device-token once: the tokens, or the OAuth error.
func (e *testEnv) pollDevice(t *testing.T, code janaapi.DeviceCode) (*janaapi.TokenPair, *janaapi.OAuthError) {
	t.Helper()
	resp, err := e.anon.AuthDeviceTokenCreateWithResponse(ctx(t), janaapi.DeviceTokenRequest{
		GrantType: janaapi.GrantTypeEnumUrnIetfParamsOauthGrantTypeDeviceCode, DeviceCode: code.DeviceCode, ClientId: "jana-sdk"})
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case resp.JSON200 != nil:
		return &resp.JSON200.Data, nil
	case resp.JSON400 != nil:
		return nil, resp.JSON400
	}
	t.Fatalf("device-token: %d %s", resp.StatusCode(), resp.Body)
	return nil, nil
}

func wantOAuthError(t *testing.T, step string, pair *janaapi.TokenPair, oe *janaapi.OAuthError, want janaapi.ErrorEnum) {
	t.Helper()
	if pair != nil || oe == nil || oe.Error != want {
		t.Fatalf("%s: got tokens %v, error %+v; want %s", step, pair != nil, oe, want)
	}
}

// submitDevicePage posts the verification page's form as a browser would.
func (e *testEnv) submitDevicePage(t *testing.T, userCode, email, password, action string) (int, string) {
	t.Helper()
	form := url.Values{"user_code": {userCode}, "email": {email}, "password": {password}, "action": {action}}
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, e.url+"/device/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := e.do(t, req)
	return resp.StatusCode, string(body)
}

// TestDeviceFlow runs RFC 8628 end to end the way Jana's SDK does: device-code, polls that
// are pending or too fast, approval on the verification page or by the admin call, tokens.
func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	rec := &events{}
	// The default 5 s interval: polls this test makes back to back are always "too fast".
	e := newEnv(t, Config{Observer: rec.observe, Users: []User{{Username: "alice", Password: "pw-a"}}})

	code := e.deviceCode(t)
	if !isUserCode(code.UserCode) || code.Interval != 5 || code.ExpiresIn != int(DefaultDeviceCodeLifetime/time.Second) ||
		code.VerificationUri != e.url+"/device/" || code.VerificationUriComplete != e.url+"/device/?user_code="+code.UserCode || len(code.DeviceCode) < 40 {
		t.Errorf("device code %+v", code)
	}
	pair, oe := e.pollDevice(t, code)
	wantOAuthError(t, "first poll", pair, oe, janaapi.ErrorEnumAuthorizationPending)
	pair, oe = e.pollDevice(t, code)
	wantOAuthError(t, "poll without waiting", pair, oe, janaapi.ErrorEnumSlowDown)
	if oe.Interval == nil || *oe.Interval != 10 {
		t.Errorf("slow_down interval %v, want 10 (5 + 5)", oe.Interval)
	}

	// The user opens verification_uri_complete, signs in and approves.
	page, err := http.Get(code.VerificationUriComplete)
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Errorf("verification page: %d %s", page.StatusCode, page.Header.Get("Content-Type"))
	}
	if status, body := e.submitDevicePage(t, code.UserCode, DefaultEmail, "wrong", "approve"); status != http.StatusUnauthorized ||
		!strings.Contains(body, "Unable to sign in") {
		t.Errorf("wrong password on the page: %d %s", status, body)
	}
	if pair, oe := e.pollDevice(t, code); oe == nil || oe.Error != janaapi.ErrorEnumSlowDown {
		t.Errorf("still too fast: %v %+v", pair != nil, oe)
	}
	// A user may type the code in lower case without its dash.
	typed := strings.ToLower(strings.ReplaceAll(code.UserCode, "-", ""))
	if status, body := e.submitDevicePage(t, typed, DefaultEmail, DefaultPassword, "approve"); status != http.StatusOK ||
		!strings.Contains(body, "Device approved") {
		t.Fatalf("approve on the page: %d %s", status, body)
	}
	pair, oe = e.pollDevice(t, code)
	if pair == nil || pair.RefreshToken == nil {
		t.Fatalf("poll after approval: %+v", oe)
	}
	if got := currentUser(t, e.bearerClient(t, pair.AccessToken)); got.Username != "demo" {
		t.Errorf("device sign-in is %+v, want demo", got)
	}
	if r, err := e.anon.AuthRefreshCreateWithResponse(ctx(t), janaapi.RefreshRequest{RefreshToken: pair.RefreshToken}); err != nil || r.JSON200 == nil {
		t.Errorf("refresh a device sign-in: %v %d", err, r.StatusCode())
	}
	pair, oe = e.pollDevice(t, code)
	wantOAuthError(t, "poll after the tokens were issued", pair, oe, janaapi.ErrorEnumInvalidGrant)

	// The admin call approves in place of a browser.
	second := e.deviceCode(t)
	if resp, body := e.post(t, "/__sandbox/device", `{"user_code": "`+second.UserCode+`", "username": "alice", "action": "approve"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("admin approve: %d %s", resp.StatusCode, body)
	}
	pair, oe = e.pollDevice(t, second)
	if pair == nil {
		t.Fatalf("poll after the admin approval: %+v", oe)
	}
	if got := currentUser(t, e.bearerClient(t, pair.AccessToken)); got.Username != "alice" {
		t.Errorf("admin-approved sign-in is %+v, want alice", got)
	}
	if resp, _ := e.post(t, "/__sandbox/device", `{"user_code": "`+second.UserCode+`", "username": "alice", "action": "approve"}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("approving a used code: %d", resp.StatusCode)
	}

	// Denied, on the page or by the admin call: access_denied, for good.
	for _, deny := range []func(code string){
		func(code string) {
			if status, body := e.submitDevicePage(t, code, "alice@jana.example", "pw-a", "deny"); status != http.StatusOK || !strings.Contains(body, "denied") {
				t.Errorf("deny on the page: %d %s", status, body)
			}
		},
		func(code string) {
			if err := e.sb.DecideDevice(code, "demo", false); err != nil {
				t.Error(err)
			}
		},
	} {
		c := e.deviceCode(t)
		deny(c.UserCode)
		for range 2 {
			pair, oe := e.pollDevice(t, c)
			wantOAuthError(t, "poll after denial", pair, oe, janaapi.ErrorEnumAccessDenied)
		}
	}

	for _, tc := range []struct {
		name string
		body string
		want janaapi.ErrorEnum
	}{
		{"wrong grant type", `{"grant_type": "password", "device_code": "x", "client_id": "jana-sdk"}`, janaapi.ErrorEnumUnsupportedGrantType},
		{"no device code", `{"grant_type": "` + deviceGrantType + `", "client_id": "jana-sdk"}`, janaapi.ErrorEnumInvalidRequest},
		{"unknown device code", `{"grant_type": "` + deviceGrantType + `", "device_code": "nope", "client_id": "jana-sdk"}`, janaapi.ErrorEnumInvalidGrant},
		{"another client", `{"grant_type": "` + deviceGrantType + `", "device_code": "` + e.deviceCode(t).DeviceCode + `", "client_id": "other"}`, janaapi.ErrorEnumInvalidGrant},
	} {
		resp, err := e.anon.AuthDeviceTokenCreateWithBodyWithResponse(ctx(t), "application/json", strings.NewReader(tc.body))
		if err != nil || resp.JSON400 == nil || resp.JSON400.Error != tc.want || resp.JSON400.ErrorDescription == nil {
			t.Errorf("%s: %v %d %s, want 400 %s", tc.name, err, resp.StatusCode(), resp.Body, tc.want)
		}
	}
	if n := len(rec.all); n == 0 || rec.last("") != (Event{}) {
		t.Errorf("the verification page must not appear among API requests (%d events)", n)
	}
}

// isUserCode reports whether s looks like a user code: XXXX-XXXX of RFC 8628's consonants.
func isUserCode(s string) bool {
	if len(s) != 9 || s[4] != '-' {
		return false
	}
	for i, r := range s {
		if i != 4 && !strings.ContainsRune(userCodeAlphabet, r) {
			return false
		}
	}
	return true
}

func TestDeviceCodeExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{DeviceCodeLifetime: time.Second, DeviceInterval: time.Second})
	code := e.deviceCode(t)
	if code.ExpiresIn != 1 {
		t.Errorf("expires_in %d, want 1", code.ExpiresIn)
	}
	var oe *janaapi.OAuthError
	if !eventually(10*time.Second, func() bool {
		time.Sleep(time.Duration(code.Interval) * time.Second)
		_, oe = e.pollDevice(t, code)
		return oe != nil && oe.Error == janaapi.ErrorEnumExpiredToken
	}) {
		t.Fatalf("a 1 s device code did not expire: %+v", oe)
	}
	if status, body := e.submitDevicePage(t, code.UserCode, DefaultEmail, DefaultPassword, "approve"); status != http.StatusBadRequest ||
		!strings.Contains(body, "expired") {
		t.Errorf("approving an expired code: %d %s", status, body)
	}
}
