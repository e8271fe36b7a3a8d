package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// recoverMCP is the outermost MCP middleware: a panic while serving one message (a tool call,
// or any request the SDK hands us) is logged with its stack and an id, counted, and answered
// with an error naming that id; the session and the process carry on. The SDK serves each
// message in a goroutine of its own, where nothing else would recover it.
//
// It also gives every tools/call its call id, which the logs, the panic answer and the
// tool's own internal-error answers share.
func (s *Server) recoverMCP(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (res mcp.Result, err error) {
		if method == "tools/call" {
			growStack()
		}
		id := rand.Text()[:12]
		ctx = toolkit.WithCallID(ctx, id)
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			s.panicked(ctx, "mcp", method, id, r)
			if call, ok := req.(*mcp.CallToolRequest); ok {
				text := fmt.Sprintf("Internal error in %s (call id %s). It has been logged; retrying will not help until it is fixed.", call.Params.Name, id)
				tr := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
				tr.IsError = true
				res, err = tr, nil
				return
			}
			res, err = nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError,
				Message: fmt.Sprintf("internal error serving %s (id %s); it has been logged", method, id)}
		}()
		return next(ctx, method, req)
	}
}

// growStack grows the calling goroutine's stack to 32 KiB in one step, while it is shallow.
// The SDK serves each message on a new goroutine, whose stack starts small; a tool call grew
// it two or three times on its way down, each time copying a deeper stack (about a tenth of
// the server's time for a light call). Goroutines end with their call, so the stack is only
// held while a call runs.
//
//go:noinline
func growStack() {
	var frame [16 << 10]byte
	touch(frame[:])
}

//go:noinline
func touch(b []byte) { b[len(b)-1] = 1 }

// recoverHTTP does the same for the HTTP handlers: a panic becomes a logged, counted 500
// with the request id, not a dropped connection. (front does this for every route.)
func (s *Server) recoverHTTP(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = s.recovered(c, r)
			}
		}()
		return next(c)
	}
}

// recovered handles a panic recovered while serving c: it is logged with its stack and
// counted, and the request answered with a 500.
func (s *Server) recovered(c echo.Context, r any) error {
	if r == http.ErrAbortHandler {
		panic(r) // net/http's own way of aborting a response
	}
	s.panicked(c.Request().Context(), "http", c.Request().Method+" "+c.Path(), requestID(c), r)
	return fail(codeInternal)
}

// panicked logs and counts a recovered panic.
func (s *Server) panicked(ctx context.Context, where, what, id string, r any) {
	stack := debug.Stack()
	var pe *toolkit.PanicError
	if e, ok := r.(error); ok && errors.As(e, &pe) {
		r, stack = pe.Value, pe.Stack // raised again from a tool's goroutine: its own stack
	}
	s.metrics.panics.WithLabelValues(where).Inc()
	s.logger.ErrorContext(ctx, "panic recovered", "where", where, "method", what, "call_id", id,
		"panic", fmt.Sprint(r), "stack", string(stack))
}
