package server

import (
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
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

func (s *sessions) admitLocked(caller string) *apiError {
	if s.total >= s.maxTotal {
		return fail(codeFull)
	}
	if s.byCaller[caller] >= s.maxPerCaller {
		return fail(codeTooManySessions)
	}
	return nil
}

// open admits and counts a session in one step, so that simultaneous openings cannot all
// pass the check before any is counted. The slot must be released when the session ends.
func (s *sessions) open(transport, caller string) (*slot, *apiError) {
	s.mu.Lock()
	if err := s.admitLocked(caller); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	s.add(transport, caller, 1)
	n := s.byTransport[transport]
	s.mu.Unlock()
	s.onChange(transport, n)
	return &slot{sessions: s, transport: transport, caller: caller}, nil
}

// track counts a session that already exists.
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

// slot is one counted session. A Streamable HTTP session is counted when its initialize POST
// is admitted, before the SDK creates it; the session claims the slot once initialize
// succeeded, and gives it back when it closes. A slot nobody claimed is given back when the
// POST ends.
type slot struct {
	sessions  *sessions
	transport string
	caller    string

	mu        sync.Mutex
	state     slotState
	session   *mcp.ServerSession // the session that claimed the slot
	abandoned bool               // the initialize POST ended before its answer
}

type slotState int

const (
	slotReserved slotState = iota
	slotClaimed
	slotReleased
)

// claim gives the slot to the session that was just initialized. It returns false if the slot
// was claimed before (a repeated initialize on the same session), or if the client left
// before the answer (the session is of no use to anyone: the caller closes it). If the POST
// already gave the slot back for another reason, the session is counted again.
func (sl *slot) claim(ss *mcp.ServerSession) bool {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	switch {
	case sl.abandoned, sl.state == slotClaimed:
		return false
	case sl.state == slotReleased:
		sl.sessions.track(sl.transport, sl.caller)
	}
	sl.state = slotClaimed
	sl.session = ss
	return true
}

// abandon is called when the initialize POST ended without an answer: the client never
// learnt the session id, so the session is closed (at once if it exists, or as soon as it
// claims the slot) and stops counting against the caps.
func (sl *slot) abandon() {
	sl.mu.Lock()
	sl.abandoned = true
	ss := sl.session
	if sl.state == slotReserved {
		sl.state = slotReleased
		sl.sessions.close(sl.transport, sl.caller)
	}
	sl.mu.Unlock()
	if ss != nil {
		_ = ss.Close() // its Wait returns and gives the slot back
	}
}

// releaseUnclaimed gives the slot back unless a session claimed it.
func (sl *slot) releaseUnclaimed() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.state == slotReserved {
		sl.state = slotReleased
		sl.sessions.close(sl.transport, sl.caller)
	}
}

// release gives the slot back; it is safe to call more than once.
func (sl *slot) release() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.state != slotReleased {
		sl.state = slotReleased
		sl.sessions.close(sl.transport, sl.caller)
	}
}

func (s *sessions) add(transport, caller string, d int) {
	s.total += d
	s.byTransport[transport] += d
	if s.byCaller[caller] += d; s.byCaller[caller] <= 0 {
		delete(s.byCaller, caller)
	}
}
