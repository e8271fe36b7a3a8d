package server

import (
	"sync"
)

// Transport names, as they appear in logs and metrics.
const (
	transportSSE        = "sse"
	transportStreamable = "streamable"
	transportStateless  = "stateless"
)

// sessions counts open MCP sessions per transport and per caller, to enforce
// MCP_MAX_SESSIONS and MCP_MAX_SESSIONS_PER_TOKEN and to report active sessions.
type sessions struct {
	maxTotal, maxPerCaller int
	onChange               func(transport string, open int)

	mu          sync.Mutex
	total       int
	byCaller    map[string]int
	byTransport map[string]int
}

func newSessions(maxTotal, maxPerCaller int, onChange func(string, int)) *sessions {
	if onChange == nil {
		onChange = func(string, int) {}
	}
	return &sessions{
		maxTotal: maxTotal, maxPerCaller: maxPerCaller, onChange: onChange,
		byCaller: map[string]int{}, byTransport: map[string]int{},
	}
}

// admit reports whether caller may open one more session.
func (s *sessions) admit(caller string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.admitLocked(caller)
}

func (s *sessions) admitLocked(caller string) *apiError {
	if s.total >= s.maxTotal {
		return fail(codeFull)
	}
	if s.byCaller[caller] >= s.maxPerCaller {
		return fail(codeTooManySessions)
	}
	return nil
}

// open admits and counts a session in one step.
func (s *sessions) open(transport, caller string) *apiError {
	s.mu.Lock()
	if err := s.admitLocked(caller); err != nil {
		s.mu.Unlock()
		return err
	}
	s.add(transport, caller, 1)
	n := s.byTransport[transport]
	s.mu.Unlock()
	s.onChange(transport, n)
	return nil
}

// track counts a session that already exists (created by the SDK after admit).
func (s *sessions) track(transport, caller string) {
	s.mu.Lock()
	s.add(transport, caller, 1)
	n := s.byTransport[transport]
	s.mu.Unlock()
	s.onChange(transport, n)
}

func (s *sessions) close(transport, caller string) {
	s.mu.Lock()
	s.add(transport, caller, -1)
	n := s.byTransport[transport]
	s.mu.Unlock()
	s.onChange(transport, n)
}

func (s *sessions) add(transport, caller string, d int) {
	s.total += d
	s.byTransport[transport] += d
	if s.byCaller[caller] += d; s.byCaller[caller] <= 0 {
		delete(s.byCaller, caller)
	}
}

// count returns the open sessions of a transport ("" for all).
func (s *sessions) count(transport string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if transport == "" {
		return s.total
	}
	return s.byTransport[transport]
}
