package jana

import (
	"sync/atomic"
	"time"
)

// stats is the bridge's own running view of the backend, for get_system_health.
type stats struct {
	requests    atomic.Int64
	failures    atomic.Int64 // no answer, or 5xx
	lastOK      atomic.Int64 // unix nanos
	lastFailure atomic.Int64
	lastStatus  atomic.Int64 // status of the last failure, 0 for no answer
}

func (s *stats) record(status int, now time.Time) {
	s.requests.Add(1)
	if status != 0 && status < 500 {
		s.lastOK.Store(now.UnixNano())
		return
	}
	s.failures.Add(1)
	s.lastFailure.Store(now.UnixNano())
	s.lastStatus.Store(int64(status))
}

// BackendStats summarises every backend attempt since start.
type BackendStats struct {
	Requests      int64
	Failures      int64 // attempts without an answer or with a 5xx
	LastSuccess   time.Time
	LastFailure   time.Time
	LastFailureAt int // HTTP status of the last failure, 0 when no answer arrived
}

func (s *stats) snapshot() BackendStats {
	out := BackendStats{Requests: s.requests.Load(), Failures: s.failures.Load(), LastFailureAt: int(s.lastStatus.Load())}
	if t := s.lastOK.Load(); t != 0 {
		out.LastSuccess = time.Unix(0, t)
	}
	if t := s.lastFailure.Load(); t != 0 {
		out.LastFailure = time.Unix(0, t)
	}
	return out
}
