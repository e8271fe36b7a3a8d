package server

import (
	"context"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/propagation"
)

// The legacy HTTP+SSE transport (MCP 2024-11-05) at the paths the design and the first server
// published: GET /sse opens the stream, whose first event names /messages?session_id=… as
// the place to POST messages. The SDK's own SSEHandler would point back at /sse, so the
// routing is done here with the SDK's SSEServerTransport.

// handleSSE serves one legacy SSE session for as long as the client keeps the stream open.
// Its goroutine parks here, with this call chain on its stack, for the whole session: the
// set-up runs in openSSE, whose deeper frames are gone by then.
func (s *Server) handleSSE(c echo.Context) error {
	sess, ss, err := s.openSSE(c)
	if sess == nil {
		return err
	}
	defer s.sessions.release(sess)
	defer sess.stream.finish()
	if ss == nil {
		return nil // the stream is open; nothing more can be said on it
	}
	defer ss.Close()
	defer sess.end() // runs first: cancel calls in flight, then close the session
	select {
	case <-sess.life.Done(): // the client went away, or the janitor ended the stream
	case <-s.closing: // shutdown: the client reconnects elsewhere
	}
	return nil
}

// openSSE admits a session, opens its stream and connects it to the MCP server. With a
// session but no ServerSession, the stream is open but the session could not start.
func (s *Server) openSSE(c echo.Context) (*session, *mcp.ServerSession, error) {
	if s.sessions.calls.isDraining() {
		return nil, nil, fail(codeDraining)
	}
	sess, refused := s.sessions.open(transportSSE, limitKey(c), sessionIdentity(c))
	if refused != nil {
		return nil, nil, refused
	}
	r := c.Request()
	w := newStreamWriter(c.Response())
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)

	id := s.newSessionID()
	sess.sse = &mcp.SSEServerTransport{
		Endpoint:            "/messages?session_id=" + id,
		Response:            w,
		MaxRequestBodyBytes: s.cfg.Limits.MaxBodyBytes,
	}
	sess.caller, sess.stream = callerOf(c), w
	// The stream's life bounds its tool calls: when it ends, calls in flight are cancelled.
	life, end := context.WithCancel(r.Context())
	sess.life, sess.end = life, end
	s.sessions.bindSSE(r.Context(), sess, id)

	ctx := withConn(life, connInfo{transport: transportSSE, lifetime: life, sseID: id})
	if s.tracing != nil {
		// The session's calls join the trace of the GET that opened the stream, if any.
		ctx = s.tracing.Propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
	}
	// Connecting runs deep in the SDK: on a goroutine of its own, so that this stream's
	// goroutine, which parks for the session's life, keeps a small stack.
	var ss *mcp.ServerSession
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		ss, err = s.serverFor(r).Connect(ctx, sess.sse, nil)
	}()
	<-done
	if err != nil {
		end()
		s.logger.ErrorContext(r.Context(), "sse connect failed", "err", err)
		return sess, nil, nil
	}
	return sess, ss, nil
}

// handleMessages delivers one POSTed JSON-RPC message to its SSE session. The session id is
// the capability: clients that authenticated with ?token= on /sse do not repeat it here. But
// a request that presents a credential (an Authorization header of any scheme, or ?token=)
// must present the session's own. With MCP_AUTH_MODE=oauth every request must present a
// valid access token of the session's user, so that a revoked sign-in ends with a 401 that
// sends the client to sign in again.
func (s *Server) handleMessages(c echo.Context) error {
	r := c.Request()
	sess := s.sessions.lookup(c.QueryParam("session_id"))
	if sess == nil || sess.sse == nil {
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
	sess.sse.ServeHTTP(w, r)
	w.finish()
	if status, text := w.plainError(); status != 0 {
		c.Response().Header().Del("Content-Type")
		return sdkError(status, text)
	}
	return nil
}
