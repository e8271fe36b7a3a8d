package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/cluster"
	"github.com/janaplatform/jana-mcp/internal/jana"
)

// Transport names, as they appear in logs and metrics.
const (
	transportSSE        = "sse"
	transportStreamable = "streamable"
	transportStateless  = "stateless"
)

// sessions is every MCP session this replica serves, legacy SSE streams and stateful
// Streamable HTTP sessions alike, in one place: what each is bound to, the caps they count
// against (MCP_MAX_SESSIONS on this replica, MCP_MAX_SESSIONS_PER_TOKEN across the cluster
// when replicas share Redis), the tool calls in flight, and one janitor goroutine that, for
// all of them, closes handshakes left unfinished after MCP_INIT_TIMEOUT, sends keep-alives on
// idle streams and gives back what closed sessions held. An idle session costs no timer or
// goroutine of ours: idle sessions are most of a busy server's sessions.
type sessions struct {
	opts  sessionOptions
	calls *inflight

	mu          sync.Mutex
	total       int
	byCaller    map[string]int
	byTransport map[string]int
	byID        map[string]*session // bound sessions
	bound       uint64              // sessions bound so far: each bound session's number
	stop        chan struct{}       // stops the janitor; nil while none runs
	janitorDone chan struct{}
}

type sessionOptions struct {
	maxTotal, maxPerCaller int
	initTimeout            time.Duration
	keepAlive              time.Duration        // 0: none
	servers                func() []*mcp.Server // list the stateful sessions still open
	shared                 *cluster.Cluster     // nil: counted per replica
	registry               *cluster.Registry    // registers session ids and renews shared places
	onChange               func(transport string, open int)
	logger                 *slog.Logger
}

func newSessions(opts sessionOptions, calls *inflight) *sessions {
	if opts.onChange == nil {
		opts.onChange = func(string, int) {}
	}
	return &sessions{opts: opts, calls: calls,
		byCaller: map[string]int{}, byTransport: map[string]int{}, byID: map[string]*session{}}
}

// session is one counted session. An SSE session is bound (given its id) as its stream opens.
// A Streamable HTTP session is counted when its initialize POST is admitted, before the SDK
// creates it (checking the caps then and counting only after initialize succeeded let a burst
// of simultaneous initializes all pass), and bound once initialize succeeded; a reservation
// nobody bound is given back when the POST ends.
type session struct {
	transport string
	limitKey  string // whom it counts against
	identity  string // sessionIdentity: what a later request that presents a credential must match
	member    string // its member in the shared set of the caller's sessions, "" when none

	// Under sessions.mu.
	state     sessionState
	id        string
	bind      uint64             // its number among bound sessions
	abandoned bool               // the initialize POST ended before its answer
	deadline  time.Time          // of the handshake; zero once initialized
	ss        *mcp.ServerSession // Streamable HTTP, once bound
	stream    *streamWriter      // its open event stream, for keep-alives

	// SSE only, set before it is bound.
	sse    *mcp.SSEServerTransport // where its POSTed messages go
	caller *jana.Caller
	life   context.Context    // the stream's
	end    context.CancelFunc // ends the stream

	pinging atomic.Bool // a keep-alive is being written
}

type sessionState int

const (
	sessionReserved sessionState = iota
	sessionBound
	sessionReleased
)

// sharedSlotTTL is how long a dead replica's session slots keep counting (its heartbeat
// renews them while it lives).
const sharedSlotTTL = 2 * time.Minute

// open admits and counts a session in one step, so that simultaneous openings cannot all
// pass the check before any is counted. The session must be released when it ends.
func (t *sessions) open(transport, limitKey, identity string) (*session, *apiError) {
	t.mu.Lock()
	switch {
	case t.total >= t.opts.maxTotal:
		t.mu.Unlock()
		return nil, fail(codeFull)
	case t.byCaller[limitKey] >= t.opts.maxPerCaller:
		t.mu.Unlock()
		return nil, fail(codeTooManySessions)
	}
	n := t.countLocked(transport, limitKey, 1)
	t.mu.Unlock()
	t.opts.onChange(transport, n)
	sess := &session{transport: transport, limitKey: limitKey, identity: identity}
	if t.opts.shared != nil {
		member := rand.Text()
		ok, err := t.opts.shared.Acquire(context.Background(), "sessions:"+limitKey, member, t.opts.maxPerCaller, sharedSlotTTL)
		switch {
		case err != nil: // Redis is down: counted on this replica only
		case !ok:
			t.release(sess)
			return nil, fail(codeTooManySessions)
		default:
			sess.member = member
			t.opts.registry.Hold("sessions:"+limitKey, member)
		}
	}
	return sess, nil
}

// bindSSE binds an SSE session to its id as its stream opens.
func (t *sessions) bindSSE(ctx context.Context, sess *session, id string) {
	t.mu.Lock()
	sess.id, sess.state = id, sessionBound
	t.bound++
	sess.bind = t.bound
	sess.deadline = time.Now().Add(t.opts.initTimeout)
	t.byID[id] = sess
	t.startJanitorLocked()
	t.mu.Unlock()
	t.register(ctx, id)
}

// claim binds the Streamable HTTP session that initialize just created to the reservation of
// its POST. It returns false if the reservation was bound before (a repeated initialize on
// the same session), or if the client left before the answer (the session is of no use to
// anyone: the caller closes it). If the POST already gave the reservation back for another
// reason, the session is counted again.
func (t *sessions) claim(ctx context.Context, sess *session, ss *mcp.ServerSession) bool {
	t.mu.Lock()
	switch {
	case sess.abandoned, sess.state == sessionBound:
		t.mu.Unlock()
		return false
	case sess.state == sessionReleased:
		n := t.countLocked(sess.transport, sess.limitKey, 1)
		defer t.opts.onChange(sess.transport, n)
	}
	sess.id, sess.ss, sess.state = ss.ID(), ss, sessionBound
	t.bound++
	sess.bind = t.bound
	sess.deadline = time.Now().Add(t.opts.initTimeout)
	t.byID[sess.id] = sess
	t.startJanitorLocked()
	t.mu.Unlock()
	t.register(ctx, sess.id)
	return true
}

// abandon is called when the initialize POST ended without an answer: the client never
// learnt the session id, so the session is closed (at once if it exists, or as soon as it
// is claimed) and stops counting against the caps.
func (t *sessions) abandon(sess *session) {
	t.mu.Lock()
	sess.abandoned = true
	state, ss := sess.state, sess.ss
	t.mu.Unlock()
	switch {
	case state == sessionReserved:
		t.release(sess)
	case ss != nil:
		_ = ss.Close()
		t.release(sess)
	}
}

// releaseUnclaimed gives a Streamable HTTP reservation back unless a session was bound to it.
func (t *sessions) releaseUnclaimed(sess *session) {
	t.mu.Lock()
	reserved := sess.state == sessionReserved
	t.mu.Unlock()
	if reserved {
		t.release(sess)
	}
}

// release gives back everything the session held; it is safe to call more than once.
func (t *sessions) release(sess *session) {
	t.mu.Lock()
	if sess.state == sessionReleased {
		t.mu.Unlock()
		return
	}
	bound := sess.state == sessionBound
	sess.state = sessionReleased
	if bound && t.byID[sess.id] == sess {
		delete(t.byID, sess.id)
	}
	n := t.countLocked(sess.transport, sess.limitKey, -1)
	member := sess.member
	sess.member = ""
	t.mu.Unlock()
	t.opts.onChange(sess.transport, n)
	if member != "" {
		// If Redis is down the place expires by itself: nothing renews it any more.
		t.opts.registry.Unhold("sessions:"+sess.limitKey, member)
		_ = t.opts.shared.Release(context.Background(), "sessions:"+sess.limitKey, member)
	}
	if bound && t.opts.registry != nil {
		t.opts.registry.Deregister(context.Background(), sess.id)
	}
}

func (t *sessions) register(ctx context.Context, id string) {
	if t.opts.registry != nil {
		t.opts.registry.Register(ctx, id)
	}
}

// countLocked adds d to the counts and returns the transport's.
func (t *sessions) countLocked(transport, limitKey string, d int) int {
	t.total += d
	t.byTransport[transport] += d
	if t.byCaller[limitKey] += d; t.byCaller[limitKey] <= 0 {
		delete(t.byCaller, limitKey)
	}
	return t.byTransport[transport]
}

// lookup returns the bound session with this id, or nil.
func (t *sessions) lookup(id string) *session {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byID[id]
}

// initialized records that the session finished its handshake.
func (t *sessions) initialized(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if sess := t.byID[id]; sess != nil {
		sess.deadline = time.Time{}
	}
}

// attach makes w the session's event stream for keep-alives, until detach.
func (t *sessions) attach(sess *session, w *streamWriter) (detach func()) {
	t.mu.Lock()
	sess.stream = w
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if sess.stream == w {
			sess.stream = nil
		}
	}
}

// sweepInterval is how often the janitor looks at every session: how late a closed
// session's slot is given back, or an unfinished handshake closed.
const sweepInterval = 500 * time.Millisecond

// startJanitorLocked starts the janitor unless it runs.
func (t *sessions) startJanitorLocked() {
	if t.stop != nil {
		return
	}
	t.stop, t.janitorDone = make(chan struct{}), make(chan struct{})
	interval := sweepInterval
	if ka := t.opts.keepAlive; ka > 0 {
		interval = min(interval, ka/2)
	}
	interval = max(min(interval, t.opts.initTimeout/4), 10*time.Millisecond)
	go t.janitor(interval, t.stop, t.janitorDone)
}

func (t *sessions) janitor(interval time.Duration, stop, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			t.sweep(time.Now())
		}
	}
}

// sweep gives back what closed Streamable HTTP sessions held (those the SDK no longer lists:
// it has no close hook), closes sessions whose handshake is overdue, and sends keep-alives on
// streams idle for MCP_SSE_KEEPALIVE. A keep-alive is written on a goroutine of its own: a
// client that stops reading can block a write, and must not block the sweep.
func (t *sessions) sweep(now time.Time) {
	t.mu.Lock()
	listed, stateful := t.bound, t.byTransport[transportStreamable] > 0
	t.mu.Unlock()
	var open map[*mcp.ServerSession]bool
	if stateful {
		// Outside our lock: the SDK takes its own. A session bound after this listing is not
		// judged by it (it has a later bind number).
		open = map[*mcp.ServerSession]bool{}
		for _, srv := range t.opts.servers() {
			for ss := range srv.Sessions() {
				open[ss] = true
			}
		}
	}
	var closed, overdue []*session
	type ping struct {
		sess *session
		w    *streamWriter
	}
	var idle []ping
	t.mu.Lock()
	for _, sess := range t.byID {
		switch {
		case sess.ss != nil && sess.bind <= listed && !open[sess.ss]:
			closed = append(closed, sess)
		case !sess.deadline.IsZero() && now.After(sess.deadline):
			sess.deadline = time.Time{}
			overdue = append(overdue, sess)
		case t.opts.keepAlive > 0 && sess.stream != nil && sess.stream.idle(now) >= t.opts.keepAlive:
			idle = append(idle, ping{sess, sess.stream})
		}
	}
	t.mu.Unlock()
	for _, sess := range closed {
		t.release(sess)
	}
	for _, sess := range overdue {
		t.opts.logger.Info("closing a session that did not finish initializing", "session_id", sess.id,
			"transport", sess.transport, "timeout", t.opts.initTimeout)
		sess.close()
	}
	for _, p := range idle {
		if p.sess.pinging.CompareAndSwap(false, true) {
			go p.sess.keepAlive(p.w)
		}
	}
}

func (sess *session) keepAlive(w *streamWriter) {
	defer sess.pinging.Store(false)
	if w.keepAlive() != nil && sess.end != nil {
		sess.end() // the client is gone
	}
}

// close ends the session: an SSE session's stream ends (its handler releases it), a
// Streamable HTTP session is closed (the next sweep releases it).
func (sess *session) close() {
	if sess.end != nil {
		sess.end()
	}
	if sess.ss != nil {
		_ = sess.ss.Close()
	}
}

// closeAll stops the janitor and ends every session, for shutdown. Only bound sessions are
// closed: the SDK's Sessions() also lists sessions still being connected, and closing one of
// those makes the SDK dereference a nil session.
func (t *sessions) closeAll() {
	t.mu.Lock()
	stop, done := t.stop, t.janitorDone
	t.stop = nil
	all := make([]*session, 0, len(t.byID))
	for _, sess := range t.byID {
		all = append(all, sess)
	}
	t.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	var wg sync.WaitGroup
	for _, sess := range all {
		wg.Go(func() {
			sess.close()
			if sess.ss != nil {
				t.release(sess)
			}
		})
	}
	wg.Wait()
}

// inflight counts running tool calls, to bound them (MCP_MAX_INFLIGHT, and each caller's
// share, MCP_MAX_INFLIGHT_PER_CALLER) and so that shutdown can let them finish.
type inflight struct {
	max, perCaller int // 0: unbounded
	// With shared state, each caller's share counts across replicas.
	shared   *cluster.Cluster
	registry *cluster.Registry
	ttl      time.Duration // a dead replica's calls stop counting after this

	mu       sync.Mutex
	n        int
	byCaller map[string]int
	draining bool
	idle     chan struct{} // closed when draining and n reaches 0
}

func newInflight(max, perCaller int) *inflight {
	return &inflight{max: max, perCaller: perCaller, byCaller: map[string]int{}, idle: make(chan struct{})}
}

// refusal says why a call was not admitted.
type refusal string

const (
	refusedDraining  refusal = "draining"
	refusedBusy      refusal = "busy"
	refusedShareUsed refusal = "caller_share"
)

// ticket is an admitted call; leave gives it back.
type ticket struct {
	caller, member string // member of the shared set of the caller's calls, "" when none
}

// enter admits a call of caller unless draining has started, max calls are running, or the
// caller already runs its share (on every replica, with shared state); it returns the reason
// for a refusal, or "" and the ticket to leave with.
func (f *inflight) enter(caller string) (ticket, refusal) {
	t := ticket{caller: caller}
	f.mu.Lock()
	switch {
	case f.draining:
		f.mu.Unlock()
		return t, refusedDraining
	case f.max > 0 && f.n >= f.max:
		f.mu.Unlock()
		return t, refusedBusy
	case f.perCaller > 0 && f.byCaller[caller] >= f.perCaller:
		f.mu.Unlock()
		return t, refusedShareUsed
	}
	f.n++
	f.byCaller[caller]++
	f.mu.Unlock()
	if f.shared != nil && f.perCaller > 0 {
		t.member = rand.Text()
		ok, err := f.shared.Acquire(context.Background(), "inflight:"+caller, t.member, f.perCaller, f.ttl)
		switch {
		case err != nil:
			t.member = "" // Redis is down: this replica's count only
		case !ok:
			t.member = ""
			f.leave(t)
			return ticket{}, refusedShareUsed
		default:
			f.registry.Hold("inflight:"+caller, t.member)
		}
	}
	return t, ""
}

func (f *inflight) leave(t ticket) {
	if t.member != "" {
		f.registry.Unhold("inflight:"+t.caller, t.member)
		_ = f.shared.Release(context.Background(), "inflight:"+t.caller, t.member)
	}
	caller := t.caller
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.byCaller[caller]--; f.byCaller[caller] <= 0 {
		delete(f.byCaller, caller)
	}
	if f.draining && f.n == 0 {
		close(f.idle)
	}
}

// drain refuses new calls and waits for running ones, or for ctx to end. It reports how many
// calls were still running when it returned.
func (f *inflight) drain(ctx context.Context) int {
	f.mu.Lock()
	if !f.draining {
		f.draining = true
		if f.n == 0 {
			close(f.idle)
		}
	}
	f.mu.Unlock()
	select {
	case <-f.idle:
	case <-ctx.Done():
	}
	return f.running()
}

func (f *inflight) running() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func (f *inflight) isDraining() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.draining
}
