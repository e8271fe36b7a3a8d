package server

import (
	"crypto/rand"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
)

// routes is the whole HTTP surface. Nothing answers under /.well-known/ unless
// MCP_AUTH_MODE=oauth (oauthRoutes): publishing OAuth discovery would make Cursor ignore the
// token headers users configure.
func (s *Server) routes() {
	e := s.echo
	e.Use(s.front)

	e.GET("/", s.handleLanding) // HTML for browsers; JSON clients get the JSON 404 as before
	e.GET("/health", s.handleHealth)
	e.GET("/ready", s.handleReady)
	if s.cfg.Listen.MetricsAddr == "" {
		e.GET("/metrics", echo.WrapHandler(s.metrics.handler()))
	} // else on its own listener (Serve), off the public port

	// The steps of MCP routes, in order: Host/Origin checks first (nothing for a rebinding
	// page), the body limit, forwarding a request for a session another replica owns
	// (MCP_REDIS_URL; the owner does the rest), authentication (headers only), then the rate
	// limit keyed by whom authentication established. Handlers read bodies under
	// MCP_BODY_READ_TIMEOUT.
	//
	// Legacy HTTP+SSE (2024-11-05): the paths the first server published and its users have.
	e.GET("/sse", s.gate(s.handleSSE, s.checkOrigin, s.chooseTools, s.authenticate, s.rateLimit))
	e.POST("/messages", s.gate(s.handleMessages, s.checkOrigin, s.limitBody, s.forward)) // limited per session in the handler

	// Streamable HTTP: 2025-era sessions and the 2026-07-28 revision, on one path.
	mcpSteps := []step{s.checkOrigin, s.limitBody, s.forward, s.chooseTools, s.authenticate, s.rateLimit}
	e.Match([]string{http.MethodPost, http.MethodDelete}, "/mcp", s.gate(s.handleMCP, mcpSteps...))
	e.GET("/mcp", s.gate(s.handleMCPStream, mcpSteps...))

	// MCP_AUTH_MODE=oauth: discovery, the authorization server and its sign-in pages.
	s.oauthRoutes(e)
}

// step is one check an MCP route makes before its handler: an error ends the request (and is
// answered), errHandled means the step answered it itself.
type step func(echo.Context) error

var errHandled = errors.New("handled by a step")

// gate runs steps in order, then h. Steps run one after another rather than nested as
// middleware: a handler that holds an event stream parks with its whole call chain on its
// goroutine's stack, and every idle session has one.
func (s *Server) gate(h echo.HandlerFunc, steps ...step) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, st := range steps {
			if err := st(c); err != nil {
				if errors.Is(err, errHandled) {
					return nil
				}
				return err
			}
		}
		return h(c)
	}
}

// front is what every request gets, in one frame for the same reason: a request id, a read
// deadline for its body, acceptance of requests forwarded by another replica, recovery from
// a panic, and the access log line at the end.
func (s *Server) front(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := now()
		res := c.Response()
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if id == "" || len(id) > 64 {
			id = rand.Text()
		}
		res.Header().Set(echo.HeaderXRequestID, id)
		defer func() {
			if r := recover(); r != nil {
				err = s.recovered(c, r)
			}
			s.logRequest(c, start, err) // renders the error
			err = nil
		}()
		if err := s.bodyDeadline(c); err != nil {
			return err
		}
		if err := s.fromReplica(c); err != nil {
			return err
		}
		return next(c)
	}
}

// limitBody refuses a body over MCP_MAX_BODY_BYTES: at once when its length says so, else
// when reading it goes past the limit (readBody answers 413).
func (s *Server) limitBody(c echo.Context) error {
	r := c.Request()
	if r.ContentLength > s.cfg.Limits.MaxBodyBytes {
		return fail(codeTooLarge)
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(c.Response(), r.Body, s.cfg.Limits.MaxBodyBytes)
	}
	return nil
}
