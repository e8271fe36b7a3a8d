package server

import (
	"context"
	"mime"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/propagation"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

// The legacy HTTP+SSE transport (MCP 2024-11-05) at the paths the ADR and the first server
// published: GET /sse opens the stream, whose first event names /messages?session_id=… as
// the place to POST messages. The SDK's own SSEHandler would point back at /sse, so the
// routing is done here with the SDK's SSEServerTransport.

type sseSession struct {
	transport *mcp.SSEServerTransport
	caller    *jana.Caller
	identity  string // sessionIdentity: what a POST that presents a credential must match
	limitKey  string // whom the session's messages count against
	// initialized is set when the client finished the handshake; a stream that has not within
	// MCP_INIT_TIMEOUT is closed.
	initialized atomic.Bool
}

type sseSessions struct {
	mu sync.Mutex
	m  map[string]*sseSession
}

func (s *sseSessions) get(id string) *sseSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

func (s *sseSessions) put(id string, sess *sseSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id] = sess
}

func (s *sseSessions) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// handleSSE serves one legacy SSE session for as long as the client keeps the stream open.
func (s *Server) handleSSE(c echo.Context) error {
	if s.inflight.isDraining() {
		return fail(codeDraining)
	}
	r := c.Request()
	caller := callerOf(c)
	slot, refused := s.sessions.open(transportSSE, limitKey(c))
	if refused != nil {
		return refused
	}
	defer slot.release()

	w := newStreamWriter(c.Response())
	defer w.finish()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)

	id := s.newSessionID()
	transport := &mcp.SSEServerTransport{
		Endpoint:            "/messages?session_id=" + id,
		Response:            w,
		MaxRequestBodyBytes: s.cfg.Limits.MaxBodyBytes,
	}
	sess := &sseSession{transport: transport, caller: caller, identity: sessionIdentity(c), limitKey: limitKey(c)}
	s.sse.put(id, sess)
	defer s.sse.remove(id)
	if s.registry != nil {
		s.registry.Register(r.Context(), id)
		defer s.registry.Deregister(context.WithoutCancel(r.Context()), id)
	}

	// The stream's life bounds its tool calls: when it ends, calls in flight are cancelled.
	life, endLife := context.WithCancel(r.Context())
	ctx := context.WithValue(withTransport(life, transportSSE), lifetimeKey{}, life)
	ctx = context.WithValue(ctx, sseSessionKey{}, id)
	if s.tracing != nil {
		// The session's calls join the trace of the GET that opened the stream, if any.
		ctx = s.tracing.Propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
	}
	ss, err := s.mcp.Connect(ctx, transport, nil)
	if err != nil {
		endLife()
		s.logger.ErrorContext(r.Context(), "sse connect failed", "err", err)
		return nil // the stream is open; nothing more can be said on it
	}
	defer ss.Close()
	defer endLife() // runs first: cancel calls in flight, then close the session

	// This goroutine waits for the stream's end and sends its keep-alives itself: an idle
	// session costs no goroutine of ours beyond the one net/http already runs for it.
	var tick <-chan time.Time
	if ka := s.cfg.Transport.KeepAlive; ka > 0 {
		t := time.NewTicker(ka)
		defer t.Stop()
		tick = t.C
	}
	initDeadline := time.NewTimer(s.cfg.Transport.InitTimeout)
	defer initDeadline.Stop()
	for {
		select {
		case <-initDeadline.C:
			if !sess.initialized.Load() {
				s.logger.InfoContext(r.Context(), "closing an SSE stream that did not finish initializing", "session_id", id,
					"timeout", s.cfg.Transport.InitTimeout)
				return nil
			}
		case <-life.Done(): // client went away
			return nil
		case <-s.closing: // shutdown: the client reconnects elsewhere
			return nil
		case <-tick:
			if w.keepAlive() != nil {
				return nil
			}
		}
	}
}

// handleMessages delivers one POSTed JSON-RPC message to its SSE session. The session id is
// the capability: clients that authenticated with ?token= on /sse do not repeat it here. But
// a request that presents a credential (an Authorization header of any scheme, or ?token=)
// must present the session's own. With MCP_AUTH_MODE=oauth every request must present a
// valid access token of the session's user, so that a revoked sign-in ends with a 401 that
// sends the client to sign in again.
func (s *Server) handleMessages(c echo.Context) error {
	r := c.Request()
	sess := s.sse.get(c.QueryParam("session_id"))
	if sess == nil {
		return fail(codeNoSession)
	}
	if s.oauth != nil || r.Header.Get("Authorization") != "" || r.URL.Query().Has("token") {
		if err := s.checkSessionCredential(c, sess.identity); err != nil {
			return err
		}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fail(codeMediaType)
	}
	if err := s.limits.allow(c, limitMessages, sess.limitKey); err != nil {
		return err
	}
	if _, err := s.readBody(c); err != nil {
		return err
	}
	w := newStreamWriter(c.Response())
	sess.transport.ServeHTTP(w, r)
	w.finish()
	if status, text := w.plainError(); status != 0 {
		c.Response().Header().Del("Content-Type")
		return sdkError(status, text)
	}
	return nil
}
