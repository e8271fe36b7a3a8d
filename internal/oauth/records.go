package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

// What the server hands out is opaque: random strings with a prefix that names their kind
// (which also lets secret scanners find them). The store keeps only their SHA-256, in the
// record's key; a record's value is sealed (seal.go), bound to its key.
const (
	prefixAccess  = "jmcp_at_"
	prefixRefresh = "jmcp_rt_"
	prefixCode    = "jmcp_ac_"
)

// newSecret is 256 random bits with prefix.
func newSecret(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// newID is a random identifier of a record (a grant, a pending sign-in).
func newID() string { return strings.ToLower(rand.Text()) }

// hashOf is the store's name for a secret.
func hashOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Record keys.
func keyRequest(id string) string        { return "req:" + id }
func keyCode(code string) string         { return "code:" + hashOf(code) }
func keyCodeUsed(code string) string     { return "code-used:" + hashOf(code) }
func keyGrant(id string) string          { return "grant:" + id }
func keyGrantLock(id string) string      { return "lock:grant:" + id }
func keyRequestLock(id string) string    { return "lock:req:" + id }
func keyAccess(token string) string      { return "at:" + hashOf(token) }
func keyRefresh(token string) string     { return "rt:" + hashOf(token) }
func keyRefreshUsed(token string) string { return "rt-used:" + hashOf(token) }
func keyClientDoc(url string) string     { return "client-doc:" + hashOf(url) }

// pending is an authorization request waiting for the user to sign in.
type pending struct {
	ClientID    string    `json:"client_id"`
	ClientName  string    `json:"client_name,omitempty"`
	RedirectURI string    `json:"redirect_uri"`
	State       string    `json:"state,omitempty"`
	Challenge   string    `json:"code_challenge"`
	Resource    string    `json:"resource"`
	Scope       string    `json:"scope"`
	CSRF        string    `json:"csrf"`
	Expires     time.Time `json:"expires"`
	Failures    int       `json:"failures,omitempty"` // wrong passwords so far
	Device      *device   `json:"device,omitempty"`
}

// device is the Jana device-code sign-in a pending request waits for.
type device struct {
	Code            string        `json:"device_code"`
	UserCode        string        `json:"user_code"`
	VerificationURI string        `json:"verification_uri"`
	CompleteURI     string        `json:"verification_uri_complete,omitempty"`
	Interval        time.Duration `json:"interval"`
	NextPoll        time.Time     `json:"next_poll"`
	Expires         time.Time     `json:"expires"`
}

// authCode is an authorization code: the signed-in user's Jana tokens wait in it for the
// client to redeem it, which creates the grant.
type authCode struct {
	ClientID    string            `json:"client_id"`
	RedirectURI string            `json:"redirect_uri"`
	Challenge   string            `json:"code_challenge"`
	Resource    string            `json:"resource"`
	Scope       string            `json:"scope"`
	User        string            `json:"user"` // the caller key: jana-user:<hash of Jana's user id>
	Jana        jana.SignInTokens `json:"jana"`
	GrantID     string            `json:"grant_id"` // the grant the code becomes
}

// grant is one user's sign-in through one client: it holds the user's Jana tokens, and every
// token of ours issued for it is good only while it exists. Revoking it (at /oauth/revoke, by
// reuse of a spent code or refresh token, or because Jana refused its refresh token) deletes
// it.
type grant struct {
	User     string            `json:"user"`
	ClientID string            `json:"client_id"`
	Resource string            `json:"resource"`
	Scope    string            `json:"scope"`
	Created  time.Time         `json:"created"`
	Jana     jana.SignInTokens `json:"jana"`
}

// accessRecord is one of our access tokens.
type accessRecord struct {
	GrantID  string    `json:"grant_id"`
	ClientID string    `json:"client_id"`
	Resource string    `json:"resource"`
	Scope    string    `json:"scope"`
	Expires  time.Time `json:"expires"`
}

// refreshRecord is one of our refresh tokens; once used, it is replaced by a spentRefresh.
type refreshRecord struct {
	GrantID  string `json:"grant_id"`
	ClientID string `json:"client_id"`
	Access   string `json:"access"` // hash of the access token issued with it
}

// spentRefresh remembers a used refresh token (or code) so that its reuse is noticed.
type spentRefresh struct {
	GrantID  string    `json:"grant_id"`
	ClientID string    `json:"client_id"`
	Used     time.Time `json:"used"`
}

// put seals v and stores it under key for ttl (a record whose time is up is deleted instead).
func (s *Server) put(ctx context.Context, key string, v any, ttl time.Duration) error {
	if ttl <= 0 {
		return s.store.Delete(ctx, key)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.store.Set(ctx, key, s.sealer.seal(key, b), ttl)
}

// unseal opens a stored value of key into v. A value that does not open (tampered with, or
// sealed with a key no longer configured) counts as absent.
func (s *Server) unseal(key string, raw []byte, v any) error {
	b, err := s.sealer.open(key, raw)
	if err != nil {
		s.logger.Warn("oauth store: a record does not open (tampered with, or sealed with a retired MCP_OAUTH_KEY)", "kind", kindOf(key))
		return ErrNotFound
	}
	if err := json.Unmarshal(b, v); err != nil {
		return ErrNotFound
	}
	return nil
}

// get loads key's record into v; ErrNotFound when absent.
func (s *Server) get(ctx context.Context, key string, v any) error {
	raw, err := s.store.Get(ctx, key)
	if err != nil {
		return err
	}
	return s.unseal(key, raw, v)
}

// take loads and deletes key's record in one step.
func (s *Server) take(ctx context.Context, key string, v any) error {
	raw, err := s.store.Take(ctx, key)
	if err != nil {
		return err
	}
	return s.unseal(key, raw, v)
}

func kindOf(key string) string {
	kind, _, _ := strings.Cut(key, ":")
	return kind
}

// lockWait is how long a caller waits for a lock another call holds.
const lockWait = 15 * time.Second

// errLocked is a lock that stayed taken for lockWait.
var errLocked = errors.New("record locked")

// lock takes the lock key (for every replica), waiting for it up to lockWait, and returns
// its release.
func (s *Server) lock(ctx context.Context, key string) (func(), error) {
	token := []byte(newID())
	deadline := s.now().Add(lockWait)
	for {
		ok, err := s.store.Add(ctx, key, token, s.lockTTL)
		if err != nil {
			return nil, err
		}
		if ok {
			return func() { _ = s.store.Unlock(context.WithoutCancel(ctx), key, token) }, nil
		}
		if s.now().After(deadline) {
			return nil, errLocked
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// grantSignIn is a grant's Jana sign-in as the jana package keeps it fresh (jana.SignInStore).
type grantSignIn struct {
	s  *Server
	id string
}

// Tokens implements jana.SignInStore.
func (g grantSignIn) Tokens(ctx context.Context) (jana.SignInTokens, error) {
	var gr grant
	if err := g.s.get(ctx, keyGrant(g.id), &gr); err != nil {
		if errors.Is(err, ErrNotFound) {
			return jana.SignInTokens{}, jana.ErrSignInEnded
		}
		return jana.SignInTokens{}, err
	}
	return gr.Jana, nil
}

// Replace implements jana.SignInStore: the grant's lock makes one refresh at a time across
// replicas, and a grant revoked meanwhile is not written back.
func (g grantSignIn) Replace(ctx context.Context, renew func(jana.SignInTokens) (jana.SignInTokens, error)) (jana.SignInTokens, error) {
	unlock, err := g.s.lock(ctx, keyGrantLock(g.id))
	if err != nil {
		return jana.SignInTokens{}, fmt.Errorf("locking the sign-in: %w", err)
	}
	defer unlock()
	key := keyGrant(g.id)
	var gr grant
	if err := g.s.get(ctx, key, &gr); err != nil {
		if errors.Is(err, ErrNotFound) {
			return jana.SignInTokens{}, jana.ErrSignInEnded
		}
		return jana.SignInTokens{}, err
	}
	next, err := renew(gr.Jana)
	if err != nil || next == gr.Jana {
		return next, err
	}
	gr.Jana = next
	b, err := json.Marshal(gr)
	if err != nil {
		return jana.SignInTokens{}, err
	}
	ok, err := g.s.store.Replace(ctx, key, g.s.sealer.seal(key, b))
	switch {
	case err != nil:
		return jana.SignInTokens{}, err
	case !ok:
		return jana.SignInTokens{}, jana.ErrSignInEnded
	}
	return next, nil
}

// End implements jana.SignInStore.
func (g grantSignIn) End(ctx context.Context) {
	if err := g.s.store.Delete(ctx, keyGrant(g.id)); err != nil {
		g.s.logger.Warn("oauth: ending a sign-in Jana refused", "err", err)
		return
	}
	g.s.logger.Info("oauth: sign-in ended: Jana refused its refresh token (signed out or revoked at Jana)", "grant", g.id)
}
