package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

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

// readyTTL is how long a probe's verdict answers /ready: a flood of /ready (a misconfigured
// health checker, an attacker) becomes at most one probe of Jana per interval.
const readyTTL = 2 * time.Second

// readiness is the last probe of Jana and its time; concurrent probes are coalesced.
type readiness struct {
	mu     sync.Mutex
	at     time.Time
	err    error
	probes singleflight.Group
}

// check returns the verdict of a probe at most readyTTL old, probing when there is none.
func (rd *readiness) check(probe func() error) error {
	rd.mu.Lock()
	if !rd.at.IsZero() && time.Since(rd.at) < readyTTL {
		err := rd.err
		rd.mu.Unlock()
		return err
	}
	rd.mu.Unlock()
	_, err, _ := rd.probes.Do("ready", func() (any, error) {
		err := probe()
		rd.mu.Lock()
		rd.at, rd.err = time.Now(), err
		rd.mu.Unlock()
		return nil, err
	})
	return err
}

// handleReady is readiness: Jana answers and the service credentials (if any) are accepted;
// 503 with a reason otherwise, and as soon as shutdown begins.
func (s *Server) handleReady(c echo.Context) error {
	if s.sessions.calls.isDraining() {
		return c.JSON(http.StatusServiceUnavailable, healthBody{Status: "draining", Version: version.String(), Reason: "shutting down"})
	}
	err := s.ready.check(func() error {
		// Not the request's context: the probe's verdict serves every /ready waiting on it.
		ctx, cancel := context.WithTimeout(jana.WithoutCache(context.WithoutCancel(c.Request().Context())), readyTimeout)
		defer cancel()
		err := s.jana.Ready(ctx)
		if err != nil {
			s.logger.WarnContext(ctx, "not ready", "err", err)
		}
		return err
	})
	if err != nil {
		reason := "Jana is unavailable"
		if text := toolkit.ErrorText(err); text != "" {
			reason = text
		}
		if je, ok := jana.AsError(err); ok && je.Kind == jana.KindUnauthorized {
			reason = "Jana rejected the service credentials (JANA_EMAIL/JANA_PASSWORD, JANA_USERNAME/JANA_PASSWORD or JANA_TOKEN)"
		}
		return c.JSON(http.StatusServiceUnavailable, healthBody{Status: "unavailable", Version: version.String(), Reason: reason})
	}
	return c.JSON(http.StatusOK, healthBody{Status: "ready", Version: version.String()})
}
