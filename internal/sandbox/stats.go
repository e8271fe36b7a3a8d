package sandbox

import (
	"maps"
	"sync"
	"time"
)

// Stats counts requests since start-up or the last reset. Admin requests are not counted.
type Stats struct {
	Requests   int64                     `json:"requests"`
	Cancelled  int64                     `json:"cancelled"`
	Faults     int64                     `json:"faults"`
	Operations map[string]OperationStats `json:"operations"`
}

// OperationStats counts the requests of one operation ("" for requests that matched none).
type OperationStats struct {
	Requests  int64         `json:"requests"`
	Cancelled int64         `json:"cancelled"`
	Faults    int64         `json:"faults"`
	Statuses  map[int]int64 `json:"statuses"`
}

type statsRecorder struct {
	mu    sync.Mutex
	stats Stats
}

func newStatsRecorder() *statsRecorder {
	return &statsRecorder{stats: Stats{Operations: map[string]OperationStats{}}}
}

func (r *statsRecorder) record(op string, status int, cancelled bool, fault string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.stats.Operations[op]
	if o.Statuses == nil {
		o.Statuses = map[int]int64{}
	}
	o.Requests++
	o.Statuses[status]++
	r.stats.Requests++
	if cancelled {
		o.Cancelled++
		r.stats.Cancelled++
	}
	if fault != "" {
		o.Faults++
		r.stats.Faults++
	}
	r.stats.Operations[op] = o
}

func (r *statsRecorder) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stats
	out.Operations = make(map[string]OperationStats, len(r.stats.Operations))
	for k, v := range r.stats.Operations {
		v.Statuses = maps.Clone(v.Statuses)
		out.Operations[k] = v
	}
	return out
}

func (r *statsRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats = Stats{Operations: map[string]OperationStats{}}
}

// Stats returns a snapshot of the request counters.
func (s *Sandbox) Stats() Stats { return s.stats.snapshot() }

// ResetStats zeroes the request counters.
func (s *Sandbox) ResetStats() { s.stats.reset() }

// SetFaults replaces the injected error rates (delays are kept). An invalid configuration is
// logged and ignored; the admin endpoint reports it to the caller instead.
func (s *Sandbox) SetFaults(fc FaultConfig) {
	if err := s.faults.set(fc); err != nil {
		s.log.Error("SetFaults ignored", "err", err)
	}
}

// SetDelays replaces the latency, jitter and per-operation slowness.
func (s *Sandbox) SetDelays(latency, jitter time.Duration, slow map[string]time.Duration) error {
	return s.faults.setDelays(latency, jitter, slow)
}

// FailNext makes the next n requests to operationID ("" for any operation; suffixes as in
// Config.Slow) fail with status, deterministically, before any random fault applies. Rules
// queue up: each request consumes the first rule that matches it. An invalid rule is logged
// and ignored.
func (s *Sandbox) FailNext(operationID string, status int, n int) {
	if err := s.faults.failNext(operationID, status, n); err != nil {
		s.log.Error("FailNext ignored", "err", err)
	}
}

// Faults returns the current fault configuration.
func (s *Sandbox) Faults() FaultConfig {
	fc := s.faults.settings.Load().faults
	fc.ErrorRates = maps.Clone(fc.ErrorRates)
	return fc
}

// Reset restores the start-up state: counters zeroed, faults and delays as configured, pending
// fail-next rules dropped, revoked DRF tokens restored, JWT sign-ins and device codes
// forgotten, exports deleted.
func (s *Sandbox) Reset() {
	s.stats.reset()
	s.faults.reset()
	s.auth.reset()
	s.exports.reset()
}
