package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// modernVersion is the first revision without sessions or initialize.
const modernVersion = "2026-07-28"

// mcpHandler picks the SDK handler for a /mcp request: Streamable HTTP with sessions (protocol
// 2025-03-26 to 2025-11-25, or without them with MCP_STATELESS), and on the same path, always
// without sessions, the 2026-07-28 revision, whose requests say so in MCP-Protocol-Version.
func (s *Server) mcpHandler(r *http.Request) (h http.Handler, stateless bool) {
	if r.Header.Get("MCP-Protocol-Version") >= modernVersion {
		return s.modern, true
	}
	return s.streamable, s.cfg.Transport.Stateless
}

// mcpSession returns the stateful session a /mcp request names, after checking that the
// request presents the credential the session is bound to (403 otherwise): a session can never
// be used with another one. It returns nil for a session this replica does not have (the SDK
// answers 404).
func (s *Server) mcpSession(c echo.Context) (*session, error) {
	id := c.Request().Header.Get("Mcp-Session-Id")
	if id == "" {
		return nil, nil
	}
	sess := s.sessions.lookup(id)
	if sess == nil || sess.transport != transportStreamable {
		return nil, nil
	}
	if sess.identity != sessionIdentity(c) {
		return nil, fail(codeForbidden)
	}
	return sess, nil
}

// handleMCPStream serves GET /mcp, a session's standalone event stream. Its goroutine parks in
// the SDK for as long as the stream is open, so this frame is kept small.
func (s *Server) handleMCPStream(c echo.Context) error {
	handler, stateless := s.mcpHandler(c.Request())
	w := newStreamWriter(c.Response())
	defer w.finish()
	if !stateless {
		sess, err := s.mcpSession(c)
		if err != nil {
			return err
		}
		if sess != nil {
			defer s.sessions.attach(sess, w)() // keep-alives, which proxies need on idle streams
		}
	}
	handler.ServeHTTP(w, c.Request()) // ends when the client goes, or the session closes
	return plainAnswer(c, w)
}

// plainAnswer turns a plain-text error the SDK wrote into the server's JSON error.
func plainAnswer(c echo.Context, w *streamWriter) error {
	if status, text := w.plainError(); status != 0 {
		w.finish()
		c.Response().Header().Del("Content-Type")
		return sdkError(status, text)
	}
	return nil
}

// handleMCP serves POST and DELETE /mcp.
func (s *Server) handleMCP(c echo.Context) error {
	r := c.Request()
	handler, stateless := s.mcpHandler(r)
	var named *session
	if !stateless {
		var err error
		if named, err = s.mcpSession(c); err != nil {
			return err
		}
	}
	w := newStreamWriter(c.Response())
	ci := connInfo{transport: transportStreamable}
	ctx := r.Context()
	if stateless {
		// One request is the whole session: its end must cancel its calls.
		ci = connInfo{transport: transportStateless, lifetime: ctx}
	} else if r.Method == http.MethodPost && r.Header.Get("Mcp-Session-Id") == "" {
		if s.sessions.calls.isDraining() {
			return fail(codeDraining)
		}
		sess, err := s.sessions.open(transportStreamable, limitKey(c), sessionIdentity(c))
		if err != nil {
			return err
		}
		defer s.sessions.releaseUnclaimed(sess) // no session came of it
		defer func() {
			if r.Context().Err() != nil && !w.answered() {
				s.sessions.abandon(sess) // the client left before it learnt the session id
			}
		}()
		ctx = context.WithValue(ctx, reservationKey{}, sess)
	}
	req := r.WithContext(withConn(ctx, ci))

	var body []byte
	if r.Method == http.MethodPost {
		var err error
		if body, err = s.readBody(c); err != nil {
			return err
		}
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}

	defer w.finish()
	handler.ServeHTTP(w, req)
	if err := plainAnswer(c, w); err != nil {
		return err
	}
	if r.Method == http.MethodDelete && named != nil {
		s.sessions.release(named) // closed by its client: at once, rather than at the next sweep
	}

	if body != nil && !stateless && r.Header.Get("Mcp-Session-Id") != "" && r.Context().Err() != nil && !w.answered() {
		// The client closed the POST before any answer: the SDK keeps stateful calls running
		// (the answer could be resumed), so cancel them as the client would have. (Clients
		// also close the connection after reading an answer; then there is nothing to cancel.)
		if calls := toolCallIDs(body); len(calls) > 0 {
			s.cancelCalls(req, calls)
		}
	}
	return nil
}

// sdkError turns a plain-text error of the SDK's handler into the server's JSON error.
func sdkError(status int, text string) error {
	switch status {
	case http.StatusNotFound:
		return fail(codeNoMCPSession)
	case http.StatusForbidden:
		return fail(codeForbidden)
	case http.StatusMethodNotAllowed:
		return fail(codeMethod)
	case http.StatusUnsupportedMediaType:
		return failDetail(codeMediaType, bound(text))
	case http.StatusRequestEntityTooLarge:
		return fail(codeTooLarge)
	}
	if status >= 500 {
		return fail(codeInternal)
	}
	return failDetail(codeBadRequest, bound(plainBadRequest(text)))
}

func bound(s string) string {
	if len(s) > 200 {
		return strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

// bodyDeadline gives a request that has a body MCP_BODY_READ_TIMEOUT to send it: a read
// deadline on this request's connection alone, set before any handler runs and lifted by
// readBody once the body is in. A server-wide ReadTimeout would also cut the long-lived event
// streams. Set this early, it also covers answers given without reading the body (401, 429):
// net/http then reads the rest of the body to reuse the connection, which a slow sender
// would otherwise hold open forever.
func (s *Server) bodyDeadline(c echo.Context) error {
	if r := c.Request(); r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		_ = http.NewResponseController(c.Response().Writer).SetReadDeadline(time.Now().Add(s.cfg.Limits.BodyReadTimeout))
	}
	return nil
}

// readBody reads a POST body in full, within the body limit and bodyDeadline's deadline, and
// puts it back for the SDK. Reading it here also makes an oversized body a JSON 413 however
// it was sent: the body limit middleware refuses a too large Content-Length up front, but a
// chunked body is only caught while read, and the SDK would answer that in plain text.
func (s *Server) readBody(c echo.Context) ([]byte, error) {
	r := c.Request()
	body, err := io.ReadAll(r.Body)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		// The deadline stays: net/http would otherwise go on reading the rest of the body,
		// byte by byte, to reuse the connection.
		s.logger.WarnContext(r.Context(), "request body too slow: connection cut", "request_id", requestID(c),
			"read_bytes", len(body), "timeout", s.cfg.Limits.BodyReadTimeout)
		c.Response().Header().Set("Connection", "close")
		return nil, fail(codeSlowBody)
	}
	_ = http.NewResponseController(c.Response().Writer).SetReadDeadline(time.Time{})
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return nil, fail(codeTooLarge)
		}
		return nil, fail(codeBadRequest)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return body, nil
}

// toolCallIDs returns the ids of the tools/call requests in a POST body (one message or a
// batch).
func toolCallIDs(body []byte) []json.RawMessage {
	type msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	var batch []msg
	if err := json.Unmarshal(body, &batch); err != nil {
		var one msg
		if json.Unmarshal(body, &one) != nil {
			return nil
		}
		batch = []msg{one}
	}
	var ids []json.RawMessage
	for _, m := range batch {
		if m.Method == "tools/call" && len(m.ID) > 0 {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// cancelCalls sends the session a notifications/cancelled for each call, through the SDK
// handler like any client message, so that the calls' contexts end and their backend requests
// are abandoned.
func (s *Server) cancelCalls(orig *http.Request, ids []json.RawMessage) {
	for _, id := range ids {
		body, _ := json.Marshal(map[string]any{
			"jsonrpc": "2.0",
			"method":  "notifications/cancelled",
			"params":  map[string]any{"requestId": id, "reason": "client closed the request"},
		})
		req := orig.Clone(context.WithoutCancel(orig.Context()))
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		s.streamable.ServeHTTP(discardWriter{h: http.Header{}}, req)
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}
