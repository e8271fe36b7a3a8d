// Package jana is the adapter between the MCP tools and the generated Jana client
// (gen/janaapi). Every backend call goes through it: the caller's own credential (a DRF
// token or a JWT, each with its scheme) or the service account (which keeps its JWT fresh),
// the Host header, a deadline per call, retries with backoff for idempotent calls,
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
	"net/url"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/gen/janaops"
	"github.com/janaplatform/jana-mcp/internal/secret"
	"github.com/janaplatform/jana-mcp/internal/tracing"
)

// Config is what the adapter knows of Jana: where it is, how long and how often to try, the
// service account and the response cache. The server fills it from its settings
// (internal/config), so that this package reads no settings of its own.
type Config struct {
	URL *url.URL // the backend's base URL
	// AuthURL is where JWTs are obtained, refreshed and checked (Jana's auth service); nil
	// means URL.
	AuthURL    *url.URL
	HostHeader string        // Host sent to Jana (Django ALLOWED_HOSTS); "" keeps URL's
	Timeout    time.Duration // budget for one call, retries included
	// SlowTimeout is the budget of Jana's heavy aggregate endpoints, at least Timeout.
	SlowTimeout time.Duration
	Retries     int           // extra attempts on connection errors and 502/503/504
	RetryBase   time.Duration // first backoff; doubles per attempt, with jitter
	// MaxRetryAfter bounds how long a call waits when Jana answers 429 with retry_after.
	MaxRetryAfter time.Duration
	// MaxResponseBytes bounds one answer held in memory; a larger one fails the call.
	MaxResponseBytes int64
	Service          ServiceCredentials // zero: no service account
	Cache            CacheConfig        // zero: no response cache
	// VerdictTTL is how long Jana's verdict on a user's token is remembered.
	VerdictTTL time.Duration
}

// ServiceCredentials are the service account's: Email (a JWT sign-in) or Username (a legacy
// DRF token) with Password, or a fixed Token ("Bearer <jwt>", "Token <key>" or bare, its
// scheme then told from its shape), checked already by whoever fills them in.
type ServiceCredentials struct {
	Email, Username string
	Password, Token secret.Value
}

// configured reports whether a service account is configured.
func (s ServiceCredentials) configured() bool {
	return !s.Token.IsZero() || ((s.Email != "" || s.Username != "") && !s.Password.IsZero())
}

// CacheConfig configures the per-user response cache of GET answers.
type CacheConfig struct {
	Enabled  bool
	MaxBytes int64        // memory bound of the in-process store
	RedisURL secret.Value // a shared store instead (unless Options.Redis is given)
	// Public lists endpoint path prefixes whose answers all users may share.
	Public []string
}

// Options are the adapter's collaborators. All are optional.
type Options struct {
	Logger        *slog.Logger
	Observer      Observer
	CacheObserver CacheObserver
	// Transport is the HTTP transport to Jana; tests may inject one.
	Transport http.RoundTripper
	// Tracing, when set, records a span per backend attempt and sends its traceparent to Jana.
	Tracing *tracing.Provider
	// Redis, when set, is the shared connection the response cache uses (its owner closes it);
	// otherwise the cache connects to its own RedisURL.
	Redis *redis.Client
	// Verdicts, when set, shares what Jana said of credentials with other replicas.
	Verdicts VerdictStore

	clock clock // the cache's time source; real time when nil (set by tests in this package)
}

// Client is the Jana backend as the tools see it.
type Client struct {
	doer     *doer
	api      *janaapi.ClientWithResponses
	authAPI  *janaapi.ClientWithResponses // JANA_AUTH_URL (or the backend): JWTs
	service  *ServiceAccount
	verifier *verifier
	store    Store
	closers  []func() error
}

// New builds the adapter for cfg. It does not contact Jana.
func New(cfg Config, opts Options) (*Client, error) {
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
		maxBody:       cfg.MaxResponseBytes,
		backendHost:   cfg.URL.Host,
		hostHeader:    cfg.HostHeader,
		timeout:       cfg.Timeout,
		slowTimeout:   cfg.SlowTimeout,
		retries:       cfg.Retries,
		backoff:       cfg.RetryBase,
		maxRetryAfter: cfg.MaxRetryAfter,
		observer:      opts.Observer,
		tracing:       opts.Tracing,
	}
	out := &Client{doer: d}
	if c := cfg.Cache; c.Enabled {
		var store Store
		if opts.Redis != nil {
			rs := NewRedisStoreFrom(opts.Redis, opts.Logger)
			if opts.clock != nil {
				rs.now = opts.clock.Now
			}
			store = rs
		} else if !c.RedisURL.IsZero() {
			rs, err := NewRedisStore(c.RedisURL.Reveal(), opts.Logger)
			if err != nil {
				return nil, fmt.Errorf("MCP_REDIS_URL: %w", err)
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
	api, err := janaapi.NewClientWithResponses(cfg.URL.String(), janaapi.WithHTTPClient(d))
	if err != nil {
		return nil, fmt.Errorf("creating Jana client: %w", err)
	}
	out.api = api
	out.authAPI = api
	if cfg.AuthURL != nil && cfg.AuthURL.String() != cfg.URL.String() {
		if out.authAPI, err = janaapi.NewClientWithResponses(cfg.AuthURL.String(), janaapi.WithHTTPClient(d)); err != nil {
			return nil, fmt.Errorf("creating Jana auth client: %w", err)
		}
	}
	out.service = newServiceAccount(cfg.Service, out.authAPI, api)
	d.service = out.service
	out.verifier = newVerifier(api, out.authAPI, cfg.VerdictTTL)
	out.verifier.shared = opts.Verdicts
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

// LoginService obtains the service account's credential now (a login, when it signs in).
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

// ErrSignInExpired means a user's JWT is past its exp claim, or Jana refused it as a token
// (401, or a 403 that mentions the token): the user must sign in again. Unlike
// ErrTokenRejected it is never remembered, so the same token is judged afresh next time.
var ErrSignInExpired = errors.New("jana sign-in expired")

// VerifyToken checks a user's credential against Jana's /api/auth/user/, remembering the
// verdict for the configured TTL — for a JWT, never past its exp claim. It returns
// ErrTokenRejected, ErrSignInExpired, or an *Error when Jana cannot answer.
func (c *Client) VerifyToken(ctx context.Context, caller *Caller) error {
	return c.verifier.verify(ctx, caller)
}

// TokenVerified reports whether Jana accepted the credential within MCP_AUTH_CACHE_TTL (a
// remembered verdict, which for a JWT ends at its exp claim), without asking Jana.
func (c *Client) TokenVerified(caller *Caller) bool {
	if c.verifier.verdict == nil {
		return false
	}
	v, found := c.verifier.verdict.Peek(caller.sum)
	return found && v.ok && c.verifier.now().Before(v.until)
}

// Ready reports whether Jana answers and, with service credentials, accepts them.
func (c *Client) Ready(ctx context.Context) error {
	// Without a health operation (api/tools.yaml, adapter) only the service account is checked.
	resp, err := janaops.Health(withoutCaller(ctx), c.api)
	if _, _, err := answer(janaops.HealthID, resp, err); err != nil && !errors.Is(err, janaops.ErrAbsent) {
		return fmt.Errorf("backend health: %w", err)
	}
	if c.service != nil {
		api := c.api
		if c.service.signsInWithJWT() {
			api = c.authAPI
		}
		resp, err := janaops.User(WithCaller(ctx, ServiceCaller()), api)
		if _, _, err := answer(opUser, resp, err); err != nil {
			return fmt.Errorf("service credentials: %w", err)
		}
	}
	return nil
}

// KnownGood reports whether Jana has accepted the caller's token since start (however long
// ago): such a token is still checked, but never counted as a made-up one.
func (c *Client) KnownGood(caller *Caller) bool { return c.verifier.known.Contains(caller.sum) }

// verifier remembers which user credentials Jana accepted or rejected.
// VerdictStore shares credential verdicts between replicas, keyed by the credential's
// SHA-256. Both methods fail quietly (a miss): the verdict is then Jana's again.
type VerdictStore interface {
	GetVerdict(ctx context.Context, sum [32]byte) (ok bool, until time.Time, found bool)
	PutVerdict(ctx context.Context, sum [32]byte, ok bool, until time.Time, ttl time.Duration)
}

type verifier struct {
	shared  VerdictStore // nil: this replica's memory only
	ttl     time.Duration
	api     *janaapi.ClientWithResponses // checks DRF tokens, where they live (JANA_BACKEND_URL)
	authAPI *janaapi.ClientWithResponses // checks JWTs, at the auth service (JANA_AUTH_URL)
	verdict *expirable.LRU[[sha256.Size]byte, verdict]
	known   *lru.Cache[[sha256.Size]byte, struct{}] // credentials Jana accepted at least once
	checks  singleflight.Group
	now     func() time.Time
}

// verdict is what Jana said of a credential; an acceptance holds until until.
type verdict struct {
	ok    bool
	until time.Time
}

// maxKnownTokens bounds the memory of tokens Jana accepted (32 bytes of hash each).
const maxKnownTokens = 100_000

func newVerifier(api, authAPI *janaapi.ClientWithResponses, ttl time.Duration) *verifier {
	known, _ := lru.New[[sha256.Size]byte, struct{}](maxKnownTokens)
	v := &verifier{api: api, authAPI: authAPI, known: known, now: time.Now, ttl: ttl}
	if ttl > 0 {
		v.verdict = expirable.NewLRU[[sha256.Size]byte, verdict](100_000, nil, ttl)
	}
	return v
}

const opUser = janaops.UserID

func (v *verifier) verify(ctx context.Context, caller *Caller) error {
	key := caller.sum
	if caller.expiredAt(v.now()) {
		return ErrSignInExpired // Jana would say so; no need to ask
	}
	if v.verdict != nil {
		got, found := v.verdict.Get(key)
		if !found && v.shared != nil {
			// Another replica may have asked Jana already.
			if ok, until, hit := v.shared.GetVerdict(ctx, key); hit {
				got, found = verdict{ok: ok, until: until}, true
				v.verdict.Add(key, got)
				if ok {
					v.known.Add(key, struct{}{})
				}
			}
		}
		if found {
			switch {
			case !got.ok:
				return ErrTokenRejected
			case v.now().Before(got.until):
				return nil
			}
		}
	}
	res, err, _ := v.checks.Do(string(key[:]), func() (any, error) {
		api := v.api
		if caller.scheme == SchemeBearer {
			api = v.authAPI
		}
		resp, err := janaops.User(WithCaller(context.WithoutCancel(ctx), caller), api)
		_, _, err = answer(opUser, resp, err)
		if je, ok := AsError(err); ok && je.Kind == KindUnauthorized {
			if caller.jwt && je.CredentialRejected() {
				return nil, ErrSignInExpired
			}
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
	if v.verdict != nil && (ok || !caller.jwt) {
		// A JWT Jana refused is not remembered: a refusal of a short-lived token says little
		// about the next attempt, and a made-up one costs the client its rejected-token allowance.
		until := v.now().Add(24 * time.Hour) // the LRU's TTL ends it sooner
		if exp, has := caller.Expires(); has && exp.Before(until) {
			until = exp
		}
		v.verdict.Add(key, verdict{ok: ok, until: until})
		if v.shared != nil {
			v.shared.PutVerdict(ctx, key, ok, until, v.ttl)
		}
	}
	if !ok {
		return ErrTokenRejected
	}
	return nil
}
