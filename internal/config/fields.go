package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/janaplatform/jana-mcp/internal/settings"
)

// table is every setting of serve and demo, in the order the README lists them.
var table = settings.Table[Config]{Keys: "the environment variable names", Settings: []settings.Setting[Config]{
	// Backend (names kept from the first, Python server).
	{Env: "JANA_BACKEND_URL", Flag: "backend-url", Default: "http://web:8000", Usage: "Jana backend base URL",
		Apply: func(c *Config, raw string) (err error) { c.Backend.URL, err = backendURL(raw); return err }},
	{Env: "JANA_AUTH_URL", Flag: "auth-url", Usage: "base URL of Jana's auth service, where JWTs are obtained, refreshed and checked (default: JANA_BACKEND_URL)",
		Apply: func(c *Config, raw string) (err error) {
			c.Backend.AuthURL = nil
			if raw != "" {
				c.Backend.AuthURL, err = backendURL(raw)
			}
			return err
		}},
	{Env: "JANA_EMAIL", Flag: "email", Usage: "service account email: JWT sign-in with JANA_PASSWORD, refreshed before expiry",
		Apply: func(c *Config, raw string) error {
			if raw != "" && (!strings.Contains(raw, "@") || strings.ContainsAny(raw, " \t\r\n")) {
				return fmt.Errorf("%q is not an email address", raw)
			}
			c.Backend.Email = raw
			return nil
		}},
	{Env: "JANA_USERNAME", Flag: "username", Usage: "service account username: legacy DRF token login with JANA_PASSWORD (JANA_EMAIL wins when both are set)",
		Apply: func(c *Config, raw string) error { c.Backend.Username = raw; return nil }},
	{Env: "JANA_PASSWORD", Secret: true, Usage: "service account password (env or file only)",
		Apply: func(c *Config, raw string) error { c.Backend.Password = Secret(raw); return nil }},
	{Env: "JANA_TOKEN", Secret: true, Usage: "service account credential instead of a password: \"Bearer <jwt>\", \"Token <key>\", or bare (40 hex characters are a DRF token, a JWT is sent as Bearer) (env or file only)",
		Apply: func(c *Config, raw string) error {
			if strings.EqualFold(raw, "Bearer") || strings.EqualFold(raw, "Token") {
				return errors.New(`must be "Bearer <token>", "Token <token>" or a bare token (value not shown)`)
			}
			if keyword, rest, spaced := strings.Cut(raw, " "); spaced {
				rest = strings.TrimSpace(rest)
				if (!strings.EqualFold(keyword, "Bearer") && !strings.EqualFold(keyword, "Token")) || rest == "" || strings.ContainsAny(rest, " \t\r\n") {
					return errors.New(`must be "Bearer <token>", "Token <token>" or a bare token (value not shown)`)
				}
			}
			c.Backend.Token = Secret(raw)
			return nil
		}},
	{Env: "JANA_TIMEOUT", Flag: "backend-timeout", Kind: settings.Duration, Default: "30s", Usage: "budget for one backend call, retries included (seconds or duration)",
		Apply: func(c *Config, raw string) (err error) {
			c.Backend.Timeout, err = durationIn(raw, time.Second, 300*time.Second, true)
			return err
		}},
	{Env: "JANA_SLOW_TIMEOUT", Default: "120s", Usage: "budget of Jana's heavy aggregate endpoints (Climate TRACE sector and country totals take about a minute on the whole table); at least JANA_TIMEOUT",
		Apply: func(c *Config, raw string) (err error) {
			c.Backend.SlowTimeout, err = durationIn(raw, time.Second, 600*time.Second, true)
			return err
		}},
	{Env: "JANA_HOST_HEADER", Flag: "host-header", Usage: "Host header sent to Jana (Django ALLOWED_HOSTS), e.g. localhost",
		Apply: func(c *Config, raw string) error {
			if strings.ContainsAny(raw, " /\t\r\n") {
				return fmt.Errorf("%q is not a host name", raw)
			}
			c.Backend.HostHeader = raw
			return nil
		}},
	{Env: "JANA_RETRIES", Flag: "backend-retries", Kind: settings.Int, Default: "2", Usage: "extra attempts for idempotent calls on connection errors and 502/503/504",
		Apply: func(c *Config, raw string) (err error) { c.Backend.Retries, err = intIn(raw, 0, 10); return err }},
	{Env: "JANA_RETRY_BACKOFF", Default: "100ms", Usage: "first retry backoff; doubles per attempt, with jitter",
		Apply: func(c *Config, raw string) (err error) {
			c.Backend.RetryBase, err = durationIn(raw, time.Millisecond, 10*time.Second, false)
			return err
		}},
	{Env: "JANA_MAX_RETRY_AFTER", Default: "5s", Usage: "longest wait a tool call spends honouring Jana's retry_after before reporting it",
		Apply: func(c *Config, raw string) (err error) {
			c.Backend.MaxRetryAfter, err = durationIn(raw, 0, time.Minute, true)
			return err
		}},

	{Env: "JANA_MAX_RESPONSE_BYTES", Default: "67108864", Usage: "largest backend answer read into memory; a larger one fails the call at once, without retries",
		Apply: func(c *Config, raw string) error {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || n < 1<<16 || n > 1<<30 {
				return fmt.Errorf("%q is out of range (accepted: 65536 to 1073741824 bytes)", raw)
			}
			c.Backend.MaxResponseBytes = n
			return nil
		}},

	// Listener.
	{Env: "MCP_SERVER_HOST", Flag: "host", Default: "0.0.0.0", Usage: "address to listen on",
		Apply: func(c *Config, raw string) error { c.Listen.Host = raw; return nil }},
	{Env: "MCP_SERVER_PORT", Flag: "port", Kind: settings.Int, Default: "8080", Usage: "port to listen on (0 picks a free port)",
		Apply: func(c *Config, raw string) (err error) { c.Listen.Port, err = intIn(raw, 0, 65535); return err }},
	{Env: "MCP_SHUTDOWN_TIMEOUT", Default: "25s", Usage: "how long in-flight calls may finish after SIGTERM",
		Apply: func(c *Config, raw string) (err error) {
			c.Listen.ShutdownTimeout, err = durationIn(raw, 0, 10*time.Minute, true)
			return err
		}},

	{Env: "MCP_METRICS_ADDR", Default: "", Usage: "host:port of a separate listener for /metrics (e.g. a private address the scraper reaches); empty serves /metrics on the main port",
		Apply: func(c *Config, raw string) error {
			if raw != "" {
				if _, _, err := net.SplitHostPort(raw); err != nil {
					return fmt.Errorf("%q is not host:port (e.g. 0.0.0.0:9090)", raw)
				}
			}
			c.Listen.MetricsAddr = raw
			return nil
		}},

	// Authentication.
	{Env: "MCP_AUTH_MODE", Flag: "auth-mode", Default: string(AuthUser), Usage: "user, service, user-or-service, or oauth (users sign in to Jana on this server's OAuth sign-in page; needs MCP_PUBLIC_URL and MCP_OAUTH_KEY)",
		Apply: func(c *Config, raw string) error {
			switch m := AuthMode(raw); m {
			case AuthUser, AuthService, AuthUserOrService, AuthOAuth:
				c.Auth.Mode = m
				return nil
			}
			return fmt.Errorf("%q is not one of user, service, user-or-service, oauth", raw)
		}},
	{Env: "MCP_AUTH_CACHE_TTL", Default: "60s", Usage: "how long a token check against Jana is remembered",
		Apply: func(c *Config, raw string) (err error) {
			c.Auth.CacheTTL, err = durationIn(raw, 0, time.Hour, true)
			return err
		}},

	// OAuth (MCP_AUTH_MODE=oauth).
	{Env: "MCP_OAUTH_KEY", Secret: true, Usage: "MCP_AUTH_MODE=oauth: secret of at least 32 characters that encrypts the sign-ins the server stores (Jana's tokens among them); comma-separated to rotate: the first encrypts, all decrypt (env or file only)",
		Apply: func(c *Config, raw string) error {
			c.Auth.OAuth.Keys = nil
			for _, k := range settings.Split(raw) {
				if len(k) < 32 {
					return errors.New("each key must be at least 32 characters (value not shown)")
				}
				c.Auth.OAuth.Keys = append(c.Auth.OAuth.Keys, Secret(k))
			}
			return nil
		}},
	{Env: "MCP_OAUTH_ACCESS_TOKEN_TTL", Default: "1h", Usage: "MCP_AUTH_MODE=oauth: life of the access tokens MCP clients get (they refresh them)",
		Apply: func(c *Config, raw string) (err error) {
			c.Auth.OAuth.AccessTTL, err = durationIn(raw, time.Second, 24*time.Hour, true)
			return err
		}},
	{Env: "MCP_OAUTH_REFRESH_TOKEN_TTL", Default: "720h", Usage: "MCP_AUTH_MODE=oauth: how long a sign-in lasts without use (each refresh starts it again; Jana ending the sign-in ends it sooner)",
		Apply: func(c *Config, raw string) (err error) {
			c.Auth.OAuth.RefreshTTL, err = durationIn(raw, time.Minute, 8760*time.Hour, false)
			return err
		}},
	{Env: "MCP_OAUTH_SIGN_IN", Default: "password,device", Usage: "MCP_AUTH_MODE=oauth: the ways the sign-in page offers, in order: password (email and password, sent to Jana's login), device (Jana's device-code sign-in)",
		Apply: func(c *Config, raw string) error {
			c.Auth.OAuth.SignIn = nil
			for _, m := range settings.Split(raw) {
				if m != "password" && m != "device" {
					return fmt.Errorf("%q is not one of password, device", m)
				}
				if !slices.Contains(c.Auth.OAuth.SignIn, m) {
					c.Auth.OAuth.SignIn = append(c.Auth.OAuth.SignIn, m)
				}
			}
			return nil
		}},
	{Env: "JANA_DEVICE_CLIENT_ID", Default: "jana-sdk", Usage: "MCP_AUTH_MODE=oauth: the client_id the sign-in page's device-code flow presents to Jana",
		Apply: func(c *Config, raw string) error {
			if strings.ContainsAny(raw, " \t\r\n") || len(raw) > 200 {
				return fmt.Errorf("%q is not a client id", raw)
			}
			c.Auth.OAuth.DeviceClientID = raw
			return nil
		}},
	{Env: "MCP_OAUTH_DYNAMIC_REGISTRATION", Default: "true", Usage: "MCP_AUTH_MODE=oauth: let clients register themselves (RFC 7591 dynamic client registration, which most MCP hosts use)",
		Apply: func(c *Config, raw string) (err error) {
			c.Auth.OAuth.DynamicRegistration, err = settings.ParseBool(raw)
			return err
		}},
	{Env: "MCP_OAUTH_CLIENT_ID_DOCUMENTS", Default: "true", Usage: "MCP_AUTH_MODE=oauth: accept https URLs as client ids, fetching the client's metadata document from them (Client ID Metadata Documents)",
		Apply: func(c *Config, raw string) (err error) {
			c.Auth.OAuth.ClientIDDocuments, err = settings.ParseBool(raw)
			return err
		}},

	// Transports.
	{Env: "MCP_STATELESS", Flag: "stateless", Kind: settings.Bool, Default: "false", Usage: "serve /mcp without sessions (for replicas behind a plain load balancer)",
		Apply: func(c *Config, raw string) (err error) {
			c.Transport.Stateless, err = settings.ParseBool(raw)
			return err
		}},
	{Env: "MCP_SESSION_TIMEOUT", Default: "30m", Usage: "idle stateful sessions are closed after this",
		Apply: func(c *Config, raw string) (err error) {
			c.Transport.SessionTimeout, err = durationIn(raw, time.Second, 24*time.Hour, true)
			return err
		}},
	{Env: "MCP_SSE_KEEPALIVE", Default: "25s", Usage: "interval of comment keep-alives on idle event streams (0 disables)",
		Apply: func(c *Config, raw string) (err error) {
			c.Transport.KeepAlive, err = durationIn(raw, 0, 10*time.Minute, true)
			return err
		}},
	{Env: "MCP_ALLOWED_ORIGINS", Default: "", Usage: "comma-separated browser Origins allowed to connect (requests without Origin are always allowed)",
		Apply: func(c *Config, raw string) error {
			c.Transport.AllowedOrigins = settings.Split(raw)
			for _, o := range c.Transport.AllowedOrigins {
				u, err := url.Parse(o)
				if o != "*" && (err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/")) {
					return fmt.Errorf("%q is not an origin like https://app.example.com", o)
				}
			}
			return nil
		}},

	{Env: "MCP_PUBLIC_URL", Default: "", Usage: "the URL users configure, e.g. https://mcp.example.org (its host is allowed in Host headers; the landing page and sign-in links use it)",
		Apply: func(c *Config, raw string) error {
			if raw == "" {
				c.Transport.PublicURL = nil
				return nil
			}
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
				return fmt.Errorf("%q is not an absolute http(s) URL without credentials", raw)
			}
			u.Path = strings.TrimSuffix(u.Path, "/")
			c.Transport.PublicURL = u
			return nil
		}},
	{Env: "MCP_ALLOWED_HOSTS", Default: "", Usage: "comma-separated Host names the MCP endpoints answer to besides loopback names and MCP_PUBLIC_URL's host (DNS-rebinding protection); * allows any",
		Apply: func(c *Config, raw string) error {
			c.Transport.AllowedHosts = settings.Split(raw)
			for _, h := range c.Transport.AllowedHosts {
				if h != "*" && (strings.ContainsAny(h, "/ \t@") || h == "") {
					return fmt.Errorf("%q is not a host name (e.g. mcp.example.org or jana-mcp)", h)
				}
			}
			return nil
		}},
	{Env: "MCP_INIT_TIMEOUT", Default: "30s", Usage: "a new session that has not finished initializing after this is closed and stops counting against session limits",
		Apply: func(c *Config, raw string) (err error) {
			c.Transport.InitTimeout, err = durationIn(raw, 100*time.Millisecond, 10*time.Minute, true)
			return err
		}},
	{Env: "MCP_TRUST_FORWARDED_FOR", Default: "false", Usage: "take client IPs from X-Forwarded-For set by a proxy on a private network (behind an ALB)",
		Apply: func(c *Config, raw string) (err error) {
			c.Transport.TrustForwardedFor, err = settings.ParseBool(raw)
			return err
		}},

	// Tool results.
	{Env: "MCP_MAX_RESULT_BYTES", Default: "60000", Usage: "upper bound in bytes of a tool result, its text and structured content together (about 4 bytes per token); a limit argument goes up to the rows that fit",
		Apply: func(c *Config, raw string) (err error) {
			c.Tools.MaxResultBytes, err = intIn(raw, 4000, 1000000)
			return err
		}},
	{Env: "MCP_APPS", Default: "true", Usage: "MCP Apps: serve the chart and map views (ui:// resources) that get_trends, station_means and find_nearby link to, for clients that render them (Claude, VS Code, Goose, ...); others show the text answer",
		Apply: func(c *Config, raw string) (err error) { c.Tools.Apps, err = settings.ParseBool(raw); return err }},
	{Env: "MCP_CHART_IMAGES", Default: "false", Usage: "add a PNG chart (image content) to every get_trends answer, for clients that show images but not MCP Apps (the image argument asks for one per call)",
		Apply: func(c *Config, raw string) (err error) {
			c.Tools.ChartImages, err = settings.ParseBool(raw)
			return err
		}},
	{Env: "MCP_CHART_IMAGE_MAX_BYTES", Default: "150000", Usage: "largest PNG chart a result carries; a bigger one is drawn smaller, or left out with a note",
		Apply: func(c *Config, raw string) (err error) {
			c.Tools.ChartImageMaxBytes, err = intIn(raw, 10000, 2000000)
			return err
		}},

	{Env: "MCP_TOOLSETS", Default: "all", Usage: "comma-separated toolsets to serve: air_quality, emissions, companies, weather, platform, or all (a connection narrows further with the X-MCP-Toolsets header or ?toolsets=)",
		Apply: func(c *Config, raw string) error { c.Tools.Toolsets = names(raw); return checkNames(c.Tools.Toolsets) }},
	{Env: "MCP_TOOLS", Default: "", Usage: "comma-separated tools to serve besides those of MCP_TOOLSETS",
		Apply: func(c *Config, raw string) error { c.Tools.Include = names(raw); return checkNames(c.Tools.Include) }},
	{Env: "MCP_EXCLUDE_TOOLS", Default: "", Usage: "comma-separated tools never to serve",
		Apply: func(c *Config, raw string) error { c.Tools.Exclude = names(raw); return checkNames(c.Tools.Exclude) }},

	// Protection.
	{Env: "MCP_RATE_LIMIT", Default: "100", Usage: "requests per minute per token (per client IP without one; tokens Jana rejected also count against the IP); 0 disables",
		Apply: func(c *Config, raw string) (err error) {
			c.Limits.RatePerMinute, err = intIn(raw, 0, 1000000)
			return err
		}},
	{Env: "MCP_RATE_LIMIT_SSE", Default: "10", Usage: "SSE streams opened per minute per token; 0 disables",
		Apply: func(c *Config, raw string) (err error) {
			c.Limits.SSEPerMinute, err = intIn(raw, 0, 1000000)
			return err
		}},
	{Env: "MCP_RATE_LIMIT_MESSAGES", Default: "200", Usage: "MCP messages (POST /messages, /mcp) per minute per token; 0 disables",
		Apply: func(c *Config, raw string) (err error) {
			c.Limits.MessagesPerMinute, err = intIn(raw, 0, 1000000)
			return err
		}},
	{Env: "MCP_MAX_BODY_BYTES", Default: "1048576", Usage: "largest accepted request body",
		Apply: func(c *Config, raw string) error {
			n, err := intIn(raw, 1024, 64<<20)
			c.Limits.MaxBodyBytes = int64(n)
			return err
		}},
	{Env: "MCP_MAX_SESSIONS", Default: "20000", Usage: "open MCP sessions in all (503 beyond)",
		Apply: func(c *Config, raw string) (err error) {
			c.Limits.MaxSessions, err = intIn(raw, 1, 1000000)
			return err
		}},
	{Env: "MCP_MAX_SESSIONS_PER_TOKEN", Default: "50", Usage: "open MCP sessions per token (429 beyond)",
		Apply: func(c *Config, raw string) (err error) {
			c.Limits.MaxSessionsPerCaller, err = intIn(raw, 1, 1000000)
			return err
		}},
	{Env: "MCP_MAX_INFLIGHT", Default: "512", Usage: "concurrent tool calls before new ones are refused",
		Apply: func(c *Config, raw string) (err error) {
			c.Limits.MaxConcurrentRequests, err = intIn(raw, 1, 1000000)
			return err
		}},

	{Env: "MCP_MAX_INFLIGHT_PER_CALLER", Default: "32", Usage: "concurrent tool calls of one caller (a token, or a client IP without one) before its new ones are refused",
		Apply: func(c *Config, raw string) (err error) {
			c.Limits.MaxInflightPerCaller, err = intIn(raw, 1, 1000000)
			return err
		}},
	{Env: "MCP_BODY_READ_TIMEOUT", Default: "15s", Usage: "longest time a client may take to send a request body (slow senders are cut off; event streams are not affected)",
		Apply: func(c *Config, raw string) (err error) {
			c.Limits.BodyReadTimeout, err = durationIn(raw, 100*time.Millisecond, 10*time.Minute, true)
			return err
		}},

	// Cache.
	{Env: "MCP_CACHE_ENABLED", Default: "true", Usage: "cache backend GET responses per user",
		Apply: func(c *Config, raw string) (err error) { c.Cache.Enabled, err = settings.ParseBool(raw); return err }},
	{Env: "MCP_CACHE_MAX_BYTES", Default: "67108864", Usage: "memory bound of the response cache",
		Apply: func(c *Config, raw string) error {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || n < 1<<20 || n > 8<<30 {
				return fmt.Errorf("%q is out of range (accepted: 1048576 to 8589934592 bytes)", raw)
			}
			c.Cache.MaxBytes = n
			return nil
		}},
	{Env: "MCP_CACHE_PUBLIC", Default: "", Usage: "comma-separated backend path prefixes whose responses all users may share (e.g. /api/v1/data-sources/openaq/parameters/)",
		Apply: func(c *Config, raw string) error {
			c.Cache.Public = settings.Split(raw)
			for _, p := range c.Cache.Public {
				if !strings.HasPrefix(p, "/") {
					return fmt.Errorf("%q is not a path starting with /", p)
				}
			}
			return nil
		}},

	// Several replicas.
	{Env: "MCP_REDIS_URL", Secret: true, Usage: "redis://… (or rediss://) shared by the replicas: session registry and forwarding, rate limits, session caps, calls in flight, the response cache; off when empty (env or file only)",
		Apply: func(c *Config, raw string) error { return setRedisURL(c, raw) }},
	{Env: "MCP_CACHE_REDIS_URL", Secret: true, Usage: "deprecated: the former name of MCP_REDIS_URL, used when that is unset (env or file only)",
		Apply: func(c *Config, raw string) error {
			if raw == "" || c.Cluster.Enabled() {
				return nil
			}
			return setRedisURL(c, raw)
		}},
	{Env: "MCP_CLUSTER_SECRET", Secret: true, Usage: "key that signs requests forwarded between replicas; empty: the replicas agree on one through Redis (env or file only)",
		Apply: func(c *Config, raw string) error {
			if raw != "" && len(raw) < 16 {
				return errors.New("must be at least 16 characters")
			}
			c.Cluster.Secret = Secret(raw)
			return nil
		}},
	{Env: "MCP_CLUSTER_ADVERTISE_URL", Default: "", Usage: "URL other replicas reach this one at, e.g. http://10.0.1.23:8080 (default: the listener's address, or this host's first non-loopback address when it listens on all)",
		Apply: func(c *Config, raw string) error {
			if raw != "" {
				u, err := url.Parse(raw)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
					return fmt.Errorf("%q is not an http(s) URL without credentials", raw)
				}
			}
			c.Cluster.Advertise = strings.TrimSuffix(raw, "/")
			return nil
		}},
	{Env: "MCP_REDIS_TIMEOUT", Default: "150ms", Usage: "longest wait for one Redis operation; slower, and the replica uses its own memory for a second (shared state slower than this is worse than none)",
		Apply: func(c *Config, raw string) (err error) {
			c.Cluster.Timeout, err = durationIn(raw, 10*time.Millisecond, 10*time.Second, false)
			return err
		}},
	{Env: "MCP_CLUSTER_TTL", Default: "30s", Usage: "how long a replica's sessions stay registered after its last heartbeat (a replica that dies loses them within this)",
		Apply: func(c *Config, raw string) (err error) {
			c.Cluster.TTL, err = durationIn(raw, time.Second, 10*time.Minute, true)
			return err
		}},

	// Logging.
	{Env: "LOG_LEVEL", Flag: "log-level", Default: "info", Usage: "debug, info, warn or error",
		Apply: func(c *Config, raw string) error {
			switch strings.ToLower(raw) {
			case "debug":
				c.Log.Level = slog.LevelDebug
			case "info":
				c.Log.Level = slog.LevelInfo
			case "warn", "warning":
				c.Log.Level = slog.LevelWarn
			case "error":
				c.Log.Level = slog.LevelError
			default:
				return fmt.Errorf("%q is not one of debug, info, warn, error", raw)
			}
			return nil
		}},
	{Env: "MCP_TRACING", Default: "off", Usage: "off, or otlp: OpenTelemetry spans per tool call and backend request, exported as OTEL_EXPORTER_OTLP_* says; traceparent goes to Jana",
		Apply: func(c *Config, raw string) error {
			if raw != "off" && raw != "otlp" {
				return fmt.Errorf("%q is not one of off, otlp", raw)
			}
			c.Log.Tracing = raw
			return nil
		}},
	{Env: "LOG_FORMAT", Flag: "log-format", Default: "json", Usage: "json or text",
		Apply: func(c *Config, raw string) error {
			if raw != "json" && raw != "text" {
				return fmt.Errorf("%q is not one of json, text", raw)
			}
			c.Log.Format = raw
			return nil
		}},
}}

func setRedisURL(c *Config, raw string) error {
	if raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			return errors.New("is not a redis:// or rediss:// URL")
		}
	}
	c.Cluster.RedisURL = Secret(raw)
	c.Cache.RedisURL = Secret(raw)
	return nil
}

// backendURL parses an absolute http(s) URL without credentials, without its trailing slash.
func backendURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.User != nil {
		return nil, errors.New("must not contain credentials; use JANA_TOKEN, or JANA_EMAIL or JANA_USERNAME with JANA_PASSWORD")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// durationIn parses a Go duration, or a plain number of seconds when seconds is true (the
// first server's JANA_TIMEOUT was a number of seconds), and checks it lies in [lo, hi].
func durationIn(raw string, lo, hi time.Duration, seconds bool) (time.Duration, error) {
	var d time.Duration
	if f, err := strconv.ParseFloat(raw, 64); err == nil && seconds {
		d = time.Duration(f * float64(time.Second))
	} else if d, err = time.ParseDuration(raw); err != nil {
		return 0, fmt.Errorf("%q is not a duration (accepted: %s to %s, e.g. 30s)", raw, lo, hi)
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%s is out of range (accepted: %s to %s)", d, lo, hi)
	}
	return d, nil
}

func intIn(raw string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is out of range (accepted: integers %d to %d)", raw, lo, hi)
	}
	return n, nil
}

// names is a comma-separated list of tool or toolset names, lower-cased.
func names(raw string) []string {
	out := settings.Split(raw)
	for i, n := range out {
		out[i] = strings.ToLower(n)
	}
	return out
}

// checkNames checks the form of tool and toolset names; whether they exist is checked against
// the catalogue when the server starts.
func checkNames(ns []string) error {
	for _, n := range ns {
		for _, r := range n {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
				return fmt.Errorf("%q is not a tool or toolset name (snake_case, e.g. air_quality or get_trends)", n)
			}
		}
	}
	return nil
}
