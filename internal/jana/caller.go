package jana

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/janaplatform/jana-mcp/internal/secret"
)

// Caller is whose credentials a backend call carries: one user's own Jana credential (a DRF
// token or a JWT access token, sent with the scheme it came with), a user whose Jana sign-in
// this server holds (SignedIn), or the service account. It travels in the context of every
// tool call.
type Caller struct {
	token   secret.Value
	source  *signIn // a signed-in user's tokens (SignedIn); nil otherwise
	scheme  Scheme
	jwt     bool      // a Bearer JWT: it expires, and Jana's refusals of it are not remembered
	expires time.Time // its exp claim (unverified); zero when it has none
	service bool
	key     string
	sum     [sha256.Size]byte // of scheme and token: keys the verdict cache without keeping tokens as keys
}

// UserCaller returns the caller for a user's own credential, sent to Jana as
// "Authorization: <scheme> <token>".
func UserCaller(scheme Scheme, token string) *Caller {
	tokenSum := sha256.Sum256([]byte(token))
	c := &Caller{token: secret.Value(token), scheme: scheme, key: "user:" + hex.EncodeToString(tokenSum[:8]),
		sum: sha256.Sum256([]byte(string(scheme) + " " + token))}
	if scheme == SchemeBearer {
		_, exp, ok := jwtTimes(token)
		c.jwt, c.expires = ok, exp
	}
	return c
}

// ServiceCaller returns the caller for the configured service account.
func ServiceCaller() *Caller { return &Caller{service: true, key: "service"} }

// Key identifies the caller without revealing the token: "user:<hash prefix of the token>",
// the key a signed-in user was given (SignedIn), or "service". It keys caches, rate limits
// and session ownership, and may appear in logs.
func (c *Caller) Key() string { return c.key }

// IsService reports whether calls use the service account.
func (c *Caller) IsService() bool { return c.service }

// Token returns the user's token (zero for the service account).
func (c *Caller) Token() secret.Value { return c.token }

// Scheme returns the scheme the user's token is sent with ("" for the service account).
func (c *Caller) Scheme() Scheme { return c.scheme }

// IsJWT reports whether the user's credential is a JWT access token (sent as Bearer), which
// expires after minutes: its failures tell the user to sign in again.
func (c *Caller) IsJWT() bool { return c.jwt }

// Expires returns the exp claim of a JWT caller, read without verifying the signature; false
// when there is none.
func (c *Caller) Expires() (time.Time, bool) { return c.expires, !c.expires.IsZero() }

// expiredAt reports whether a JWT caller's access token has passed its exp claim at now.
func (c *Caller) expiredAt(now time.Time) bool {
	return c.jwt && !c.expires.IsZero() && !now.Before(c.expires)
}

type callerKey struct{}

// WithCaller returns a context whose backend calls authenticate as c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller stored by WithCaller.
func CallerFrom(ctx context.Context) (*Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(*Caller)
	return c, ok && c != nil
}
