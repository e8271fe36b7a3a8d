package server

import (
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// redactedQuery returns the query with every token (and password) value replaced, so that a
// ?token= URL can be logged; with OAuth's codes, states and sign-in ids too.
func redactedQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	out := url.Values{}
	for k, vs := range q {
		switch k {
		case "token", "access_token", "password", "api_key", "key",
			"code", "state", "refresh_token", "client_secret", "code_verifier", "request", "user_code", "device_code":
			out[k] = []string{"[redacted]"}
		default:
			out[k] = vs
		}
	}
	return out.Encode()
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// now is the clock of access-log durations.
func now() time.Time { return time.Now() }

// logRequest writes one structured line per HTTP request, after it ends (for event streams,
// when the stream closes), rendering an error first so that the status is known. The
// Authorization header is never logged.
func (s *Server) logRequest(c echo.Context, start time.Time, err error) {
	{
		if err != nil {
			c.Error(err)
		}
		r := c.Request()
		status := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.httpRequests.WithLabelValues(route, strconv.Itoa(status)).Inc()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelWarn
		}
		if !s.logger.Enabled(r.Context(), level) {
			return // LOG_LEVEL above this line's level: build nothing
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Float64("duration_ms", ms(time.Since(start))),
			slog.Int64("bytes_out", c.Response().Size),
			slog.String("remote_ip", c.RealIP()),
			slog.String("request_id", requestID(c)),
		}
		if q := redactedQuery(r.URL.Query()); q != "" {
			attrs = append(attrs, slog.String("query", q))
		}
		if sid := r.Header.Get("Mcp-Session-Id"); sid != "" {
			attrs = append(attrs, slog.String("session_id", sid))
		}
		if caller := callerOf(c); caller != nil {
			attrs = append(attrs, slog.String("caller", caller.Key()))
		}
		if ua := r.UserAgent(); ua != "" {
			attrs = append(attrs, slog.String("user_agent", ua))
		}
		s.logger.LogAttrs(r.Context(), level, "http request", attrs...)
	}
}
