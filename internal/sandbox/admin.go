package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// adminRoutes adds the admin endpoints for tests and benchmarks running out of process. They are not part of the
// Jana API: absent from the schema, exempt from parameter checks, not counted in Stats.
//
//	GET  /__sandbox/stats   request counters (Stats)
//	POST /__sandbox/reset   back to the start-up state (see Sandbox.Reset)
//	GET  /__sandbox/faults  current fault settings
//	PUT  /__sandbox/faults  replace fault settings; optional fail_next rule
//	POST /__sandbox/device  decide a device code in place of the user: {"user_code", "username", "action": "approve"|"deny"}
//	POST /__sandbox/revoke  end every JWT sign-in of a user: {"username"}
func (s *Sandbox) adminRoutes(e *echo.Echo) {
	e.GET("/__sandbox/stats", func(c echo.Context) error {
		return writeJSON(c, http.StatusOK, s.Stats())
	})
	e.POST("/__sandbox/reset", func(c echo.Context) error {
		s.Reset()
		return writeJSON(c, http.StatusOK, map[string]string{"detail": "Sandbox reset."})
	})
	e.GET("/__sandbox/faults", func(c echo.Context) error {
		return writeJSON(c, http.StatusOK, s.adminFaults())
	})
	e.PUT("/__sandbox/faults", func(c echo.Context) error {
		var req adminFaultsRequest
		if err := decodeAdmin(c, &req); err != nil {
			return err
		}
		if err := s.applyAdminFaults(req); err != nil {
			return badRequest(err.Error())
		}
		return writeJSON(c, http.StatusOK, s.adminFaults())
	})
	e.POST("/__sandbox/device", func(c echo.Context) error {
		var req struct {
			UserCode string `json:"user_code"`
			Username string `json:"username"`
			Action   string `json:"action"`
		}
		if err := decodeAdmin(c, &req); err != nil {
			return err
		}
		if req.Action != "approve" && req.Action != "deny" {
			return badRequest(`action must be "approve" or "deny"`)
		}
		if err := s.DecideDevice(req.UserCode, req.Username, req.Action == "approve"); err != nil {
			return badRequest(err.Error())
		}
		return writeJSON(c, http.StatusOK, map[string]string{"detail": "Device code " + req.Action + "d."})
	})
	e.POST("/__sandbox/revoke", func(c echo.Context) error {
		var req struct {
			Username string `json:"username"`
		}
		if err := decodeAdmin(c, &req); err != nil {
			return err
		}
		n, err := s.RevokeJWTs(req.Username)
		if err != nil {
			return badRequest(err.Error())
		}
		return writeJSON(c, http.StatusOK, map[string]int{"revoked": n})
	})
}

// decodeAdmin reads an admin request's JSON body strictly.
func decodeAdmin(c echo.Context, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("Invalid request: " + err.Error())
	}
	return nil
}

// adminFaultsRequest is the body of PUT /__sandbox/faults. Durations are Go duration strings.
type adminFaultsRequest struct {
	FaultConfig
	Latency       *string           `json:"latency,omitempty"`
	LatencyJitter *string           `json:"latency_jitter,omitempty"`
	Slow          map[string]string `json:"slow,omitempty"`
	FailNext      *struct {
		OperationID string `json:"operation_id"`
		Status      int    `json:"status"`
		Count       int    `json:"count"`
	} `json:"fail_next,omitempty"`
}

type adminFaultsResponse struct {
	FaultConfig
	Latency       string            `json:"latency"`
	LatencyJitter string            `json:"latency_jitter"`
	Slow          map[string]string `json:"slow"`
	PendingFails  int64             `json:"pending_fail_next"`
}

func (s *Sandbox) adminFaults() adminFaultsResponse {
	fs := s.faults.settings.Load()
	out := adminFaultsResponse{FaultConfig: s.Faults(), Latency: fs.latency.String(),
		LatencyJitter: fs.jitter.String(), Slow: map[string]string{}, PendingFails: s.faults.pending.Load()}
	for k, v := range fs.slow {
		out.Slow[k] = v.String()
	}
	return out
}

func (s *Sandbox) applyAdminFaults(req adminFaultsRequest) error {
	fs := s.faults.settings.Load()
	latency, jitter, slow := fs.latency, fs.jitter, fs.slow
	var err error
	if req.Latency != nil {
		if latency, err = time.ParseDuration(*req.Latency); err != nil {
			return fmt.Errorf("latency: %w", err)
		}
	}
	if req.LatencyJitter != nil {
		if jitter, err = time.ParseDuration(*req.LatencyJitter); err != nil {
			return fmt.Errorf("latency_jitter: %w", err)
		}
	}
	if req.Slow != nil {
		slow = map[string]time.Duration{}
		for k, v := range req.Slow {
			if slow[k], err = time.ParseDuration(v); err != nil {
				return fmt.Errorf("slow %q: %w", k, err)
			}
		}
	}
	if err := s.faults.set(req.FaultConfig); err != nil {
		return err
	}
	if err := s.faults.setDelays(latency, jitter, slow); err != nil {
		return err
	}
	if req.FailNext != nil {
		return s.faults.failNext(req.FailNext.OperationID, req.FailNext.Status, req.FailNext.Count)
	}
	return nil
}
