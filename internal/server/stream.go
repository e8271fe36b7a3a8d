package server

import (
	"io"
	"net/http"
	"strings"
	"sync"
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
	writes  int // body writes: the SDK writes each message (or event) in one

	// A plain-text error the SDK wrote (http.Error) is held back, so that the handler can
	// answer it as JSON in the server's own words instead.
	plainStatus int
	plainText   []byte
}

func newStreamWriter(w http.ResponseWriter) *streamWriter {
	return &streamWriter{w: w, rc: http.NewResponseController(w)}
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

// keepAlive writes an SSE comment if the response is an open event stream.
func (s *streamWriter) keepAlive() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done || !s.stream {
		return nil
	}
	if _, err := io.WriteString(s.w, ": keep-alive\n\n"); err != nil {
		return err
	}
	return s.rc.Flush()
}

// finish stops all further writes; call it before the handler returns.
func (s *streamWriter) finish() {
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
}

// keepAliveEvery sends a comment every interval until the returned stop is called, on a timer
// rather than a goroutine: idle streams are most of a busy server's streams. Idle streams
// would otherwise be cut by proxies and load balancers (nginx after ~60 s, an ALB after its
// idle timeout).
func (s *streamWriter) keepAliveEvery(interval time.Duration) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	var mu sync.Mutex
	var t *time.Timer
	stopped := false
	var fire func()
	fire = func() {
		if s.keepAlive() != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			t.Reset(interval)
		}
	}
	mu.Lock()
	t = time.AfterFunc(interval, fire)
	mu.Unlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
	}
}
