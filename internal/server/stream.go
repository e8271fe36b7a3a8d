package server

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// streamWriter serialises writes to one event stream, so that keep-alive comments never land
// inside an event the SDK is writing, and refuses writes once the handler has returned.
type streamWriter struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool // headers written
	stream  bool // the response is text/event-stream
	done    bool
	writes  int          // body writes: the SDK writes each message (or event) in one
	last    atomic.Int64 // UnixNano of the last write, for keep-alives on idle streams

	// A plain-text error the SDK wrote (http.Error) is held back, so that the handler can
	// answer it as JSON in the server's own words instead.
	plainStatus int
	plainText   []byte
}

func newStreamWriter(w http.ResponseWriter) *streamWriter {
	s := &streamWriter{w: w, rc: http.NewResponseController(w)}
	s.last.Store(time.Now().UnixNano())
	return s
}

// idle is how long nothing was written.
func (s *streamWriter) idle(now time.Time) time.Duration {
	return time.Duration(now.UnixNano() - s.last.Load())
}

func (s *streamWriter) Header() http.Header { return s.w.Header() }

func (s *streamWriter) WriteHeader(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeHeaderLocked(status)
}

func (s *streamWriter) writeHeaderLocked(status int) {
	if s.started {
		return
	}
	s.started = true
	if status >= 400 && strings.HasPrefix(s.w.Header().Get("Content-Type"), "text/plain") {
		s.plainStatus = status
		return
	}
	if strings.HasPrefix(s.w.Header().Get("Content-Type"), "text/event-stream") {
		s.stream = true
		// Proxies (nginx) must pass events through as they come, uncompressed.
		s.w.Header().Set("X-Accel-Buffering", "no")
		s.w.Header().Set("Cache-Control", "no-cache")
		s.w.Header().Del("Content-Encoding")
	}
	s.w.WriteHeader(status)
}

func (s *streamWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return 0, io.ErrClosedPipe
	}
	s.writeHeaderLocked(http.StatusOK)
	if s.plainStatus != 0 {
		if len(s.plainText) < 512 {
			s.plainText = append(s.plainText, p[:min(len(p), 512-len(s.plainText))]...)
		}
		return len(p), nil
	}
	s.writes++
	s.last.Store(time.Now().UnixNano())
	if q, changed := rewriteRPCErrors(p); changed {
		if _, err := s.w.Write(q); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return s.w.Write(p)
}

// plainError returns the status and text of a plain-text error that was held back, or 0.
func (s *streamWriter) plainError() (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.plainStatus, strings.TrimSpace(string(s.plainText))
}

// answered reports whether any message was written to the response body.
func (s *streamWriter) answered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes > 0
}

// Flush implements http.Flusher (the SDK flushes after every event).
func (s *streamWriter) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done && s.plainStatus == 0 {
		_ = s.rc.Flush()
	}
}

// keepAliveWriteTimeout bounds a keep-alive's write: a client that cannot take a comment in
// this long is gone (or not reading), and its stream is ended.
const keepAliveWriteTimeout = 10 * time.Second

// keepAlive writes an SSE comment if the response is an open event stream.
func (s *streamWriter) keepAlive() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done || !s.stream {
		return nil
	}
	_ = s.rc.SetWriteDeadline(time.Now().Add(keepAliveWriteTimeout))
	defer func() { _ = s.rc.SetWriteDeadline(time.Time{}) }()
	if _, err := io.WriteString(s.w, ": keep-alive\n\n"); err != nil {
		return err
	}
	s.last.Store(time.Now().UnixNano())
	return s.rc.Flush()
}

// finish stops all further writes; call it before the handler returns.
func (s *streamWriter) finish() {
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
}
