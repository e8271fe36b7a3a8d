package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// Fuzz targets for the JSON-RPC body of each transport. The server runs in process with the
// sandbox Jana behind it (no sockets: requests go straight to the handlers), built once per
// fuzzing worker. An input is one POST body, a message or a batch; the streamable targets
// also take the protocol version the client claims. The server recovers panics, so each
// target fails when the count of recovered panics grows; a panic the server does not recover
// ends the worker, which the fuzzer reports too.

// protocolVersions are the Mcp-Protocol-Version headers a streamable input can claim ("" is
// a client that sends none, which the SDK reads as 2025-03-26, the last revision with
// batches).
var protocolVersions = []string{"", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"}

// Seed versions: the index in protocolVersions.
const (
	seedNoVersion = 0
	seedCurrent   = 3 // what desktop clients speak
	seedStateless = 4 // the sessionless revision
)

// answerTimeout bounds the wait for an answer: the sandbox answers in milliseconds, so a
// request unanswered after this is stuck. subscriptions/listen legitimately waits for the
// client to go away: it gets listenTimeout.
const (
	answerTimeout = 10 * time.Second
	listenTimeout = 100 * time.Millisecond
)

func FuzzStreamableStateful(f *testing.F) {
	addStreamableSeeds(f)
	h := newFuzzServer(f, false)
	sess := &statefulSession{h: h}
	sess.open(f)
	f.Fuzz(func(t *testing.T, version uint8, body []byte) {
		h.check(t, body, func() error { return sess.post(t, protocolVersions[int(version)%len(protocolVersions)], body) })
	})
}

func FuzzStreamableStateless(f *testing.F) {
	addStreamableSeeds(f)
	h := newFuzzServer(f, true)
	f.Fuzz(func(t *testing.T, version uint8, body []byte) {
		h.check(t, body, func() error {
			rec, timedOut := h.post("/mcp", streamableHeader(protocolVersions[int(version)%len(protocolVersions)], "", body), body)
			return answered(rec, timedOut, body)
		})
	})
}

func FuzzSSEMessages(f *testing.F) {
	for _, body := range seedBodies(f) {
		if !bytes.HasPrefix(body, []byte("[")) { // legacy SSE takes one message per POST
			f.Add(body)
		}
	}
	f.Add([]byte(`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`))
	h := newFuzzServer(f, false)
	sess := &sseStream{h: h}
	sess.open(f)
	f.Cleanup(sess.close)
	f.Fuzz(func(t *testing.T, body []byte) {
		h.check(t, body, func() error { return sess.post(t, body) })
	})
}

// fuzzServer is a server under fuzzing: its handler, and the panics it recovered.
type fuzzServer struct {
	handler http.Handler
	panics  *testenv.Panics
}

// newFuzzServer serves the whole catalogue with the service account, with the cache on (its
// hits keep repeated calls cheap) and no rate limits, keep-alives or logs below error level.
func newFuzzServer(f *testing.F, stateless bool) *fuzzServer {
	sb := testenv.NewSandbox(f, sandbox.Config{})
	cfg := testenv.Config(f, "http://jana.test", map[string]string{
		"MCP_AUTH_MODE":     "service",
		"JANA_TOKEN":        sb.DemoToken(),
		"LOG_LEVEL":         "warn",
		"MCP_STATELESS":     fmt.Sprint(stateless),
		"MCP_SSE_KEEPALIVE": "0",
		"MCP_ALLOWED_HOSTS": "example.com", // httptest's requests' Host
	})
	panics := &testenv.Panics{}
	srv, err := server.New(cfg, slog.New(panics), server.Options{Transport: testenv.HandlerTransport{Handler: sb.Handler()}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })
	return &fuzzServer{handler: srv.Handler(), panics: panics}
}

// check runs one input and fails the test on an error or on any panic the server recovered
// meanwhile.
func (h *fuzzServer) check(t *testing.T, body []byte, run func() error) {
	t.Helper()
	before := h.panics.Count()
	err := run()
	if n := h.panics.Count(); n != before {
		t.Fatalf("the server recovered a panic serving %q:\n%s", bound(body), h.panics.Last())
	}
	if err != nil {
		t.Fatalf("%q: %v", bound(body), err)
	}
}

// post serves one POST in process and returns its recorded answer. It reports a timeout when
// the request was still unanswered after answerTimeout.
func (h *fuzzServer) post(target string, header http.Header, body []byte) (*httptest.ResponseRecorder, bool) {
	timeout := answerTimeout
	if bytes.Contains(body, []byte("subscriptions/listen")) {
		timeout = listenTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	req.Header = header
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec, ctx.Err() != nil && timeout == answerTimeout
}

// answered checks an answer to a POST: the server may refuse an input, but never with a 5xx
// (its own failure) and never by leaving it unanswered.
func answered(rec *httptest.ResponseRecorder, timedOut bool, body []byte) error {
	if timedOut {
		return fmt.Errorf("no answer within %s (status so far %d)", answerTimeout, rec.Code)
	}
	if rec.Code >= 500 {
		return fmt.Errorf("status %d: %s", rec.Code, bound(rec.Body.Bytes()))
	}
	return nil
}

// streamableHeader is what a Streamable HTTP client sends with body at version: from
// 2026-07-28 on, that includes the Mcp-Method and Mcp-Name headers, which repeat the body's
// method and the name it calls.
func streamableHeader(version, session string, body []byte) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	if session != "" {
		h.Set("Mcp-Session-Id", session)
	}
	if version == "" {
		return h
	}
	h.Set("Mcp-Protocol-Version", version)
	if version < "2026-07-28" {
		return h
	}
	var msg struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
			URI  string `json:"uri"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) == nil && msg.Method != "" {
		h.Set("Mcp-Method", msg.Method)
		switch msg.Method {
		case "tools/call", "prompts/get":
			h.Set("Mcp-Name", msg.Params.Name)
		case "resources/read":
			h.Set("Mcp-Name", msg.Params.URI)
		}
	}
	return h
}

// statefulSession is one stateful Streamable HTTP session, opened again whenever an input
// ends it.
type statefulSession struct {
	h       *fuzzServer
	id      string
	pings   int
	reopens int
}

const initializeBody = `{"jsonrpc":"2.0","id":"fuzz-init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"0"}}}`

func (s *statefulSession) open(t testing.TB) {
	t.Helper()
	rec, _ := s.h.post("/mcp", streamableHeader("", "", []byte(initializeBody)), []byte(initializeBody))
	s.id = rec.Header().Get("Mcp-Session-Id")
	if rec.Code != http.StatusOK || s.id == "" {
		t.Fatalf("initialize: status %d, session %q: %s", rec.Code, s.id, rec.Body)
	}
	const initialized = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	rec, _ = s.h.post("/mcp", streamableHeader("2025-11-25", s.id, []byte(initialized)), []byte(initialized))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("initialized: status %d: %s", rec.Code, rec.Body)
	}
	s.reopens++
}

// post sends body on the session. Notifications are handled after their POST is answered
// (202), one by one in order: a ping after them returns once they were handled, so that a
// panic they cause is charged to this input.
func (s *statefulSession) post(t *testing.T, version string, body []byte) error {
	rec, timedOut := s.h.post("/mcp", streamableHeader(version, s.id, body), body)
	if err := answered(rec, timedOut, body); err != nil {
		return err
	}
	// A 404 may mean that the input ended the session, or be the 2026-07-28 answer to an
	// unknown method: the ping tells, and opens a new session in the first case.
	if rec.Code == http.StatusAccepted || rec.Code == http.StatusNotFound || bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
		return s.ping(t)
	}
	return nil
}

func (s *statefulSession) ping(t *testing.T) error {
	s.pings++
	ping := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":"fuzz-sync-%d","method":"ping"}`, s.pings)
	rec, timedOut := s.h.post("/mcp", streamableHeader("2025-11-25", s.id, ping), ping)
	if err := answered(rec, timedOut, ping); err != nil {
		return fmt.Errorf("ping after the input: %w", err)
	}
	if rec.Code == http.StatusNotFound {
		s.open(t)
		return nil
	}
	if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"result":{}`)) {
		return fmt.Errorf("ping after the input: status %d: %s", rec.Code, bound(rec.Body.Bytes()))
	}
	return nil
}

// sseStream is one legacy SSE session: a GET /sse served in a goroutine, whose stream is read
// as it comes, and the /messages URL its endpoint event named. Answers arrive on the stream;
// post waits for the answer to each call it sends.
type sseStream struct {
	h        *fuzzServer
	messages string // /messages?session_id=…
	cancel   context.CancelFunc
	done     chan struct{}

	mu      sync.Mutex
	waiting map[string]chan struct{} // id of a call sent → closed when its answer arrives
	pings   int
}

func (s *sseStream) open(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	s.mu.Lock()
	s.waiting = map[string]chan struct{}{}
	s.mu.Unlock()
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, w: pw}
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/sse", nil)
	req.Header.Set("Accept", "text/event-stream")
	go func() {
		s.h.handler.ServeHTTP(w, req)
		_ = pw.Close()
	}()
	endpoint := make(chan string, 1)
	go s.read(pr, endpoint)
	select {
	case s.messages = <-endpoint:
	case <-time.After(answerTimeout):
		t.Fatal("no endpoint event on the SSE stream")
	}
	if s.messages == "" {
		t.Fatalf("the SSE stream ended before its endpoint event (status %d)", w.status)
	}
	if err := s.call(t, []byte(initializeBody), strID("fuzz-init")); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if rec := s.send([]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)); rec.Code != http.StatusAccepted {
		t.Fatalf("initialized: status %d: %s", rec.Code, rec.Body)
	}
}

func (s *sseStream) close() {
	s.cancel()
	<-s.done
}

// read reads the event stream: the endpoint event first, then answers, each of which releases
// the post waiting for it.
func (s *sseStream) read(r io.Reader, endpoint chan<- string) {
	defer close(s.done)
	defer close(endpoint)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "endpoint":
			endpoint <- strings.TrimPrefix(line, "data: ")
		case strings.HasPrefix(line, "data: ") && event == "message":
			msg, err := jsonrpc.DecodeMessage([]byte(strings.TrimPrefix(line, "data: ")))
			if resp, ok := msg.(*jsonrpc.Response); err == nil && ok {
				s.mu.Lock()
				if ch, ok := s.waiting[idKey(resp.ID)]; ok {
					close(ch)
					delete(s.waiting, idKey(resp.ID))
				}
				s.mu.Unlock()
			}
		}
	}
	_, _ = io.Copy(io.Discard, r) // a line too long for the scanner: keep the stream flowing
}

// post delivers body to the session. A call that the server accepted (202) must be answered
// on the stream; after anything else accepted (notifications and answers to the server) a
// ping shows that it was handled. An input that ends the session makes it open again.
func (s *sseStream) post(t *testing.T, body []byte) error {
	msg, err := jsonrpc.DecodeMessage(body)
	if req, ok := msg.(*jsonrpc.Request); err == nil && ok && req.IsCall() {
		return s.call(t, body, idKey(req.ID))
	}
	rec := s.send(body)
	switch {
	case rec.Code >= 500:
		return fmt.Errorf("status %d: %s", rec.Code, bound(rec.Body.Bytes()))
	case s.gone(rec):
		s.reopen(t)
	case rec.Code == http.StatusAccepted:
		s.pings++
		id := fmt.Sprintf("fuzz-sync-%d", s.pings)
		return s.call(t, fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%q,"method":"ping"}`, id), strID(id))
	}
	return nil
}

// call sends a call and waits for its answer.
func (s *sseStream) call(t testing.TB, body []byte, id string) error {
	ch := make(chan struct{})
	s.mu.Lock()
	s.waiting[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiting, id)
		s.mu.Unlock()
	}()
	rec := s.send(body)
	switch {
	case rec.Code >= 500:
		return fmt.Errorf("status %d: %s", rec.Code, bound(rec.Body.Bytes()))
	case s.gone(rec):
		s.reopen(t)
		return nil
	case rec.Code != http.StatusAccepted:
		return nil // refused: nothing will come on the stream
	}
	timeout := answerTimeout
	if bytes.Contains(body, []byte("subscriptions/listen")) {
		timeout = listenTimeout
	}
	select {
	case <-ch:
		return nil
	case <-s.done:
		s.reopen(t)
		return nil
	case <-time.After(timeout):
		if timeout == listenTimeout {
			return nil
		}
		return fmt.Errorf("call %s was accepted but not answered on the stream within %s", id, timeout)
	}
}

func (s *sseStream) send(body []byte) *httptest.ResponseRecorder {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	rec, _ := s.h.post(s.messages, h, body)
	return rec
}

// gone reports whether an answer says the session no longer exists.
func (s *sseStream) gone(rec *httptest.ResponseRecorder) bool {
	return rec.Code == http.StatusNotFound || strings.Contains(rec.Body.String(), "session closed")
}

func (s *sseStream) reopen(t testing.TB) {
	s.close()
	s.open(t)
}

// pipeWriter is the ResponseWriter of an SSE stream served in process: what the server
// writes can be read from the other end of the pipe as it is written.
type pipeWriter struct {
	header http.Header
	status int
	w      *io.PipeWriter
}

func (p *pipeWriter) Header() http.Header         { return p.header }
func (p *pipeWriter) WriteHeader(status int)      { p.status = status }
func (p *pipeWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p *pipeWriter) Flush()                      {}

// idKey identifies a JSON-RPC id: 1 and "1" are different ids.
func idKey(id jsonrpc.ID) string { return fmt.Sprintf("%T:%v", id.Raw(), id.Raw()) }

func strID(s string) string {
	id, err := jsonrpc.MakeID(s)
	if err != nil {
		panic(err) // a string is always an id
	}
	return idKey(id)
}

// bound shortens an input for a failure message.
func bound(b []byte) []byte {
	if len(b) > 2000 {
		return append(b[:2000:2000], "…"...)
	}
	return b
}

// addStreamableSeeds adds every seed body at the current revision; batches, which only
// 2025-03-26 allows, without a version header; and the stateless-only revision's requests.
func addStreamableSeeds(f *testing.F) {
	for _, body := range seedBodies(f) {
		if bytes.HasPrefix(body, []byte("[")) {
			f.Add(uint8(seedNoVersion), body)
			continue
		}
		f.Add(uint8(seedCurrent), body)
	}
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"fuzz","version":"0"},"io.modelcontextprotocol/clientCapabilities":{}}`
	for _, body := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{` + meta + `}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{` + meta + `}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_pollutants","arguments":{"limit":2},` + meta + `}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_station","arguments":null,` + meta + `}}`,
		`{"jsonrpc":"2.0","id":5,"method":"subscriptions/listen","params":{` + meta + `}}`,
		`{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{}}`,
	} {
		f.Add(uint8(seedStateless), []byte(body))
	}
}

// seedBodies are JSON-RPC bodies a client could send, good and bad: every method the server
// serves, tools/call of every tool with its example arguments and with arguments of every
// wrong kind, batches, notifications, answers, and malformed JSON.
func seedBodies(f *testing.F) [][]byte {
	listed, err := tools.Listed(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	add := func(s string) { out = append(out, []byte(s)) }
	id := 100
	call := func(method, params string) string {
		id++
		if params == "" {
			return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q}`, id, method)
		}
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, id, method, params)
	}
	for _, tool := range listed {
		example, err := testenv.ExampleArguments(tool.InputSchema)
		if err != nil {
			f.Fatal(err)
		}
		name, _ := json.Marshal(tool.Name)
		for _, args := range []string{string(example), `null`, `[]`, `"x"`, `{"a":{"b":[1,{"c":null}]}}`} {
			add(call("tools/call", `{"name":`+string(name)+`,"arguments":`+args+`}`))
		}
		add(call("tools/call", `{"name":`+string(name)+`}`))
	}
	for _, body := range []string{
		initializeBody,
		call("ping", ""),
		call("ping", `{}`),
		call("tools/list", `{}`),
		call("tools/list", `{"cursor":"x"}`),
		call("tools/call", `{"name":"no_such_tool","arguments":{}}`),
		call("tools/call", `{"arguments":{}}`),
		call("tools/call", `null`),
		call("tools/call", `[]`),
		call("resources/list", `{}`),
		call("resources/templates/list", `{}`),
		call("resources/read", `{"uri":"file:///etc/passwd"}`),
		call("prompts/list", `{}`),
		call("prompts/get", `{"name":"x"}`),
		call("completion/complete", `{"ref":{"type":"ref/prompt","name":"x"},"argument":{"name":"a","value":"b"}}`),
		call("logging/setLevel", `{"level":"debug"}`),
		call("logging/setLevel", `{"level":"nonsense"}`),
		call("no/such/method", `{}`),
		call("sampling/createMessage", `{}`),
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":"x"}}`,
		`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`,
		`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1}}`,
		`{"jsonrpc":"2.0","method":"notifications/no_such"}`,
		`{"jsonrpc":"2.0","id":7,"result":{}}`,
		`{"jsonrpc":"2.0","id":8,"error":{"code":-32601,"message":"x"}}`,
		`[` + call("ping", "") + `,` + call("tools/list", `{}`) + `]`,
		`[` + call("tools/call", `{"name":"list_pollutants","arguments":{"limit":1}}`) + `,{"jsonrpc":"2.0","method":"notifications/initialized"}]`,
		`[{"jsonrpc":"2.0","method":"notifications/initialized"}]`,
		`[` + call("ping", "") + `,` + call("ping", "") + `]`,
		`[]`,
		`[1]`,
		`{}`,
		`null`,
		`"x"`,
		`{`,
		``,
		`{"jsonrpc":"1.0","id":1,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}`,
		`{"jsonrpc":"2.0","id":null,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":1.5,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":1e400,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":"","method":""}`,
		`{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_pollutants","arguments":{"limit":1},"_meta":{"progressToken":"p"}}}`,
	} {
		add(body)
	}
	return out
}
