package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

// newStreamableHandler wraps the SDK's Streamable HTTP handler so that every request carries
// its caller as the SDK's TokenInfo. The SDK remembers the TokenInfo.UserID that created a
// stateful session and answers 403 to any later request of that session with another one, so
// a session can never be used with another user's token. RequireBearerToken is the SDK's only
// way to set TokenInfo; the Authorization header it reads is replaced (handleMCP) by the
// caller's non-secret key, which also keeps the real token out of the SDK's request extras.
func newStreamableHandler(sdk *mcp.StreamableHTTPHandler) http.Handler {
	verify := func(ctx context.Context, _ string, r *http.Request) (*auth.TokenInfo, error) {
		caller, ok := jana.CallerFrom(r.Context())
		if !ok {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: caller.Key()}, nil
	}
	return auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(sdk)
}

// handleMCP serves /mcp (Streamable HTTP, protocol 2025-03-26 to 2025-11-25; with
// MCP_STATELESS also the sessionless 2026-07-28 revision).
func (s *Server) handleMCP(c echo.Context) error {
	r := c.Request()
	caller := callerOf(c)
	stateless := s.cfg.Transport.Stateless
	newSession := r.Method == http.MethodPost && r.Header.Get("Mcp-Session-Id") == "" && !stateless

	ctx := r.Context()
	if newSession {
		if s.inflight.isDraining() {
			return fail(codeDraining)
		}
		// Count the session now, before the SDK creates it: checking the caps here and
		// counting only after initialize succeeded let a burst of simultaneous initializes
		// all pass the check.
		slot, err := s.sessions.open(transportStreamable, caller.Key())
		if err != nil {
			return err
		}
		defer slot.releaseUnclaimed() // no session came of it
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
	r.Header.Set("Authorization", "Bearer "+caller.Key())
	req := r.WithContext(ctx)

	var body []byte
	if r.Method == http.MethodPost {
		var err error
		if body, err = bufferBody(req); err != nil {
			return err
		}
	}

	w := newStreamWriter(c.Response())
	defer w.finish()
	if r.Method == http.MethodGet {
		defer w.keepAliveEvery(s.cfg.Transport.KeepAlive)()
	}
	s.streamable.ServeHTTP(w, req)

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

// bufferBody reads a POST body in full, within the body limit, and puts it back for the SDK.
// Reading it here makes an oversized body a JSON 413 however it was sent: the body limit
// middleware refuses a too large Content-Length up front, but a chunked body is only caught
// while read, and the SDK would answer that in plain text.
func bufferBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
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
