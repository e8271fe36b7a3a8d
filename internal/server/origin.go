package server

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// checkOrigin protects the MCP endpoints from browsers and DNS rebinding:
//   - a request that arrived on a loopback address must name a loopback Host (a rebinding
//     page resolves the attacker's name to 127.0.0.1 but keeps that name in Host);
//   - a request with an Origin header (only browsers send one) must come from an allowed
//     origin: one listed in MCP_ALLOWED_ORIGINS, the server's own origin, or a loopback origin
//     when the server itself was reached on loopback.
//
// Requests without Origin (MCP clients are not browsers) pass.
func (s *Server) checkOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		onLoopback := arrivedOnLoopback(r)
		if onLoopback && !isLoopbackHost(r.Host) {
			return failDetail(codeForbidden, "invalid Host header for a loopback connection")
		}
		origin := r.Header.Get("Origin")
		if origin == "" || s.originAllowed(origin, r.Host, onLoopback) {
			return next(c)
		}
		return fail(codeOrigin)
	}
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
		return true // same origin
	}
	return onLoopback && isLoopbackHost(u.Host)
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

func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
