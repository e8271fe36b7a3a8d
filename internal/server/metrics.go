package server

import (
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/janaplatform/jana-mcp/internal/version"
)

// metrics are the server's Prometheus series, on a registry of its own (no global state).
// Labels are tools, outcomes, transports, endpoints and statuses: never tokens or users.
type metrics struct {
	registry *prometheus.Registry

	toolCalls       *prometheus.CounterVec
	toolDuration    *prometheus.HistogramVec
	backendStatus   *prometheus.CounterVec
	backendDuration *prometheus.HistogramVec
	backendRetries  *prometheus.CounterVec
	sessions        *prometheus.GaugeVec
	rateLimited     *prometheus.CounterVec
	cacheLookups    *prometheus.CounterVec
	httpRequests    *prometheus.CounterVec
	panics          *prometheus.CounterVec
	forwarded       *prometheus.CounterVec
	redisUp         prometheus.Gauge
	redisFallbacks  prometheus.Counter
}

func newMetrics() *metrics {
	buckets := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
	m := &metrics{
		registry: prometheus.NewRegistry(),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jana_mcp_tool_calls_total", Help: "Tool calls by tool and outcome (ok, tool_error, error, refused).",
		}, []string{"tool", "outcome"}),
		toolDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "jana_mcp_tool_duration_seconds", Help: "Tool call latency.", Buckets: buckets,
		}, []string{"tool"}),
		backendStatus: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jana_mcp_backend_responses_total", Help: "Jana responses by status class and code (0 = no response).",
		}, []string{"code"}),
		backendDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "jana_mcp_backend_request_duration_seconds", Help: "Jana request latency per attempt, by endpoint.", Buckets: buckets,
		}, []string{"endpoint"}),
		backendRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jana_mcp_backend_retries_total", Help: "Repeated Jana requests by reason (502, 503, 504, connection, 401, 403, 429).",
		}, []string{"reason"}),
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "jana_mcp_sessions_active", Help: "Open MCP sessions by transport.",
		}, []string{"transport"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jana_mcp_rate_limited_total", Help: "Requests refused by a rate limit, by limit (general, sse, messages, rejected_tokens).",
		}, []string{"limit"}),
		cacheLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jana_mcp_cache_lookups_total", Help: "Response cache lookups by result (hit, miss).",
		}, []string{"result"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jana_mcp_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "code"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jana_mcp_panics_total", Help: "Panics recovered while serving, by where (mcp: one MCP message; http: one HTTP request).",
		}, []string{"where"}),
		forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jana_mcp_forwarded_total", Help: "Requests for sessions other replicas own, by result (ok, unknown, owner_unreachable).",
		}, []string{"result"}),
		redisUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jana_mcp_redis_up", Help: "1 while the shared state in Redis answers (MCP_REDIS_URL), 0 while replicas fall back to their own memory.",
		}),
		redisFallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jana_mcp_redis_fallbacks_total", Help: "Times Redis became unavailable and replicas fell back to their own memory.",
		}),
	}
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "jana_mcp_build_info", Help: "Build information; always 1.",
	}, []string{"version", "goversion"})
	buildInfo.WithLabelValues(version.String(), runtime.Version()).Set(1)
	m.registry.MustRegister(
		m.toolCalls, m.toolDuration, m.backendStatus, m.backendDuration, m.backendRetries,
		m.sessions, m.rateLimited, m.cacheLookups, m.httpRequests, m.panics, m.forwarded, m.redisUp, m.redisFallbacks, buildInfo,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	// Series with known labels exist from the start, at zero, so that rate() and alerts see
	// them before the first event rather than "no data".
	for _, t := range []string{transportSSE, transportStreamable} {
		m.sessions.WithLabelValues(t).Set(0)
	}
	for _, l := range []limitKind{limitGeneral, limitSSE, limitMessages, limitRejected} {
		m.rateLimited.WithLabelValues(string(l))
	}
	for _, r := range []string{"502", "503", "504", "connection", "401", "403", "429"} {
		m.backendRetries.WithLabelValues(r)
	}
	for _, r := range []string{"ok", "unknown", "owner_unreachable"} {
		m.forwarded.WithLabelValues(r)
	}
	for _, w := range []string{"mcp", "http"} {
		m.panics.WithLabelValues(w)
	}
	for _, r := range []string{"hit", "miss"} {
		m.cacheLookups.WithLabelValues(r)
	}
	return m
}

// initTools creates every tool's call counters at zero.
func (m *metrics) initTools(names []string) {
	for _, name := range names {
		for _, outcome := range []string{"ok", "tool_error", "error", "refused"} {
			m.toolCalls.WithLabelValues(name, outcome)
		}
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// BackendResponse implements jana.Observer.
func (m *metrics) BackendResponse(endpoint string, status int, elapsed time.Duration) {
	m.backendStatus.WithLabelValues(strconv.Itoa(status)).Inc()
	m.backendDuration.WithLabelValues(endpoint).Observe(elapsed.Seconds())
}

// BackendRetry implements jana.Observer.
func (m *metrics) BackendRetry(_, reason string) { m.backendRetries.WithLabelValues(reason).Inc() }

// CacheLookup implements jana.CacheObserver.
func (m *metrics) CacheLookup(_ string, hit bool) {
	if hit {
		m.cacheLookups.WithLabelValues("hit").Inc()
	} else {
		m.cacheLookups.WithLabelValues("miss").Inc()
	}
}

func (m *metrics) sessionsChanged(transport string, open int) {
	m.sessions.WithLabelValues(transport).Set(float64(open))
}
