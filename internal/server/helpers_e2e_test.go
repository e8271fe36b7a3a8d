package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// eventually polls cond every 20 ms until it holds or timeout passes, and reports whether it
// held. Tests wait for asynchronous effects this way instead of sleeping a fixed time.
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// response is one HTTP answer read in full (event streams are not read; see openStream).
type response struct {
	status int
	header http.Header
	body   string
}

// errorJSON is the server's JSON error body.
type errorJSON struct {
	Error      string `json:"error"`
	Code       string `json:"code"`
	RetryAfter int    `json:"retry_after"`
	RequestID  string `json:"request_id"`
}

func (r response) errorBody(t *testing.T) errorJSON {
	t.Helper()
	var e errorJSON
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("status %d: Content-Type %q, want JSON: %s", r.status, r.header.Get("Content-Type"), r.body)
		return e
	}
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Code == "" || e.Error == "" {
		t.Errorf("status %d: body is not the JSON error shape: %s", r.status, r.body)
	}
	return e
}

// request is an HTTP request for send: an empty host keeps the URL's, chunked sends the body
// without Content-Length, client defaults to http.DefaultClient.
type request struct {
	method, url, body string
	header            map[string]string
	host              string
	chunked           bool
	client            *http.Client
	// readStream reads an event-stream answer in full too (a POST's stream ends with its
	// answer); otherwise the connection is closed at once.
	readStream bool
}

// send performs r, failing the test if no answer comes. An event stream's body is not read:
// the connection is closed at once, which ends the stream on the server.
func send(t *testing.T, r request) response {
	t.Helper()
	resp, err := trySend(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.url, err)
	}
	return resp
}

// trySend is send for goroutines other than the test's: it returns the error.
func trySend(r request) (response, error) {
	var body io.Reader = strings.NewReader(r.body)
	if r.chunked {
		body = io.MultiReader(body) // an unknown length: sent chunked
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return response{}, err
	}
	for k, v := range r.header {
		if k == "Host" {
			req.Host = v // a header of that name would not be sent
			continue
		}
		req.Header.Set(k, v)
	}
	if r.host != "" {
		req.Host = r.host
	}
	client := r.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	out := response{status: resp.StatusCode, header: resp.Header}
	if r.readStream || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return out, err
		}
		out.body = string(data)
	}
	return out, nil
}

// clientFrom returns an HTTP client whose connections leave from the loopback address ip
// (e.g. 127.0.0.2), so that one test can be several client IPs.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// sseLine is one line of an event stream as the client read it.
type sseLine struct {
	text string
	at   time.Time
}

// stream is an open event stream (GET /sse or GET /mcp) read line by line.
type stream struct {
	resp   *http.Response
	cancel context.CancelFunc
	lines  chan sseLine // closed when the server ends the stream
}

// openStream starts a GET and returns the stream once headers arrived, or the full answer
// when it is not an event stream. A connection error is reported with t.Errorf (so that
// goroutines may call it) and returns status 0.
func openStream(t *testing.T, url string, header map[string]string) (*stream, response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		t.Errorf("GET %s: %v", url, err)
		return nil, response{}
	}
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Errorf("GET %s: %v", url, err)
		return nil, response{}
	}
	r := response{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		cancel()
		r.body = string(data)
		return nil, r
	}
	s := &stream{resp: resp, cancel: cancel, lines: make(chan sseLine, 1024)}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
		for sc.Scan() {
			s.lines <- sseLine{text: sc.Text(), at: time.Now()}
		}
	}()
	t.Cleanup(s.close)
	return s, r
}

// close drops the stream from the client side.
func (s *stream) close() {
	s.cancel()
	s.resp.Body.Close()
}

// next returns the next line that satisfies match, or false when the stream ended or timeout
// passed.
func (s *stream) next(timeout time.Duration, match func(string) bool) (sseLine, bool) {
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				return sseLine{}, false
			}
			if match(l.text) {
				return l, true
			}
		case <-deadline:
			return sseLine{}, false
		}
	}
}

// ended reports whether the server closed the stream within timeout.
func (s *stream) ended(timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-s.lines:
			if !ok {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// endpoint reads the legacy transport's first event and returns the POST URL it names.
func (s *stream) endpoint(t *testing.T, base string) string {
	t.Helper()
	l, ok := s.next(5*time.Second, func(l string) bool { return strings.HasPrefix(l, "data: ") })
	if !ok {
		t.Fatal("no endpoint event on the SSE stream")
	}
	return base + strings.TrimPrefix(l.text, "data: ")
}

// message returns the data of the next JSON-RPC message on the stream with the given id.
func (s *stream) message(timeout time.Duration, id int) (string, bool) {
	want := `"id":` + strings.TrimSpace(string(mustJSON(id)))
	l, ok := s.next(timeout, func(l string) bool {
		return strings.HasPrefix(l, "data: ") && strings.Contains(l, want)
	})
	return strings.TrimPrefix(l.text, "data: "), ok
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// rpc is a JSON-RPC request body.
func rpc(id int, method string, params any) string {
	m := map[string]any{"jsonrpc": "2.0", "method": method}
	if id != 0 {
		m["id"] = id
	}
	if params != nil {
		m["params"] = params
	}
	return string(mustJSON(m))
}

// toolCall is a tools/call request body.
func toolCall(id int, tool string, args map[string]any) string {
	return rpc(id, "tools/call", map[string]any{"name": tool, "arguments": args})
}

const initialized = `{"jsonrpc":"2.0","method":"notifications/initialized"}`

// sseSession opens a legacy SSE session by hand: the stream, initialize and initialized. It
// returns the stream and the URL to POST messages to.
func sseSession(t *testing.T, base, query string, header map[string]string) (*stream, string) {
	t.Helper()
	s, r := openStream(t, base+"/sse"+query, header)
	if s == nil {
		t.Fatalf("GET /sse: %d %s", r.status, r.body)
	}
	post := s.endpoint(t, base)
	h := with(header, "Content-Type", "application/json")
	if r := send(t, request{method: http.MethodPost, url: post, header: h, body: initialize}); r.status != http.StatusAccepted {
		t.Fatalf("initialize: %d %s", r.status, r.body)
	}
	if _, ok := s.message(5*time.Second, 1); !ok {
		t.Fatal("no initialize result on the SSE stream")
	}
	if r := send(t, request{method: http.MethodPost, url: post, header: h, body: initialized}); r.status != http.StatusAccepted {
		t.Fatalf("initialized: %d %s", r.status, r.body)
	}
	return s, post
}

// mcpSession opens a stateful Streamable HTTP session by hand and returns the headers that
// address it.
func mcpSession(t *testing.T, base string, header map[string]string) map[string]string {
	t.Helper()
	r := send(t, request{method: http.MethodPost, url: base + "/mcp", header: with(jsonRPCHeaders, flat(header)...), body: initialize})
	sid := r.header.Get("Mcp-Session-Id")
	if r.status != http.StatusOK || sid == "" {
		t.Fatalf("initialize: %d %s", r.status, r.body)
	}
	h := with(jsonRPCHeaders, append(flat(header), "Mcp-Session-Id", sid, "MCP-Protocol-Version", "2025-06-18")...)
	if r := send(t, request{method: http.MethodPost, url: base + "/mcp", header: h, body: initialized}); r.status != http.StatusAccepted {
		t.Fatalf("initialized: %d %s", r.status, r.body)
	}
	return h
}

func flat(h map[string]string) []string {
	var kv []string
	for k, v := range h {
		kv = append(kv, k, v)
	}
	return kv
}

// metrics is one scrape of /metrics.
type metrics map[string]*dto.MetricFamily

func scrape(t *testing.T, base string) (metrics, string) {
	t.Helper()
	r := send(t, request{method: http.MethodGet, url: base + "/metrics"})
	if r.status != http.StatusOK {
		t.Fatalf("/metrics: %d %s", r.status, r.body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams, r.body
}

// value sums the series of name whose labels include every name=value pair given: counter
// and gauge values, histogram sample counts.
func (m metrics) value(name string, labels ...string) float64 {
	fam := m[name]
	if fam == nil {
		return 0
	}
	var sum float64
	for _, s := range fam.GetMetric() {
		if !hasLabels(s, labels) {
			continue
		}
		switch {
		case s.Counter != nil:
			sum += s.Counter.GetValue()
		case s.Gauge != nil:
			sum += s.Gauge.GetValue()
		case s.Histogram != nil:
			sum += float64(s.Histogram.GetSampleCount())
		case s.Untyped != nil:
			sum += s.Untyped.GetValue()
		}
	}
	return sum
}

func hasLabels(s *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range s.GetLabel() {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// logLines decodes the server's JSON log lines.
func logLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		out = append(out, m)
	}
	return out
}
