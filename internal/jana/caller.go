package jana

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/janaplatform/jana-mcp/internal/config"
)

// Caller is whose credentials a backend call carries: one user's own Jana token, or the
// service account. It travels in the context of every tool call.
type Caller struct {
	token   config.Secret
	service bool
	key     string
	sum     [sha256.Size]byte // of the token: keys the verdict cache without keeping tokens as keys
}

// UserCaller returns the caller for a user's own token.
func UserCaller(token string) *Caller {
	sum := sha256.Sum256([]byte(token))
	return &Caller{token: config.Secret(token), key: "user:" + hex.EncodeToString(sum[:8]), sum: sum}
}

// ServiceCaller returns the caller for the configured service account.
func ServiceCaller() *Caller { return &Caller{service: true, key: "service"} }

// Key identifies the caller without revealing the token: "user:<hash prefix>" or "service".
// It keys caches, rate limits and session ownership, and may appear in logs.
func (c *Caller) Key() string { return c.key }

// IsService reports whether calls use the service account.
func (c *Caller) IsService() bool { return c.service }

// Token returns the user's token (zero for the service account).
func (c *Caller) Token() config.Secret { return c.token }

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
