package testenv

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// In-process parts, for tests that run a request many times (fuzz targets): no listener, no
// sockets, no goroutines beyond what the server itself starts.

// NewSandbox builds a sandbox Jana that is not served: reach it through HandlerTransport.
func NewSandbox(t testing.TB, cfg sandbox.Config) *sandbox.Sandbox {
	t.Helper()
	ds, err := dataset()
	if err != nil {
		t.Fatalf("building dataset: %v", err)
	}
	sb, err := sandbox.NewFromDataset(cfg, ds)
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	return sb
}

// HandlerTransport is an http.RoundTripper that serves each request with Handler in the
// caller's goroutine and returns the recorded answer, so that a server can reach an
// in-process sandbox (server.Options.Transport) with no connection at all.
type HandlerTransport struct {
	Handler http.Handler
}

// RoundTrip implements http.RoundTripper.
func (h HandlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	in := r.Clone(r.Context()) // a round tripper must not change its request
	in.RequestURI = r.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:1"
	if in.Host == "" {
		in.Host = r.URL.Host
	}
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	h.Handler.ServeHTTP(rec, in)
	if r.Body != nil {
		_ = r.Body.Close()
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// PanicMessage is what the server logs when it recovers a panic (internal/server/recover.go).
const PanicMessage = "panic recovered"

// Panics is a slog.Handler for a server under test that counts the panics the server
// recovered and keeps the last one's log record. It discards everything else, and is enabled
// only at error level so that the server skips building its other log lines. A fuzz target
// must fail when the count grows: the server recovers panics, so they never reach the fuzzer
// on their own.
type Panics struct {
	n    atomic.Int64
	mu   sync.Mutex
	last string
}

// Count returns how many panics were recovered so far.
func (p *Panics) Count() int64 { return p.n.Load() }

// Last returns the last recovered panic's log record: where, the panic value and its stack.
func (p *Panics) Last() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// Enabled implements slog.Handler.
func (p *Panics) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

// Handle implements slog.Handler.
func (p *Panics) Handle(_ context.Context, r slog.Record) error {
	if r.Message != PanicMessage {
		return nil
	}
	text := r.Message
	r.Attrs(func(a slog.Attr) bool {
		text += "\n" + a.Key + ": " + a.Value.String()
		return true
	})
	p.mu.Lock()
	p.last = text
	p.mu.Unlock()
	p.n.Add(1)
	return nil
}

// WithAttrs implements slog.Handler.
func (p *Panics) WithAttrs([]slog.Attr) slog.Handler { return p }

// WithGroup implements slog.Handler.
func (p *Panics) WithGroup(string) slog.Handler { return p }
