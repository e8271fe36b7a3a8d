package jana

import (
	"encoding/base64"
	"strconv"
	"testing"
	"time"
)

// fakeJWT builds an unsigned JWT-shaped token with the given header and claims.
func fakeJWT(header, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(claims)) + ".c2lnbmF0dXJl"
}

func TestClassify(t *testing.T) {
	t.Parallel()
	jwt := fakeJWT(`{"alg":"HS256","typ":"JWT"}`, `{"exp":1893456000}`)
	for _, tc := range []struct {
		name, token string
		want        Scheme
	}{
		{"DRF token", "fe774d2138df9986c95c15c543fe989c793105ae", SchemeToken},
		{"DRF token in capitals", "FE774D2138DF9986C95C15C543FE989C793105AE", SchemeToken},
		{"JWT", jwt, SchemeBearer},
		{"JWT of another algorithm", fakeJWT(`{"alg":"RS256"}`, `{}`), SchemeBearer},
		{"three segments, header without alg", fakeJWT(`{"typ":"JWT"}`, `{}`), SchemeToken},
		{"three segments, header not JSON", fakeJWT(`not json`, `{}`), SchemeToken},
		{"two segments", jwt[:len(jwt)-len(".c2lnbmF0dXJl")], SchemeToken},
		{"39 hex characters", "fe774d2138df9986c95c15c543fe989c793105a", SchemeToken},
		{"anything else", "bob-static-token", SchemeToken},
	} {
		if got := Classify(tc.token); got != tc.want {
			t.Errorf("%s: Classify = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseCredential(t *testing.T) {
	t.Parallel()
	jwt := fakeJWT(`{"alg":"HS256"}`, `{}`)
	for _, tc := range []struct {
		in     string
		scheme Scheme
		token  string
		ok     bool
	}{
		{"Bearer abc", SchemeBearer, "abc", true},
		{"bearer  abc ", SchemeBearer, "abc", true},
		{"Token abc", SchemeToken, "abc", true},
		{"TOKEN abc", SchemeToken, "abc", true},
		{jwt, SchemeBearer, jwt, true},
		{"0123456789abcdef0123456789abcdef01234567", SchemeToken, "0123456789abcdef0123456789abcdef01234567", true},
		{"Basic abc", "", "", false},
		{"Bearer a b", "", "", false},
		{"Bearer ", "", "", false},
		{"", "", "", false},
	} {
		scheme, token, ok := ParseCredential(tc.in)
		if scheme != tc.scheme || token != tc.token || ok != tc.ok {
			t.Errorf("ParseCredential(%q) = %q, %q, %v; want %q, %q, %v", tc.in, scheme, token, ok, tc.scheme, tc.token, tc.ok)
		}
	}
}

func TestJWTCaller(t *testing.T) {
	t.Parallel()
	exp := time.Unix(1893456000, 0)
	jwt := fakeJWT(`{"alg":"HS256"}`, `{"iat":1893455100,"exp":1893456000.5,"sub":"1"}`)
	c := UserCaller(SchemeBearer, jwt)
	if got, ok := c.Expires(); !c.IsJWT() || !ok || !got.Equal(exp.Add(500*time.Millisecond)) {
		t.Errorf("JWT caller: jwt %v, exp %v %v", c.IsJWT(), got, ok)
	}
	if c.expiredAt(exp) || !c.expiredAt(exp.Add(time.Second)) {
		t.Error("expiredAt does not follow the exp claim")
	}
	asToken := UserCaller(SchemeToken, jwt)
	if asToken.IsJWT() || asToken.expiredAt(exp.Add(time.Hour)) {
		t.Error("a token sent as Token is judged by Jana alone, not by its claims")
	}
	if asToken.Key() != c.Key() || asToken.sum == c.sum {
		t.Error("keys hash the token alone; verdicts are per scheme and token")
	}
	if noExp := UserCaller(SchemeBearer, fakeJWT(`{"alg":"HS256"}`, `{"sub":"1"}`)); !noExp.IsJWT() || noExp.expiredAt(time.Now().Add(100*365*24*time.Hour)) {
		t.Error("a JWT without exp never expires by its claims")
	}
}

func TestCredentialRejected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		detail string
		want   bool
	}{
		{401, "", true},
		{403, "Given token not valid for any token type", true},
		{403, "Token expired", true},
		{403, "Invalid JWT", true},
		{403, "Invalid credentials", true},
		{403, "Authentication credentials were not provided.", true},
		{403, "Permission denied", false},
		{403, "You do not have permission to perform this action.", false},
		{404, "token", false},
	} {
		if got := credentialRejected(tc.status, tc.detail); got != tc.want {
			t.Errorf("credentialRejected(%d, %q) = %v", tc.status, tc.detail, got)
		}
	}
}

// TestServiceRenewalSchedule: a JWT is renewed at 80% of its life (exp - iat) counted from its
// arrival, and calls wait for the renewal from 95%; a Jana clock ahead of ours does not shorten
// that life, and exp bounds it when the token arrives late (or Jana's clock is behind).
func TestServiceRenewalSchedule(t *testing.T) {
	t.Parallel()
	arrived := time.Unix(1893455000, 0)
	for _, tc := range []struct {
		name        string
		iat, exp    int64
		renew, wait time.Duration
	}{
		{"issued now", 1893455000, 1893455100, 80 * time.Second, 95 * time.Second},
		{"Jana's clock 30 s ahead", 1893455030, 1893455130, 80 * time.Second, 95 * time.Second},
		{"arrived 30 s after iat: exp bounds it", 1893454970, 1893455070, 56 * time.Second, 66500 * time.Millisecond},
		{"no iat", 0, 1893455100, 80 * time.Second, 95 * time.Second},
	} {
		claims := `{"exp":` + strconv.FormatInt(tc.exp, 10) + `}`
		if tc.iat != 0 {
			claims = `{"iat":` + strconv.FormatInt(tc.iat, 10) + `,"exp":` + strconv.FormatInt(tc.exp, 10) + `}`
		}
		c := credentialFor(SchemeBearer, fakeJWT(`{"alg":"HS256"}`, claims), "r", arrived)
		if got := c.renewAt.Sub(arrived); got != tc.renew {
			t.Errorf("%s: renew after %s, want %s", tc.name, got, tc.renew)
		}
		if got := c.staleAt.Sub(arrived); got != tc.wait {
			t.Errorf("%s: wait from %s, want %s", tc.name, got, tc.wait)
		}
	}
	if c := credentialFor(SchemeToken, "fe774d2138df9986c95c15c543fe989c793105ae", "", arrived); !c.renewAt.IsZero() {
		t.Error("a DRF token is never renewed on a schedule")
	}
}
