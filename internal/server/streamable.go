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
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

// newStreamableHandler wraps the SDK's Streamable HTTP handler so that every request carries
// its session identity (sessionIdentity) as the SDK's TokenInfo. The SDK remembers the
// TokenInfo.UserID that created a stateful session and answers 403 to any later request of
// that session with another one, so a session can never be used with another credential.
// RequireBearerToken is the SDK's only way to set TokenInfo; the Authorization header it reads
// is replaced (handleMCP) by the identity, which is not secret, which also keeps the real token
// out of the SDK's request extras.
func newStreamableHandler(sdk *mcp.StreamableHTTPHandler) http.Handler {
	verify := func(ctx context.Context, identity string, r *http.Request) (*auth.TokenInfo, error) {
		if _, ok := jana.CallerFrom(r.Context()); !ok || identity == "" {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: identity}, nil
	}
	return auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(sdk)
}

// modernVersion is the first revision without sessions or initialize.
const modernVersion = "2026-07-28"

// handleMCP serves /mcp: Streamable HTTP with sessions (protocol 2025-03-26 to 2025-11-25,
// or without them with MCP_STATELESS), and on the same path, always without sessions, the
// 2026-07-28 revision, whose requests say so in MCP-Protocol-Version.
func (s *Server) handleMCP(c echo.Context) error {
	r := c.Request()
	modern := r.Header.Get("MCP-Protocol-Version") >= modernVersion
	stateless := s.cfg.Transport.Stateless || modern
	handler := s.streamable
	if modern {
		handler = s.modern
	}
	w := newStreamWriter(c.Response())
	newSession := r.Method == http.MethodPost && r.Header.Get("Mcp-Session-Id") == "" && !stateless

	ctx := r.Context()
	if newSession {
		if s.inflight.isDraining() {
			return fail(codeDraining)
		}
		// Count the session now, before the SDK creates it: checking the caps here and
		// counting only after initialize succeeded let a burst of simultaneous initializes
		// all pass the check.
		slot, err := s.sessions.open(transportStreamable, limitKey(c))
		if err != nil {
			return err
		}
		defer slot.releaseUnclaimed() // no session came of it
		defer func() {
			if r.Context().Err() != nil && !w.answered() {
				slot.abandon() // the client left before it learnt the session id
			}
		}()
		ctx = context.WithValue(ctx, slotKey{}, slot)
	}

	if stateless {
		// One request is the whole session: its end must cancel its calls.
		ctx = context.WithValue(withTransport(ctx, transportStateless), lifetimeKey{}, r.Context())
	} else {
		ctx = withTransport(ctx, transportStreamable)
	}
	if r.Method == http.MethodGet {
		// A standalone event stream: keep it alive, and end it on shutdown.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(s.closingCtx, cancel)
		defer stop()
	}
	// The request is ours to change: nothing after this reads the client's Authorization, and
	// a shallow copy saves cloning every header on the hot path.
	r.Header.Set("Authorization", "Bearer "+sessionIdentity(c))
	req := r.WithContext(ctx)

	var body []byte
	if r.Method == http.MethodPost {
		var err error
		if body, err = s.readBody(c); err != nil {
			return err
		}
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}

	defer w.finish()
	if r.Method == http.MethodGet {
		defer w.keepAliveEvery(s.cfg.Transport.KeepAlive)()
	}
	handler.ServeHTTP(w, req)
	if status, text := w.plainError(); status != 0 {
		w.finish()
		c.Response().Header().Del("Content-Type")
		return sdkError(status, text)
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
