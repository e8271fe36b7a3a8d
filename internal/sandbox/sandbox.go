// Package sandbox is a faithful stand-in for the Jana backend (Django REST Framework serving
// OpenAQ, Climate TRACE and EDGAR data). The whole project — integration tests, the demo,
// conformance runs and benchmarks — talks to it instead of the real platform.
//
// The HTTP surface is the generated janaapi.ServerInterface, registered with the generated
// router, so it cannot drift from api/openapi.yaml. Around it the sandbox reproduces what the
// backend does beyond the schema: both generations of authentication (DRF tokens, and JWTs
// with refresh rotation and the RFC 8628 device flow; see auth.go), the three pagination styles with
// absolute next/previous links, unknown-parameter rejection, DRF field errors, APPEND_SLASH
// redirects, Django's ALLOWED_HOSTS, and the quirks documented in jana-facts (-999 sentinels,
// mixed units, slow aggregates). It can also inject faults — latency, error statuses, throttling,
// nginx HTML 503 pages, slow endpoints and renamed parameters — to exercise clients.
//
// Data comes from package data, built deterministically from Config.Seed.
package sandbox

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// Config configures a sandbox. The zero value is usable: seed 0, one demo user, no faults.
type Config struct {
	// Seed makes the dataset and default tokens reproducible.
	Seed int64
	// Users that can log in besides the demo user (DefaultUsername / DefaultPassword /
	// DefaultEmail), which always exists and whose token DemoToken returns. An entry named demo
	// overrides its password, token or email.
	Users []User
	// AccessTokenLifetime is how long a JWT access token is valid (default 15 minutes).
	AccessTokenLifetime time.Duration
	// RefreshTokenLifetime is how long a refresh token can be used (default 24 hours).
	RefreshTokenLifetime time.Duration
	// DeviceCodeLifetime is how long a device code waits for the user's approval (default 10
	// minutes), and DeviceInterval the polling interval it announces (default 5 s; whole
	// seconds).
	DeviceCodeLifetime time.Duration
	DeviceInterval     time.Duration
	// Latency is added to every API request; LatencyJitter adds a random extra in [0, jitter).
	Latency       time.Duration
	LatencyJitter time.Duration
	// Faults are injected error responses.
	Faults FaultConfig
	// Slow delays operations: the key is an operationId or a suffix of one with or without the
	// _list/_retrieve/_create action (e.g. "sector_totals").
	Slow map[string]time.Duration
	// RenameParams renames query parameters in every operation that has them, in the served
	// schema and in what the API accepts (e.g. {"country_code": "country_iso3"}). The old name
	// is then rejected as unknown.
	RenameParams map[string]string
	// AllowedHosts behaves like Django's ALLOWED_HOSTS: empty accepts any Host; otherwise a
	// request for another host gets 400. Entries may be "*" or ".example.com" (subdomains).
	AllowedHosts []string
	// PrivateSchema makes /api/schema/ require authentication.
	PrivateSchema bool
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// Observer is called after every API request (not admin requests), for in-process tests.
	Observer func(Event)
	// Clock, when set, is the time the answers that report "now" (health, summary, system
	// health) report, for tests that compare answers; time.Now by default.
	Clock func() time.Time
}

// User is an account of the sandbox. It signs in with its username (legacy DRF token) or its
// email (JWT), with the same password.
type User struct {
	Username, Password string
	// Token is the account's DRF token; empty means a deterministic 40-hex token derived from
	// the seed and username.
	Token string
	// Email is the JWT sign-in name; empty means <username>@jana.example.
	Email string
}

// Default demo account.
const (
	DefaultUsername = "demo"
	DefaultPassword = "demo-password"
	DefaultEmail    = "demo@jana.example"
)

// Defaults of the JWT and device-flow settings.
const (
	DefaultAccessTokenLifetime  = 15 * time.Minute
	DefaultRefreshTokenLifetime = 24 * time.Hour
	DefaultDeviceCodeLifetime   = 10 * time.Minute
	DefaultDeviceInterval       = 5 * time.Second
)

// FaultConfig sets injected error responses. It can be changed at run time (SetFaults, or
// PUT /__sandbox/faults).
type FaultConfig struct {
	// ErrorRates maps a status (500, 502, 503, 429, ...) to the probability that a request
	// gets it instead of its real answer.
	ErrorRates map[int]float64 `json:"error_rates,omitempty"`
	// RetryAfter is the number of seconds announced by 429 responses (default 1).
	RetryAfter int `json:"retry_after,omitempty"`
	// HTML503 serves 503s as the production proxy does: nginx's HTML page, text/html.
	HTML503 bool `json:"html_503,omitempty"`
	// IgnoredParams are query parameters that are accepted and then ignored, as Jana's own
	// contract probe of 2026-04-28 recorded for Climate TRACE emissions' country_code: the
	// answer is 200 with unfiltered rows. ["country_code"] reproduces that bug (on every
	// operation that takes the alias); any other name tests a client's defence against it.
	IgnoredParams []string `json:"ignored_params,omitempty"`
}

// Event describes one finished API request.
type Event struct {
	OperationID string
	Method      string
	Path        string
	RawQuery    string
	Status      int
	// Token is the raw token the client presented ("" if none), and Scheme the keyword it came
	// with ("Token" or "Bearer"). They are for in-process observers only and are never logged.
	Token    string
	Scheme   string
	Duration time.Duration
	// Cancelled is set when the client went away (or its context ended) before the handler
	// finished; Status is then 499.
	Cancelled bool
	// Fault names the injected fault that shaped the response, if any ("fail_next",
	// "error_rate", "latency", "slow").
	Fault string
}

// StatusClientClosed is recorded for requests the client abandoned (nginx's convention).
const StatusClientClosed = 499

// Sandbox is a running stand-in backend. Its handler is safe for concurrent use.
type Sandbox struct {
	cfg     Config
	log     *slog.Logger
	ds      *data.Dataset
	spec    *apiSpec
	auth    *authStore
	faults  *faultInjector
	stats   *statsRecorder
	exports *exportStore
	handler http.Handler
	startup time.Duration
}

// New builds the dataset and the HTTP handler. It takes well under a second on a laptop.
func New(ctx context.Context, cfg Config) (*Sandbox, error) {
	start := time.Now()
	ds, err := data.Build(ctx, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s, err := assemble(cfg, ds)
	if err != nil {
		return nil, err
	}
	s.startup = time.Since(start)
	return s, nil
}

// assemble builds everything but the dataset, so tests can share one dataset between
// sandboxes with different configurations.
func assemble(cfg Config, ds *data.Dataset) (*Sandbox, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	auth, err := newAuthStore(cfg, withDemoUser(cfg.Users))
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	spec, err := loadSpec(cfg.RenameParams, cfg.PrivateSchema)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	faults, err := newFaultInjector(cfg, spec)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s := &Sandbox{cfg: cfg, log: log, ds: ds, spec: spec, auth: auth, faults: faults,
		stats: newStatsRecorder(), exports: newExportStore()}
	s.handler = s.routes()
	return s, nil
}

// Handler is the sandbox's HTTP handler: the Jana API plus the /__sandbox/ admin endpoints.
func (s *Sandbox) Handler() http.Handler { return s.handler }

// DemoToken is the demo user's current token (it changes only after a logout).
func (s *Sandbox) DemoToken() string { return s.auth.defaultToken() }

// Dataset is the ground truth behind the API.
func (s *Sandbox) Dataset() *data.Dataset { return s.ds }

// StartupDuration is how long New took.
func (s *Sandbox) StartupDuration() time.Duration { return s.startup }

// withDemoUser puts the demo user first, as configured or with its default password.
func withDemoUser(users []User) []User {
	demo := User{Username: DefaultUsername, Password: DefaultPassword, Email: DefaultEmail}
	out := []User{demo}
	for _, u := range users {
		if u.Username == DefaultUsername {
			if u.Email == "" {
				u.Email = DefaultEmail
			}
			out[0] = u
			continue
		}
		out = append(out, u)
	}
	return out
}

// DemoTokenFor is the demo user's token before any logout for a configuration: its configured
// token, or DefaultToken(cfg.Seed, "demo").
func DemoTokenFor(cfg Config) string {
	u := withDemoUser(cfg.Users)[0]
	if u.Token != "" {
		return u.Token
	}
	return DefaultToken(cfg.Seed, u.Username)
}

// DefaultToken is the token a user gets before any logout: the SHA-1 of the seed and
// username, 40 hex characters like a DRF key. It lets docs print the demo token for a seed.
func DefaultToken(seed int64, username string) string {
	return derivedToken(seed, username, 0)
}

func derivedToken(seed int64, username string, generation int) string {
	sum := sha1.Sum(fmt.Appendf(nil, "jana-sandbox-token:%d:%s:%d", seed, username, generation))
	return hex.EncodeToString(sum[:])
}

// routes assembles the echo server: the generated routes with one middleware per operation,
// the admin endpoints, and the DRF-style error handler.
func (s *Sandbox) routes() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.Use(s.observe)
	mw := make(map[string][]echo.MiddlewareFunc, len(s.spec.ops))
	for id, op := range s.spec.ops {
		mw[id] = []echo.MiddlewareFunc{s.operation(op)}
	}
	janaapi.RegisterHandlersWithOptions(e, &server{s: s, d: s.ds}, janaapi.RegisterHandlersOptions{OperationMiddlewares: mw})
	s.adminRoutes(e)
	for _, path := range []string{devicePath, strings.TrimSuffix(devicePath, "/")} {
		e.Match([]string{http.MethodGet, http.MethodPost}, path, s.devicePage)
	}
	return e
}
