package server

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// checkOrigin protects the MCP endpoints from browsers and DNS rebinding. A rebinding page
// makes the victim's browser send requests to this server under the attacker's own name, with
// an Origin of that name too, so neither header can be trusted because the two agree:
//   - Host must be an allowed host: a loopback name, the host of MCP_PUBLIC_URL, or one listed
//     in MCP_ALLOWED_HOSTS ("*" allows any);
//   - a request with an Origin header (only browsers send one) must come from an allowed
//     origin: one listed in MCP_ALLOWED_ORIGINS, the server's own (allowed) host, or a loopback
//     origin when the server itself was reached on loopback.
//
// Requests without Origin (MCP clients are not browsers) pass the second check.
func (s *Server) checkOrigin(c echo.Context) error {
	r := c.Request()
	if !s.hostAllowed(r.Host) {
		return failDetail(codeHostNotAllowed, "Host "+quoteBounded(r.Host))
	}
	origin := r.Header.Get("Origin")
	if origin == "" || s.originAllowed(origin, r.Host, arrivedOnLoopback(r)) {
		return nil
	}
	return fail(codeOrigin)
}

// hostAllowed reports whether the MCP endpoints answer to a request's Host header.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostname(hostport)
	if host == "" {
		return false
	}
	if isLoopbackName(host) {
		return true
	}
	t := s.cfg.Transport
	if t.PublicURL != nil && strings.EqualFold(t.PublicURL.Hostname(), host) {
		return true
	}
	return slices.ContainsFunc(t.AllowedHosts, func(h string) bool {
		return h == "*" || strings.EqualFold(hostname(h), host)
	})
}

func (s *Server) originAllowed(origin, host string, onLoopback bool) bool {
	allowed := s.cfg.Transport.AllowedOrigins
	if slices.Contains(allowed, "*") || slices.Contains(allowed, strings.TrimSuffix(origin, "/")) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, host) {
		return true // same origin, and Host was checked
	}
	return onLoopback && isLoopbackName(u.Hostname())
}

// hostname returns the host of a host[:port], without brackets, or "" when it is not one.
func hostname(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.ContainsAny(host, "/@ \t") {
		return ""
	}
	return host
}

func arrivedOnLoopback(r *http.Request) bool {
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || addr == nil {
		return false
	}
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isLoopbackName(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// quoteBounded quotes client-supplied text for an error detail, cut to a sane length.
func quoteBounded(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}
