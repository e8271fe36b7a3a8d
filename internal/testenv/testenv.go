// Package testenv starts real parts for tests: the sandbox Jana on a loopback listener, the
// MCP server in front of it on another, and official go-sdk clients over each transport.
package testenv

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/janaconfig"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv/syncbuf"
)

// dataset is built once per test binary: every sandbox of a package shares it.
var dataset = sync.OnceValues(func() (*data.Dataset, error) {
	return data.Build(context.Background(), 0)
})

// Sandbox is a running sandbox Jana.
type Sandbox struct {
	*sandbox.Sandbox
	URL   string
	Token string // the demo user's token

	mu      sync.Mutex
	started []string // paths of the requests that reached the sandbox, in order
	traces  []string // their traceparent headers
}

// StartSandbox serves a sandbox with cfg on 127.0.0.1 until the test ends.
func StartSandbox(t testing.TB, cfg sandbox.Config) *Sandbox {
	t.Helper()
	ds, err := dataset()
	if err != nil {
		t.Fatalf("building dataset: %v", err)
	}
	sb, err := sandbox.NewFromDataset(cfg, ds)
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	s := &Sandbox{Sandbox: sb, Token: sb.DemoToken()}
	s.URL = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.started = append(s.started, r.URL.Path)
		s.traces = append(s.traces, r.Header.Get("Traceparent"))
		s.mu.Unlock()
		sb.Handler().ServeHTTP(w, r)
	}))
	return s
}

// Started counts the requests whose path ends with pathSuffix that have reached the sandbox,
// finished or not. (sandbox.Config.Observer reports requests only once they end; this tells
// a test that a slow request is in flight.)
func (s *Sandbox) Started(pathSuffix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.started {
		if strings.HasSuffix(p, pathSuffix) {
			n++
		}
	}
	return n
}

// Traceparents returns the traceparent headers of the requests whose path ends with pathSuffix.
func (s *Sandbox) Traceparents(pathSuffix string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for i, p := range s.started {
		if strings.HasSuffix(p, pathSuffix) {
			out = append(out, s.traces[i])
		}
	}
	return out
}

func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// Config returns a server configuration for backendURL from env-style settings (the same
// path as production), with limits opened up for tests unless settings say otherwise.
func Config(t testing.TB, backendURL string, settings map[string]string) config.Config {
	t.Helper()
	env := map[string]string{
		"JANA_BACKEND_URL":        backendURL,
		"MCP_SERVER_HOST":         "127.0.0.1",
		"MCP_SERVER_PORT":         "0",
		"MCP_RATE_LIMIT":          "0",
		"MCP_RATE_LIMIT_SSE":      "0",
		"MCP_RATE_LIMIT_MESSAGES": "0",
		"JANA_RETRY_BACKOFF":      "5ms",
		"LOG_LEVEL":               "debug",
	}
	for k, v := range settings {
		env[k] = v
	}
	cfg, err := config.Load(config.Sources{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// Client builds the Jana adapter from cfg as the server does (janaconfig.From); it is
// closed when the test ends.
func Client(t testing.TB, cfg config.Config, opts jana.Options) *jana.Client {
	t.Helper()
	c, err := jana.New(janaconfig.From(cfg), opts)
	if err != nil {
		t.Fatalf("jana: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Server is a running MCP server.
type Server struct {
	*server.Server
	URL  string
	Logs *syncbuf.Buffer // everything the server logged (JSON lines)
	stop func() error
}

// StartServer serves cfg on a loopback port; it shuts down gracefully when the test ends.
func StartServer(t testing.TB, cfg config.Config) *Server {
	t.Helper()
	return StartServerWith(t, cfg, server.Options{})
}

// StartServerWith is StartServer with server options (an injected span exporter, say).
func StartServerWith(t testing.TB, cfg config.Config, opts server.Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", cfg.Listen.Addr())
	if err != nil {
		t.Fatal(err)
	}
	return StartServerOn(t, ln, cfg, opts)
}

// StartServerOn is StartServerWith on a listener the test opened (to know the server's URL
// before configuring it, as MCP_PUBLIC_URL).
func StartServerOn(t testing.TB, ln net.Listener, cfg config.Config, opts server.Options) *Server {
	t.Helper()
	logs := &syncbuf.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: cfg.Log.Level}))
	srv, err := server.New(cfg, logger, opts)
	if err != nil {
		_ = ln.Close()
		t.Fatalf("server: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	s := &Server{Server: srv, URL: "http://" + ln.Addr().String(), Logs: logs}
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				stopErr = errors.New("server did not stop within 30s")
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	})
	return s
}

// Stop shuts the server down gracefully and returns Serve's result.
func (s *Server) Stop() error { return s.stop() }

// Transports a client can use.
const (
	SSE = "sse"
	// Streamable is a 2025-era session on /mcp (initialize, Mcp-Session-Id).
	Streamable = "streamable"
	// Modern is the 2026-07-28 revision on /mcp: no initialize, no sessions.
	Modern = "modern"
)

// Connect opens an MCP session with the official go-sdk client. auth is "header" (the token
// in "Authorization: Token"), "bearer", "query" (?token=) or "" (no credentials).
func Connect(ctx context.Context, t testing.TB, base, transport, token, auth string) (*mcp.ClientSession, error) {
	t.Helper()
	return ConnectVia(ctx, t, base, transport, token, auth, nil)
}

// ConnectVia is Connect with the client's HTTP requests sent through rt (nil means
// http.DefaultTransport), for tests that record the traffic or keep their own connections.
func ConnectVia(ctx context.Context, t testing.TB, base, transport, token, auth string, rt http.RoundTripper) (*mcp.ClientSession, error) {
	t.Helper()
	if rt == nil {
		rt = http.DefaultTransport
	}
	endpoint := base + "/mcp"
	if transport == SSE {
		endpoint = base + "/sse"
	}
	hc := &http.Client{Transport: rt}
	switch auth {
	case "header":
		hc.Transport = headerTransport{"Authorization", "Token " + token, rt}
	case "bearer":
		hc.Transport = headerTransport{"Authorization", "Bearer " + token, rt}
	case "query":
		endpoint += "?token=" + url.QueryEscape(token)
	}
	var tr mcp.Transport
	if transport == SSE {
		tr = &mcp.SSEClientTransport{Endpoint: endpoint, HTTPClient: hc}
	} else {
		tr = &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, MaxRetries: -1}
	}
	// The go-sdk client tries 2026-07-28 first, which /mcp serves without sessions; a
	// Streamable client asks for the last revision with sessions.
	opts := &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}
	if transport == Modern {
		opts.ProtocolVersion = "2026-07-28"
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "testenv", Version: "0"}, nil)
	return client.Connect(ctx, tr, opts)
}

// MustConnect is Connect that fails the test on error and closes the session at its end.
func MustConnect(ctx context.Context, t testing.TB, base, transport, token, auth string) *mcp.ClientSession {
	t.Helper()
	cs, err := Connect(ctx, t, base, transport, token, auth)
	if err != nil {
		t.Fatalf("connect %s: %v", transport, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

type headerTransport struct {
	key, value string
	next       http.RoundTripper
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.key, h.value)
	return h.next.RoundTrip(r)
}

// Text returns the text content of a tool result.
func Text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}
