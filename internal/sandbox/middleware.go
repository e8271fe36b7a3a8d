package sandbox

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// reqState follows one request through the middleware and handlers.
type reqState struct {
	op        *opSpec
	user      *account
	token     string
	scheme    string // "Token" or "Bearer": the keyword token came with
	session   string // the JWT sign-in a Bearer token belongs to
	rawQuery  string // the client's query string, before normalisation and renames
	fault     string
	cancelled bool
	admin     bool // outside the API: admin endpoints and the device approval page
}

const stateKey = "sandbox.state"

func stateOf(c echo.Context) *reqState {
	st, _ := c.Get(stateKey).(*reqState)
	return st
}

// observe wraps every request: Django-level checks (ALLOWED_HOSTS, APPEND_SLASH), then the
// request log, statistics and observer callback once the response is written.
func (s *Sandbox) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		r := c.Request()
		st := &reqState{rawQuery: r.URL.RawQuery, admin: strings.HasPrefix(r.URL.Path, "/__sandbox/") || isDevicePage(r.URL.Path)}
		c.Set(stateKey, st)

		var err error
		switch {
		case !s.hostAllowed(r.Host):
			err = &apiError{status: http.StatusBadRequest, html: djangoPage("Bad Request (400)")}
		case s.needsSlash(r.URL.Path):
			target := r.URL.Path + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			err = c.Redirect(http.StatusMovedPermanently, target)
		default:
			err = next(c)
		}
		if err != nil {
			c.Error(err)
		}
		if r.Context().Err() != nil {
			st.cancelled = true
		}
		status := c.Response().Status
		if st.cancelled {
			status = StatusClientClosed
		}
		elapsed := time.Since(start)
		opID := ""
		if st.op != nil {
			opID = st.op.ID
		}
		s.logRequest(r, status, elapsed, opID, st)
		if !st.admin {
			s.stats.record(opID, status, st.cancelled, st.fault)
			if s.cfg.Observer != nil {
				s.cfg.Observer(Event{OperationID: opID, Method: r.Method, Path: r.URL.Path,
					RawQuery: st.rawQuery, Status: status, Token: st.token, Scheme: st.scheme, Duration: elapsed,
					Cancelled: st.cancelled, Fault: st.fault})
			}
		}
		return nil
	}
}

// logRequest writes the one line per request. Tokens, passwords and the Authorization header
// never appear: only method, path, redacted query, status, duration and operation.
func (s *Sandbox) logRequest(r *http.Request, status int, elapsed time.Duration, opID string, st *reqState) {
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	ctx := r.Context()
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("query", redactQuery(st.rawQuery)),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.String("op", opID),
	}
	if st.fault != "" {
		attrs = append(attrs, slog.String("fault", st.fault))
	}
	if st.cancelled {
		attrs = append(attrs, slog.Bool("cancelled", true))
	}
	s.log.LogAttrs(context.WithoutCancel(ctx), level, "request", attrs...)
}

// secretParams are query keys whose values are never logged.
var secretParams = []string{"token", "password", "secret", "key", "auth"}

// redactQuery masks the values of secret-looking query parameters.
func redactQuery(raw string) string {
	lower := strings.ToLower(raw)
	hit := false
	for _, p := range secretParams {
		if strings.Contains(lower, p) {
			hit = true
			break
		}
	}
	if !hit {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, part := range parts {
		k, _, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		name = strings.ToLower(name)
		for _, p := range secretParams {
			if strings.Contains(name, p) {
				parts[i] = k + "=REDACTED"
				break
			}
		}
	}
	return strings.Join(parts, "&")
}

// hostAllowed applies Django's ALLOWED_HOSTS matching to the Host header.
func (s *Sandbox) hostAllowed(hostport string) bool {
	if len(s.cfg.AllowedHosts) == 0 {
		return true
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, allowed := range s.cfg.AllowedHosts {
		allowed = strings.ToLower(allowed)
		switch {
		case allowed == "*", allowed == host:
			return true
		case strings.HasPrefix(allowed, ".") && (host == allowed[1:] || strings.HasSuffix(host, allowed)):
			return true
		}
	}
	return false
}

// needsSlash is Django's APPEND_SLASH: a path without its trailing slash that would match with
// one is redirected there.
func (s *Sandbox) needsSlash(path string) bool {
	if strings.HasSuffix(path, "/") || strings.HasPrefix(path, "/__sandbox/") {
		return false
	}
	return s.spec.routeExists(path + "/")
}
