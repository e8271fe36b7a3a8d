package jana

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// Scheme is the keyword a credential is sent to Jana with, in "Authorization: <scheme> <token>".
type Scheme string

// The two generations of Jana's authentication.
const (
	// SchemeToken is DRF's TokenAuthentication: a 40-hex token that does not expire.
	SchemeToken Scheme = "Token"
	// SchemeBearer is a JWT access token: it expires after minutes (its exp claim).
	SchemeBearer Scheme = "Bearer"
)

// ParseCredential reads a credential as users and operators write it: "Bearer <token>" or
// "Token <token>" (the keyword in any case) keep their scheme; a bare token is classified
// (Classify). It reports false for another keyword or a malformed value.
func ParseCredential(s string) (Scheme, string, bool) {
	s = strings.TrimSpace(s)
	keyword, rest, spaced := strings.Cut(s, " ")
	if !spaced {
		if s == "" || strings.EqualFold(s, string(SchemeBearer)) || strings.EqualFold(s, string(SchemeToken)) {
			return "", "", false // nothing, or a keyword without its token
		}
		return Classify(s), s, true
	}
	rest = strings.TrimSpace(rest)
	if rest == "" || strings.ContainsAny(rest, " \t\r\n") {
		return "", "", false
	}
	switch {
	case strings.EqualFold(keyword, string(SchemeBearer)):
		return SchemeBearer, rest, true
	case strings.EqualFold(keyword, string(SchemeToken)):
		return SchemeToken, rest, true
	}
	return "", "", false
}

// Classify is the scheme a bare token (?token=, a JANA_TOKEN without a keyword) is sent
// with: 40 hexadecimal characters are a DRF token (Token); a JWT — three base64url segments,
// the first a JSON header naming its "alg" — is a Bearer access token; anything else is sent
// as Token, the scheme that existed first.
func Classify(token string) Scheme {
	if isHex40(token) {
		return SchemeToken
	}
	if _, ok := jwtHeader(token); ok {
		return SchemeBearer
	}
	return SchemeToken
}

func isHex40(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// jwtHeader decodes the header of a JWT-shaped token; ok is false for anything else.
func jwtHeader(token string) (alg string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(raw, &h) != nil || h.Alg == "" {
		return "", false
	}
	return h.Alg, true
}

// jwtTimes reads the iat and exp claims of a JWT without verifying its signature: this
// server cannot check Jana's key, but it can tell when Jana will stop accepting a token.
// Zero times mean the claim is absent; ok is false when token is not a JWT.
func jwtTimes(token string) (iat, exp time.Time, ok bool) {
	if _, ok := jwtHeader(token); !ok {
		return time.Time{}, time.Time{}, false
	}
	payload := token[strings.IndexByte(token, '.')+1 : strings.LastIndexByte(token, '.')]
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	var c struct {
		Iat *float64 `json:"iat"`
		Exp *float64 `json:"exp"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return time.Time{}, time.Time{}, false
	}
	return numericDate(c.Iat), numericDate(c.Exp), true
}

// numericDate converts a JWT NumericDate (seconds since the epoch, maybe fractional).
func numericDate(v *float64) time.Time {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) || *v <= 0 || *v > 1<<40 {
		return time.Time{}
	}
	sec, frac := math.Modf(*v)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// credentialRejected reports whether a 401 or 403 from Jana means the credential itself was
// refused (expired, invalid, revoked) rather than a permission the user lacks: any 401, and a
// 403 whose message mentions the token, a JWT, expiry or credentials — Jana answers an expired
// or invalid JWT with 403 ("Given token not valid for any token type"), as Jana's SDK expects.
func credentialRejected(status int, detail string) bool {
	switch status {
	case 401:
		return true
	case 403:
		d := strings.ToLower(detail)
		for _, w := range []string{"token", "jwt", "expired", "credentials"} {
			if strings.Contains(d, w) {
				return true
			}
		}
	}
	return false
}
