// Package server is jana-mcp's HTTP surface: an Echo application serving MCP over the legacy
// HTTP+SSE transport (/sse + /messages) and Streamable HTTP (/mcp), with per-user
// authentication (by Jana tokens, or with MCP_AUTH_MODE=oauth by the tokens of the OAuth
// authorization server in internal/oauth), rate limits, Origin checks, health and readiness,
// Prometheus metrics, access logs and graceful shutdown. routes.go lists every route.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/janaplatform/jana-mcp/internal/cluster"
	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/janaconfig"
	"github.com/janaplatform/jana-mcp/internal/oauth"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/tools"
	"github.com/janaplatform/jana-mcp/internal/tracing"
	"github.com/janaplatform/jana-mcp/internal/version"
)

// Options are optional collaborators of New.
type Options struct {
	// Catalogue lists the tools to serve; tools.All by default.
	Catalogue func(*toolkit.Env) []toolkit.Tool
	// Transport is the HTTP transport to Jana (tests inject one).
	Transport http.RoundTripper
	// SpanExporter turns tracing on with this exporter (tests); otherwise MCP_TRACING decides.
	SpanExporter sdktrace.SpanExporter
	// Resources and Prompts list the MCP resources and prompts; tools.Resources and
	// tools.Prompts by default.
	Resources func(*toolkit.Env) []toolkit.Resource
	Prompts   func(*toolkit.Env) []toolkit.Prompt
	// Clock is what tools take as now (time.Now by default): today's date in instructions
	// and answers.
	Clock func() time.Time
	// ProgressEvery is how often a call waiting for Jana reports progress (5 s by default).
	ProgressEvery time.Duration
	// ClientDocuments fetches OAuth client ID metadata documents (MCP_AUTH_MODE=oauth); nil: a
	// client that reaches public addresses only (tests serve documents on loopback).
	ClientDocuments *http.Client
	// OAuthStore keeps the sign-ins of MCP_AUTH_MODE=oauth (tests); nil: Redis with
	// MCP_REDIS_URL, else memory.
	OAuthStore oauth.Store
}

// Server is a configured jana-mcp server.
type Server struct {
	cfg     config.Config
	logger  *slog.Logger
	jana    *jana.Client
	echo    *echo.Echo
	mcp     *mcp.Server // every tool this server serves
	servers *mcpServers // and one per connection's choice of tools
	env     *toolkit.Env
	metrics *metrics
	tracing *tracing.Provider // nil when tracing is off
	oauth   *oauth.Server     // MCP_AUTH_MODE=oauth; nil otherwise
	// catalogue is the tools served, which the landing page lists.
	catalogue []toolkit.Tool
	landing   landingCache

	streamable http.Handler
	modern     http.Handler // /mcp for 2026-07-28 requests
	sessions   *sessions    // every session, and the tool calls in flight
	limits     *rateLimits
	ready      readiness

	metricsAddr atomic.Value // string: the metrics listener's address, once open

	// With MCP_REDIS_URL: the shared state, this replica's registrations and forwarding.
	cluster      *cluster.Cluster
	registry     *cluster.Registry
	forwarder    *cluster.Forwarder
	clusterClose sync.Once

	closing     chan struct{}   // closed when open streams must end
	closingCtx  context.Context // ends open streams (endStreams)
	closeStream context.CancelFunc
	cutCtx      context.Context // cuts the tool calls still running at the shutdown deadline
	cutCalls    context.CancelFunc
	closeOnce   sync.Once
}

// New builds the server. It does not contact Jana or listen; see Serve.
func New(cfg config.Config, logger *slog.Logger, opts Options) (*Server, error) {
	if opts.Catalogue == nil {
		opts.Catalogue = tools.All
	}
	if opts.Resources == nil {
		opts.Resources = tools.Resources
	}
	if opts.Prompts == nil {
		opts.Prompts = tools.Prompts
	}
	s := &Server{
		cfg:     cfg,
		logger:  logger,
		metrics: newMetrics(),
		closing: make(chan struct{}),
	}
	s.closingCtx, s.closeStream = context.WithCancel(context.Background())
	s.cutCtx, s.cutCalls = context.WithCancel(context.Background())
	if cfg.Cluster.Enabled() {
		cl, err := cluster.New(cluster.Options{RedisURL: cfg.Cluster.RedisURL.Reveal(), Advertise: cfg.Cluster.Advertise,
			TTL: cfg.Cluster.TTL, Timeout: cfg.Cluster.Timeout, Logger: logger.With("component", "cluster"), Observer: clusterObserver{s.metrics}})
		if err != nil {
			return nil, fmt.Errorf("MCP_REDIS_URL: %w", err)
		}
		s.cluster, s.registry = cl, cl.NewRegistry()
		s.forwarder = cl.NewForwarder([]byte(cfg.Cluster.Secret.Reveal()))
		s.metrics.redisUp.Set(1)
	}
	calls := newInflight(cfg.Limits.MaxConcurrentRequests, cfg.Limits.MaxInflightPerCaller)
	calls.shared, calls.registry, calls.ttl = s.cluster, s.registry, max(cfg.Backend.Timeout, cfg.Backend.SlowTimeout)+time.Minute
	sessionOpts := sessionOptions{
		maxTotal: cfg.Limits.MaxSessions, maxPerCaller: cfg.Limits.MaxSessionsPerCaller,
		initTimeout: cfg.Transport.InitTimeout, keepAlive: cfg.Transport.KeepAlive,
		shared: s.cluster, registry: s.registry, onChange: s.metrics.sessionsChanged, logger: logger,
	}
	s.limits = newRateLimits(cfg.Limits.RatePerMinute, cfg.Limits.SSEPerMinute, cfg.Limits.MessagesPerMinute, s.metrics, s.cluster)

	tp, err := tracing.New(context.Background(), cfg.Log.Tracing, version.String(), opts.SpanExporter)
	if err != nil {
		return nil, err
	}
	s.tracing = tp
	jopts := jana.Options{Logger: logger, Observer: s.metrics, CacheObserver: s.metrics, Transport: opts.Transport, Tracing: tp}
	if s.cluster != nil {
		jopts.Redis = s.cluster.Redis() // the response cache on the same connection
		jopts.Verdicts = s.cluster      // and the token verdicts, by hash
	}
	client, err := jana.New(janaconfig.From(cfg), jopts)
	if err != nil {
		return nil, err
	}
	s.jana = client
	if cfg.Auth.Mode == config.AuthOAuth {
		if s.oauth, err = s.newOAuth(client, opts); err != nil {
			return nil, err
		}
	}

	env := &toolkit.Env{
		Jana:               client,
		MaxResultBytes:     cfg.Tools.MaxResultBytes,
		Logger:             logger,
		Server:             toolkit.ServerInfo{Version: version.String(), AuthMode: string(cfg.Auth.Mode), Started: time.Now()},
		Now:                opts.Clock,
		Timeout:            cfg.Backend.Timeout,
		SlowTimeout:        cfg.Backend.SlowTimeout,
		ProgressEvery:      opts.ProgressEvery,
		Apps:               cfg.Tools.Apps,
		ChartImages:        cfg.Tools.ChartImages,
		ChartImageMaxBytes: cfg.Tools.ChartImageMaxBytes,
	}
	s.env = env
	served, err := tools.Select(opts.Catalogue(env), tools.Selection{Toolsets: cfg.Tools.Toolsets, Tools: cfg.Tools.Include, Exclude: cfg.Tools.Exclude})
	if err != nil {
		return nil, fmt.Errorf("MCP_TOOLSETS, MCP_TOOLS, MCP_EXCLUDE_TOOLS: %w", err)
	}
	if len(served) == 0 {
		return nil, errors.New("MCP_TOOLSETS, MCP_TOOLS, MCP_EXCLUDE_TOOLS leave no tools to serve")
	}
	resources, prompts := opts.Resources(env), opts.Prompts(env)
	s.servers = newMCPServers(served, func(list []toolkit.Tool) *mcp.Server { return s.newMCPServer(list, resources, prompts) })
	s.mcp = s.servers.full
	s.catalogue = served
	s.metrics.initTools(toolNames(served))
	sessionOpts.servers = s.servers.all
	s.sessions = newSessions(sessionOpts, calls)
	streamable := func(stateless bool) http.Handler {
		return mcp.NewStreamableHTTPHandler(
			s.serverFor,
			&mcp.StreamableHTTPOptions{
				Stateless:           stateless,
				SessionTimeout:      cfg.Transport.SessionTimeout,
				MaxRequestBodyBytes: cfg.Limits.MaxBodyBytes,
				Logger:              logger.With("component", "streamable"),
				// checkOrigin does this with the configured host names; the SDK's own check
				// would refuse a same-host reverse proxy that passes the public Host on.
				DisableLocalhostProtection: true,
			})
	}
	s.streamable = streamable(cfg.Transport.Stateless)
	// The 2026-07-28 revision has no sessions; go-sdk serves it only without them, so its
	// requests go to a stateless handler on the same path (handleMCP).
	s.modern = streamable(true)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	if cfg.Transport.TrustForwardedFor {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	s.echo = e
	s.routes()
	return s, nil
}

// MetricsAddr returns the address of the metrics listener once Serve opened it (MCP_METRICS_ADDR),
// or "".
func (s *Server) MetricsAddr() string {
	a, _ := s.metricsAddr.Load().(string)
	return a
}

// metricsMux serves /metrics on the private listener.
func (s *Server) metricsMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	return mux
}

// Handler returns the HTTP handler (the Echo application).
func (s *Server) Handler() http.Handler { return s.echo }

// MCP returns the MCP server, for in-process use (tests, snapshots).
func (s *Server) MCP() *mcp.Server { return s.mcp }

// Serve accepts connections on ln until ctx ends, then shuts down gracefully: readiness turns
// 503 and new sessions and calls are refused at once, calls in flight get up to
// MCP_SHUTDOWN_TIMEOUT to finish, then open streams are closed so that clients reconnect
// elsewhere. It returns nil after a graceful shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cluster != nil {
		if s.cfg.Cluster.Advertise == "" {
			s.cluster.SetAdvertise(advertiseFor(ln))
		}
		if err := s.cluster.Ping(ctx); err != nil {
			s.logger.WarnContext(ctx, "redis unavailable at start: serving on this replica's memory until it answers", "err", err)
		}
		s.logger.InfoContext(ctx, "cluster", "replica", s.cluster.ID(), "advertise", s.cluster.Advertise())
	}
	if s.jana.HasService() {
		if err := s.jana.LoginService(ctx); err != nil {
			// Not fatal: Jana may come up later; /ready reports it meanwhile.
			s.logger.WarnContext(ctx, "service account login failed", "err", err)
		}
	}
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	if addr := s.cfg.Listen.MetricsAddr; addr != "" {
		mln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("MCP_METRICS_ADDR %s: %w", addr, err)
		}
		msrv := &http.Server{Handler: s.metricsMux(), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)}
		defer msrv.Close()
		s.metricsAddr.Store(mln.Addr().String())
		go func() {
			if err := msrv.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics listener: %w", err)
			}
		}()
		s.logger.InfoContext(ctx, "serving metrics", "addr", mln.Addr().String())
	}
	go func() { errc <- srv.Serve(ln) }()
	s.logger.InfoContext(ctx, "serving", "addr", ln.Addr().String(), "version", version.String(),
		"auth_mode", s.cfg.Auth.Mode, "stateless", s.cfg.Transport.Stateless, "backend", s.cfg.Backend.URL.Redacted())

	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	return s.shutdown(srv)
}

// answerLinger is how long shutdown keeps streams open after the last call in flight was
// answered.
const answerLinger = 250 * time.Millisecond

// cutGrace is how long calls cut at MCP_SHUTDOWN_TIMEOUT get to write the error that tells
// their clients to retry.
const cutGrace = 2 * time.Second

func (s *Server) shutdown(srv *http.Server) error {
	deadline, cancel := context.WithTimeout(context.Background(), s.cfg.Listen.ShutdownTimeout)
	defer cancel()
	s.logger.Info("shutting down: draining tool calls", "timeout", s.cfg.Listen.ShutdownTimeout)
	if s.registry != nil {
		// Other replicas answer 404 for this replica's sessions from now on, so that clients
		// start new ones elsewhere; calls in flight here still get their answers.
		s.registry.Drain(deadline)
	}
	running := s.sessions.calls.running()
	if left := s.sessions.calls.drain(deadline); left > 0 {
		s.logger.Warn("shutdown deadline reached with tool calls still running", "running", left)
		// Cut them, and let each answer that the server is restarting before the streams
		// that carry the answers are closed.
		s.cutCalls()
		grace, cancelGrace := context.WithTimeout(context.Background(), cutGrace)
		s.sessions.calls.drain(grace)
		cancelGrace()
	}
	if running > 0 {
		// The last answers are written; let clients read them before their streams end.
		// Some readers lose a message that arrives just before the end of its stream (the
		// go-sdk 1.8 SSE client picks the end over a buffered message at random).
		time.Sleep(answerLinger)
	}
	s.endStreams()
	err := srv.Shutdown(deadline)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	if terr := s.tracing.Shutdown(context.WithoutCancel(deadline)); terr != nil {
		s.logger.Warn("flushing traces", "err", terr)
	}
	if cerr := s.jana.Close(); cerr != nil {
		s.logger.Warn("closing cache", "err", cerr)
	}
	s.closeCluster()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	s.logger.Info("shut down")
	return nil
}

// endStreams ends every open event stream and session.
func (s *Server) endStreams() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.cutCalls()
		s.closeStream()
		s.sessions.closeAll()
	})
}

// Close releases resources of a server that was not served (tests).
func (s *Server) Close() error {
	s.endStreams()
	err := s.jana.Close()
	s.closeCluster()
	return err
}

func (s *Server) closeCluster() {
	if s.cluster == nil {
		return
	}
	s.clusterClose.Do(func() {
		s.registry.Close()
		_ = s.cluster.Close()
	})
}
