package server

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/cluster"
)

// Transport names, as they appear in logs and metrics.
const (
	transportSSE        = "sse"
	transportStreamable = "streamable"
	transportStateless  = "stateless"
)

// sessions counts open MCP sessions per transport and per caller, to enforce
// MCP_MAX_SESSIONS (per replica: its capacity) and MCP_MAX_SESSIONS_PER_TOKEN (across the
// cluster when replicas share Redis) and to report active sessions.
type sessions struct {
	maxTotal, maxPerCaller int
	onChange               func(transport string, open int)
	shared                 *cluster.Cluster  // nil: per replica
	registry               *cluster.Registry // renews the shared slots while they are held

	mu          sync.Mutex
	total       int
	byCaller    map[string]int
	byTransport map[string]int
}

func newSessions(maxTotal, maxPerCaller int, onChange func(string, int), shared *cluster.Cluster, registry *cluster.Registry) *sessions {
	if onChange == nil {
		onChange = func(string, int) {}
	}
	return &sessions{
		maxTotal: maxTotal, maxPerCaller: maxPerCaller, onChange: onChange, shared: shared, registry: registry,
		byCaller: map[string]int{}, byTransport: map[string]int{},
	}
}

// sharedSlotTTL is how long a dead replica's session slots keep counting (its heartbeat
// renews them while it lives).
const sharedSlotTTL = 2 * time.Minute

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
	sl := &slot{sessions: s, transport: transport, caller: caller}
	if s.shared != nil {
		sl.member = rand.Text()
		ok, err := s.shared.Acquire(context.Background(), "sessions:"+caller, sl.member, s.maxPerCaller, sharedSlotTTL)
		switch {
		case err != nil:
			sl.member = "" // Redis is down: counted on this replica only
		case !ok:
			sl.member = ""
			sl.release()
			return nil, fail(codeTooManySessions)
		default:
			s.registry.Hold("sessions:"+caller, sl.member)
		}
	}
	return sl, nil
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
	member    string // its member in the shared set of the caller's sessions, "" when none

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
		sl.releaseShared()
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
		sl.releaseShared()
	}
}

// release gives the slot back; it is safe to call more than once.
func (sl *slot) release() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.state != slotReleased {
		sl.state = slotReleased
		sl.sessions.close(sl.transport, sl.caller)
		sl.releaseShared()
	}
}

// releaseShared gives back the slot's place in the cluster-wide count. (If Redis is down the
// place expires by itself: nothing renews it any more.)
func (sl *slot) releaseShared() {
	if sl.member == "" {
		return
	}
	s := sl.sessions
	s.registry.Unhold("sessions:"+sl.caller, sl.member)
	_ = s.shared.Release(context.Background(), "sessions:"+sl.caller, sl.member)
	sl.member = ""
}

func (s *sessions) add(transport, caller string, d int) {
	s.total += d
	s.byTransport[transport] += d
	if s.byCaller[caller] += d; s.byCaller[caller] <= 0 {
		delete(s.byCaller, caller)
	}
}
