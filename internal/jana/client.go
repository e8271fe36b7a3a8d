// Package jana is the adapter between the MCP tools and the generated Jana client
// (gen/janaapi). Every backend call goes through it: the caller's own token or the service
// account, the Host header, a deadline per call, retries with backoff for idempotent calls,
// the per-user response cache, instrumentation, and DRF error bodies turned into typed errors.
package jana

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/tracing"
)

// Options are the adapter's collaborators. All are optional.
type Options struct {
	Logger        *slog.Logger
	Observer      Observer
	CacheObserver CacheObserver
	// Transport is the HTTP transport to Jana; tests may inject one.
	Transport http.RoundTripper
	// Tracing, when set, records a span per backend attempt and sends its traceparent to Jana.
	Tracing *tracing.Provider

	clock clock // the cache's time source; real time when nil (set by tests in this package)
}

// Client is the Jana backend as the tools see it.
type Client struct {
	doer     *doer
	api      *janaapi.ClientWithResponses
	service  *ServiceAccount
	verifier *verifier
	store    Store
	closers  []func() error
}

// New builds the adapter for cfg. It does not contact Jana.
func New(b config.Backend, c config.Cache, auth config.Auth, opts Options) (*Client, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	if opts.Transport == nil {
		opts.Transport = newTransport()
	}
	d := &doer{
		// Redirects are never followed: the next hop would get the caller's token, and Jana
		// has no reason to send one.
		client: &http.Client{Transport: opts.Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		maxBody:       b.MaxResponseBytes,
		hostHeader:    b.HostHeader,
		timeout:       b.Timeout,
		retries:       b.Retries,
		backoff:       b.RetryBase,
		maxRetryAfter: b.MaxRetryAfter,
		observer:      opts.Observer,
		tracing:       opts.Tracing,
	}
	out := &Client{doer: d}
	if c.Enabled {
		var store Store
		if !c.RedisURL.IsZero() {
			rs, err := NewRedisStore(c.RedisURL.Reveal(), opts.Logger)
			if err != nil {
				return nil, fmt.Errorf("MCP_CACHE_REDIS_URL: %w", err)
			}
			if opts.clock != nil {
				rs.now = opts.clock.Now
			}
			store = rs
			out.closers = append(out.closers, rs.Close)
		} else {
			store = newMemoryStore(c.MaxBytes, opts.clock)
		}
		out.store = store
		d.cache = NewCache(store, c.Public, opts.CacheObserver)
		if opts.clock != nil {
			d.cache.now = opts.clock.Now
		}
	}
	api, err := janaapi.NewClientWithResponses(b.URL.String(), janaapi.WithHTTPClient(d))
	if err != nil {
		return nil, fmt.Errorf("creating Jana client: %w", err)
	}
	out.api = api
	out.service = newServiceAccount(b, api)
	d.service = out.service
	out.verifier = newVerifier(api, auth.CacheTTL)
	return out, nil
}

// newTransport keeps enough idle connections for a busy bridge: the default of two per host
// would make every concurrent tool call open a new connection to Jana.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   512,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// API returns the generated client. Contexts passed to it must carry a Caller (WithCaller)
// unless the operation is public.
func (c *Client) API() *janaapi.ClientWithResponses { return c.api }

// Stats returns the bridge's running view of the backend since start.
func (c *Client) Stats() BackendStats { return c.doer.stats.snapshot() }

// HasService reports whether service credentials are configured.
func (c *Client) HasService() bool { return c.service != nil }

// LoginService logs the service account in (when it uses a username and password).
func (c *Client) LoginService(ctx context.Context) error {
	if c.service == nil {
		return nil
	}
	return c.service.Login(ctx)
}

// Close releases the cache's connections.
func (c *Client) Close() error {
	var errs []error
	for _, f := range c.closers {
		errs = append(errs, f())
	}
	return errors.Join(errs...)
}

// ErrTokenRejected means Jana does not accept the token.
var ErrTokenRejected = errors.New("jana rejected the token")

// VerifyToken checks a user's token against Jana's /api/auth/user/, remembering the verdict
// for the configured TTL. It returns ErrTokenRejected, or an *Error when Jana cannot answer.
func (c *Client) VerifyToken(ctx context.Context, caller *Caller) error {
	return c.verifier.verify(ctx, caller)
}

// TokenVerified reports whether Jana accepted token within MCP_AUTH_CACHE_TTL (a remembered
// verdict), without asking Jana.
func (c *Client) TokenVerified(caller *Caller) bool {
	if c.verifier.verdict == nil {
		return false
	}
	ok, found := c.verifier.verdict.Peek(caller.sum)
	return found && ok
}

// Ready reports whether Jana answers and, with service credentials, accepts them.
func (c *Client) Ready(ctx context.Context) error {
	resp, err := c.api.V1EsgHealthRetrieveWithResponse(withoutCaller(ctx))
	if _, err := Result[janaapi.HealthStatus]("v1_esg_health_retrieve", resp, err); err != nil {
		return fmt.Errorf("backend health: %w", err)
	}
	if c.service != nil {
		resp, err := c.api.AuthUserRetrieveWithResponse(WithCaller(ctx, ServiceCaller()))
		if _, err := Result[janaapi.CurrentUser]("auth_user_retrieve", resp, err); err != nil {
			return fmt.Errorf("service credentials: %w", err)
		}
	}
	return nil
}

// KnownGood reports whether Jana has accepted the caller's token since start (however long
// ago): such a token is still checked, but never counted as a made-up one.
func (c *Client) KnownGood(caller *Caller) bool { return c.verifier.known.Contains(caller.sum) }

// verifier remembers which user tokens Jana accepted or rejected.
type verifier struct {
	api     *janaapi.ClientWithResponses
	verdict *expirable.LRU[[sha256.Size]byte, bool]
	known   *lru.Cache[[sha256.Size]byte, struct{}] // tokens Jana accepted at least once
	checks  singleflight.Group
}

// maxKnownTokens bounds the memory of tokens Jana accepted (32 bytes of hash each).
const maxKnownTokens = 100_000

func newVerifier(api *janaapi.ClientWithResponses, ttl time.Duration) *verifier {
	known, _ := lru.New[[sha256.Size]byte, struct{}](maxKnownTokens)
	v := &verifier{api: api, known: known}
	if ttl > 0 {
		v.verdict = expirable.NewLRU[[sha256.Size]byte, bool](100_000, nil, ttl)
	}
	return v
}

func (v *verifier) verify(ctx context.Context, caller *Caller) error {
	key := caller.sum
	if v.verdict != nil {
		if ok, found := v.verdict.Get(key); found {
			if ok {
				return nil
			}
			return ErrTokenRejected
		}
	}
	res, err, _ := v.checks.Do(string(key[:]), func() (any, error) {
		resp, err := v.api.AuthUserRetrieveWithResponse(WithCaller(context.WithoutCancel(ctx), caller))
		_, err = Result[janaapi.CurrentUser]("auth_user_retrieve", resp, err)
		if je, ok := AsError(err); ok && je.Kind == KindUnauthorized {
			return false, nil
		}
		if err != nil {
			return false, err // Jana unavailable: decide nothing, remember nothing
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	ok := res.(bool)
	if ok {
		v.known.Add(key, struct{}{})
	}
	if v.verdict != nil {
		v.verdict.Add(key, ok)
	}
	if !ok {
		return ErrTokenRejected
	}
	return nil
}
