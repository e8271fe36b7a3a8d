package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/version"
)

type healthBody struct {
	Status  string `json:"status"`
	Version string `json:"version"`
	Reason  string `json:"reason,omitempty"`
}

// handleHealth is liveness: the process answers. It never calls Jana, so a slow backend
// cannot get healthy replicas killed.
func (s *Server) handleHealth(c echo.Context) error {
	return c.JSON(http.StatusOK, healthBody{Status: "ok", Version: version.String()})
}

// readyTimeout bounds the readiness probe's backend calls.
const readyTimeout = 5 * time.Second

// handleReady is readiness: Jana answers and the service credentials (if any) are accepted;
// 503 with a reason otherwise, and as soon as shutdown begins.
func (s *Server) handleReady(c echo.Context) error {
	if s.inflight.isDraining() {
		return c.JSON(http.StatusServiceUnavailable, healthBody{Status: "draining", Version: version.String(), Reason: "shutting down"})
	}
	ctx, cancel := context.WithTimeout(jana.WithoutCache(c.Request().Context()), readyTimeout)
	defer cancel()
	if err := s.jana.Ready(ctx); err != nil {
		reason := "Jana is unavailable"
		if text := toolkit.ErrorText(err); text != "" {
			reason = text
		}
		if je, ok := jana.AsError(err); ok && je.Kind == jana.KindUnauthorized {
			reason = "Jana rejected the service credentials (JANA_TOKEN or JANA_USERNAME/JANA_PASSWORD)"
		}
		s.logger.WarnContext(ctx, "not ready", "err", err)
		return c.JSON(http.StatusServiceUnavailable, healthBody{Status: "unavailable", Version: version.String(), Reason: reason})
	}
	return c.JSON(http.StatusOK, healthBody{Status: "ready", Version: version.String()})
}
