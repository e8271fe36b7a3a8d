// Package config loads and validates jana-mcp's configuration.
//
// Every setting has one entry in the table (fields.go; internal/settings is the mechanism): its
// environment variable, which is also its key in a YAML config file, its flag, its default and
// its validation. Sources are layered with a local viper instance: flags > environment > config
// file > defaults. An invalid value stops start-up with an error naming the variable (or the
// flag it came from) and the accepted range; secrets are never echoed back.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/janaplatform/jana-mcp/internal/settings"
)

// AuthMode says whose Jana credentials a tool call uses.
type AuthMode string

// Authentication modes (MCP_AUTH_MODE).
const (
	// AuthUser requires every connection to bring its own Jana token.
	AuthUser AuthMode = "user"
	// AuthService makes every call with the service credentials.
	AuthService AuthMode = "service"
	// AuthUserOrService uses the connection's token when given, the service credentials otherwise.
	AuthUserOrService AuthMode = "user-or-service"
	// AuthOAuth makes the server an OAuth 2.1 authorization and resource server: users sign in
	// to Jana on its sign-in page and MCP clients hold only this server's tokens.
	AuthOAuth AuthMode = "oauth"
)

// Config is the complete, validated configuration of a jana-mcp server.
type Config struct {
	Backend   Backend
	Listen    Listen
	Auth      Auth
	Transport Transport
	Tools     Tools
	Limits    Limits
	Cache     Cache
	Cluster   Cluster
	Log       Log
}

// Cluster is the state replicas share through Redis (session registry and forwarding, rate
// limits, session caps, shares of calls in flight, the response cache). Off without RedisURL.
type Cluster struct {
	RedisURL Secret // MCP_REDIS_URL (formerly MCP_CACHE_REDIS_URL)
	// Secret signs requests forwarded between replicas; empty: one agreed on through Redis.
	Secret Secret // MCP_CLUSTER_SECRET
	// Advertise is the URL other replicas reach this one at; empty: derived from the listener.
	Advertise string        // MCP_CLUSTER_ADVERTISE_URL
	TTL       time.Duration // MCP_CLUSTER_TTL: registrations outlive a dead replica by this
	Timeout   time.Duration // MCP_REDIS_TIMEOUT: the longest wait for one Redis operation
}

// Enabled reports whether replicas share state.
func (c Cluster) Enabled() bool { return !c.RedisURL.IsZero() }

// Backend is how the server reaches Jana.
type Backend struct {
	URL *url.URL // JANA_BACKEND_URL
	// AuthURL is where JWTs are obtained and checked (Jana's auth service); nil means URL.
	AuthURL  *url.URL // JANA_AUTH_URL
	Email    string   // JANA_EMAIL (service account, JWT sign-in)
	Username string   // JANA_USERNAME (service account, legacy DRF token)
	Password Secret   // JANA_PASSWORD
	// Token is a fixed service credential: "Bearer <jwt>", "Token <key>" or a bare token,
	// whose scheme is then told from its shape.
	Token   Secret        // JANA_TOKEN (instead of email or username and password)
	Timeout time.Duration // JANA_TIMEOUT: budget for one backend call, retries included
	// SlowTimeout is the budget of Jana's heavy aggregate endpoints (Climate TRACE sector and
	// country totals), at least Timeout.
	SlowTimeout time.Duration // JANA_SLOW_TIMEOUT
	HostHeader  string        // JANA_HOST_HEADER: Host sent to Jana (Django ALLOWED_HOSTS)
	Retries     int           // JANA_RETRIES: extra attempts on connection errors and 502/503/504
	RetryBase   time.Duration // JANA_RETRY_BACKOFF: first backoff; doubles per attempt, with jitter
	// MaxRetryAfter bounds how long a tool call waits when Jana answers 429 with retry_after.
	MaxRetryAfter time.Duration // JANA_MAX_RETRY_AFTER
	// MaxResponseBytes bounds one backend answer held in memory.
	MaxResponseBytes int64 // JANA_MAX_RESPONSE_BYTES
}

// HasServiceCredentials reports whether a service account is configured.
func (b Backend) HasServiceCredentials() bool {
	return !b.Token.IsZero() || ((b.Email != "" || b.Username != "") && !b.Password.IsZero())
}

// JWTAuthURL is where the server signs in with JWTs and checks Bearer tokens: AuthURL, or URL.
func (b Backend) JWTAuthURL() *url.URL {
	if b.AuthURL != nil {
		return b.AuthURL
	}
	return b.URL
}

// Listen is where the server accepts connections.
type Listen struct {
	Host string // MCP_SERVER_HOST
	Port int    // MCP_SERVER_PORT
	// ShutdownTimeout bounds how long in-flight tool calls may run after SIGTERM.
	ShutdownTimeout time.Duration // MCP_SHUTDOWN_TIMEOUT
	// MetricsAddr, when set, serves /metrics on a listener of its own instead of the public port.
	MetricsAddr string // MCP_METRICS_ADDR
}

// Addr returns host:port.
func (l Listen) Addr() string { return fmt.Sprintf("%s:%d", hostForAddr(l.Host), l.Port) }

func hostForAddr(h string) string {
	if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
		return "[" + h + "]"
	}
	return h
}

// Auth is how connections authenticate.
type Auth struct {
	Mode AuthMode // MCP_AUTH_MODE
	// CacheTTL is how long a token Jana accepted (or rejected) is remembered.
	CacheTTL time.Duration // MCP_AUTH_CACHE_TTL
	OAuth    OAuth         // MCP_AUTH_MODE=oauth
}

// OAuth configures the authorization server of MCP_AUTH_MODE=oauth (internal/oauth). Its
// issuer and resource URL is Transport.PublicURL.
type OAuth struct {
	// Keys encrypt what the server stores of a sign-in (Jana's tokens among it); the first
	// encrypts, every one decrypts, so that a key can be replaced without signing everyone out.
	Keys []Secret // MCP_OAUTH_KEY, comma-separated
	// AccessTTL and RefreshTTL are the lives of the tokens MCP clients get.
	AccessTTL  time.Duration // MCP_OAUTH_ACCESS_TOKEN_TTL
	RefreshTTL time.Duration // MCP_OAUTH_REFRESH_TOKEN_TTL
	// SignIn lists the ways the sign-in page offers, in order: "password", "device".
	SignIn []string // MCP_OAUTH_SIGN_IN
	// DeviceClientID is the client_id sent to Jana's device-code flow.
	DeviceClientID string // JANA_DEVICE_CLIENT_ID
	// DynamicRegistration serves RFC 7591 registration; ClientIDDocuments accepts https URLs
	// as client ids (Client ID Metadata Documents).
	DynamicRegistration bool // MCP_OAUTH_DYNAMIC_REGISTRATION
	ClientIDDocuments   bool // MCP_OAUTH_CLIENT_ID_DOCUMENTS
}

// Transport configures the MCP transports.
type Transport struct {
	Stateless      bool          // MCP_STATELESS: /mcp without sessions, for plain load balancers
	SessionTimeout time.Duration // MCP_SESSION_TIMEOUT: idle stateful sessions are closed after this
	KeepAlive      time.Duration // MCP_SSE_KEEPALIVE: comment sent on idle event streams
	AllowedOrigins []string      // MCP_ALLOWED_ORIGINS: browser origins allowed to connect
	// PublicURL is the URL users configure (behind a load balancer, its public name).
	PublicURL *url.URL // MCP_PUBLIC_URL; nil when unset
	// AllowedHosts are the Host names the MCP endpoints answer to, besides loopback names and
	// PublicURL's host; "*" allows any.
	AllowedHosts []string // MCP_ALLOWED_HOSTS
	// InitTimeout is how long a new session may take to finish initializing before it is closed.
	InitTimeout time.Duration // MCP_INIT_TIMEOUT
	// TrustForwardedFor takes the client IP from X-Forwarded-For (behind an ALB or proxy).
	TrustForwardedFor bool // MCP_TRUST_FORWARDED_FOR
}

// Tools configures the tool results and which tools are served.
type Tools struct {
	// MaxResultBytes bounds a tool result's text (about 4 bytes per model token).
	MaxResultBytes int // MCP_MAX_RESULT_BYTES
	// Apps serves the MCP Apps views (ui:// resources) and links tools to them.
	Apps bool // MCP_APPS
	// ChartImages adds a PNG chart to every trend answer; ChartImageMaxBytes bounds it.
	ChartImages        bool // MCP_CHART_IMAGES
	ChartImageMaxBytes int  // MCP_CHART_IMAGE_MAX_BYTES
	// Toolsets, Include and Exclude choose the tools served: the tools of the toolsets (all
	// when empty), plus Include, minus Exclude. Names are checked against the catalogue when
	// the server starts.
	Toolsets []string // MCP_TOOLSETS
	Include  []string // MCP_TOOLS
	Exclude  []string // MCP_EXCLUDE_TOOLS
}

// Limits protects the server and the backend.
type Limits struct {
	RatePerMinute         int   // MCP_RATE_LIMIT: requests per minute per token (per IP without one)
	SSEPerMinute          int   // MCP_RATE_LIMIT_SSE: SSE streams opened per minute
	MessagesPerMinute     int   // MCP_RATE_LIMIT_MESSAGES: POSTs to /messages and /mcp per minute
	MaxBodyBytes          int64 // MCP_MAX_BODY_BYTES
	MaxSessions           int   // MCP_MAX_SESSIONS: open sessions, all tokens
	MaxSessionsPerCaller  int   // MCP_MAX_SESSIONS_PER_TOKEN
	MaxConcurrentRequests int   // MCP_MAX_INFLIGHT: concurrent tool calls before 503
	// MaxInflightPerCaller is one caller's share of MaxConcurrentRequests.
	MaxInflightPerCaller int // MCP_MAX_INFLIGHT_PER_CALLER
	// BodyReadTimeout bounds how long a client may take to send a request body.
	BodyReadTimeout time.Duration // MCP_BODY_READ_TIMEOUT
}

// Cache configures the backend response cache.
type Cache struct {
	Enabled  bool   // MCP_CACHE_ENABLED
	MaxBytes int64  // MCP_CACHE_MAX_BYTES
	RedisURL Secret // the cache's Redis: MCP_REDIS_URL
	// Public lists endpoint path prefixes whose responses may be shared across users.
	Public []string // MCP_CACHE_PUBLIC
}

// Log configures logging and tracing.
type Log struct {
	Level  slog.Level // LOG_LEVEL
	Format string     // LOG_FORMAT: json or text
	// Tracing is "off" or "otlp" (OpenTelemetry over OTLP/HTTP, set up by OTEL_EXPORTER_OTLP_*).
	Tracing string // MCP_TRACING
}

// Sources are where configuration comes from. Any may be empty.
type Sources = settings.Sources

// Field describes one setting for documentation (README's configuration reference).
type Field = settings.Field

// Fields lists every setting in table order.
func Fields() []Field { return table.Fields() }

// EnvOnly lists the settings that have no flag, credentials first, for a command's help.
func EnvOnly() []Field { return settings.EnvOnly(Fields()) }

// RegisterFlags adds the configuration flags to fs, each of its type, with the table's
// defaults. Secrets have no flags: command lines are visible to every user of the machine.
func RegisterFlags(fs *pflag.FlagSet) { RegisterFlagsFor(fs, nil, nil) }

// RegisterFlagsFor adds the flags of the settings named (by environment variable; all when
// envs is nil), showing defaults where given instead of the table's: for a command that
// honours only some settings, or has defaults of its own.
func RegisterFlagsFor(fs *pflag.FlagSet, envs []string, defaults map[string]string) {
	table.RegisterFlags(fs, envs, defaults)
}

// Load reads, layers and validates the configuration.
func Load(src Sources) (Config, error) {
	cfg, err := table.Load(src)
	if err != nil {
		return Config{}, err
	}
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// validate checks rules that span several settings.
func (c Config) validate() error {
	switch c.Auth.Mode {
	case AuthService:
		if !c.Backend.HasServiceCredentials() {
			return errors.New("MCP_AUTH_MODE=service needs service credentials: set JANA_EMAIL and JANA_PASSWORD (JWT), JANA_USERNAME and JANA_PASSWORD (DRF token), or JANA_TOKEN")
		}
	}
	if c.Auth.Mode == AuthOAuth {
		if err := c.validateOAuth(); err != nil {
			return err
		}
	}
	if c.Backend.Password.IsZero() && c.Backend.Token.IsZero() {
		switch {
		case c.Backend.Email != "":
			return errors.New("JANA_EMAIL is set but JANA_PASSWORD is not")
		case c.Backend.Username != "":
			return errors.New("JANA_USERNAME is set but JANA_PASSWORD is not")
		}
	}
	return nil
}

// validateOAuth checks what MCP_AUTH_MODE=oauth needs: a public URL to be the issuer and the
// resource (served at a host's root, over https unless on loopback) and an encryption key.
func (c Config) validateOAuth() error {
	u := c.Transport.PublicURL
	switch {
	case u == nil:
		return errors.New("MCP_AUTH_MODE=oauth needs MCP_PUBLIC_URL: the URL clients connect to is the OAuth issuer and the resource their tokens are for")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("MCP_AUTH_MODE=oauth: MCP_PUBLIC_URL %s must have no path, query or fragment: OAuth discovery documents live at the host's root (/.well-known/)", u.Redacted())
	case u.Scheme != "https" && !loopbackHost(u.Hostname()):
		return fmt.Errorf("MCP_AUTH_MODE=oauth: MCP_PUBLIC_URL %s must be https (OAuth 2.1 sends tokens only over TLS; http is accepted for loopback addresses only)", u.Redacted())
	case len(c.Auth.OAuth.Keys) == 0:
		return errors.New("MCP_AUTH_MODE=oauth needs MCP_OAUTH_KEY: a random secret of at least 32 characters (e.g. openssl rand -base64 32) that encrypts the sign-ins the server keeps")
	case len(c.Auth.OAuth.SignIn) == 0:
		return errors.New("MCP_AUTH_MODE=oauth needs at least one way to sign in (MCP_OAUTH_SIGN_IN)")
	}
	return nil
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
