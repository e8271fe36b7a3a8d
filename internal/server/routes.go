package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes is the whole HTTP surface. Nothing answers under /.well-known/ unless
// MCP_AUTH_MODE=oauth (oauthRoutes): publishing OAuth discovery would make Cursor ignore the
// token headers users configure.
func (s *Server) routes() {
	e := s.echo
	e.Use(middleware.RequestID(), s.accessLog, s.recoverHTTP, s.bodyDeadline, s.fromReplica)

	e.GET("/health", s.handleHealth)
	e.GET("/ready", s.handleReady)
	if s.cfg.Listen.MetricsAddr == "" {
		e.GET("/metrics", echo.WrapHandler(s.metrics.handler()))
	} // else on its own listener (Serve), off the public port

	// Middleware order on MCP routes: Host/Origin checks first (nothing for a rebinding
	// page), the body limit, authentication (headers only), then the rate limit keyed by whom
	// authentication established. Handlers read bodies under MCP_BODY_READ_TIMEOUT.
	body := middleware.BodyLimit(strconv.FormatInt(s.cfg.Limits.MaxBodyBytes, 10) + "B")

	// A request for a session another replica owns is forwarded to it (MCP_REDIS_URL) right
	// after these checks; the owner does the rest.
	//
	// Legacy HTTP+SSE (2024-11-05): the paths the ADR and the first server's users have.
	e.GET("/sse", s.handleSSE, s.checkOrigin, s.authenticate, s.rateLimit)
	e.POST("/messages", s.handleMessages, s.checkOrigin, body, s.forward) // limited per session in the handler

	// Streamable HTTP (2025-03-26 and later).
	e.Match([]string{http.MethodGet, http.MethodPost, http.MethodDelete}, "/mcp", s.handleMCP,
		s.checkOrigin, body, s.forward, s.authenticate, s.rateLimit)

	// MCP_AUTH_MODE=oauth: discovery, the authorization server and its sign-in pages.
	s.oauthRoutes(e, body)
}
