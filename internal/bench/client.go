package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Transport is how the go-sdk client reaches a server.
type Transport string

// The transports the harness drives.
const (
	// SSE is the legacy HTTP+SSE transport (2024-11-05): GET the endpoint, POST to the
	// address its first event names.
	SSE Transport = "sse"
	// Streamable is stateful Streamable HTTP: initialize mints a session, and the client holds
	// a standalone GET stream besides its POSTs.
	Streamable Transport = "streamable"
	// Stateless is Streamable HTTP against a server without sessions: every POST stands alone.
	Stateless Transport = "stateless"
)

// ParseTransport checks a transport name.
func ParseTransport(s string) (Transport, error) {
	switch t := Transport(s); t {
	case SSE, Streamable, Stateless:
		return t, nil
	}
	return "", fmt.Errorf("transport %q is not one of sse, streamable, stateless", s)
}

// Target is an MCP endpoint and how to authenticate to it.
type Target struct {
	// URL is the endpoint: .../sse for SSE, .../mcp for Streamable HTTP.
	URL       string
	Transport Transport
	// Token is sent as "Authorization: Token <t>" (Auth "header", the default) or as
	// ?token=<t> (Auth "query"). Empty sends nothing.
	Token string
	Auth  string
}

// Client is the HTTP side of the harness's MCP sessions: one connection pool shared by every
// session of a measurement (like one busy host), large enough that no call waits for a
// connection or opens a new one, and a count of the bytes servers sent.
type Client struct {
	http     *http.Client
	received atomic.Int64
	impl     *mcp.Implementation
}

// NewClient returns a client whose pool keeps up to maxIdle idle connections.
func NewClient(maxIdle int) *Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        maxIdle,
		MaxIdleConnsPerHost: maxIdle,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	c := &Client{impl: &mcp.Implementation{Name: "jana-mcp-bench", Version: "0"}}
	c.http = &http.Client{Transport: countingTransport{next: tr, n: &c.received}}
	return c
}

// Received returns the response bytes read so far, across all sessions.
func (c *Client) Received() int64 { return c.received.Load() }

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Connect opens one MCP session to t.
func (c *Client) Connect(ctx context.Context, t Target) (*mcp.ClientSession, error) {
	endpoint := t.URL
	hc := c.http
	switch t.Auth {
	case "", "header":
		if t.Token != "" {
			hc = &http.Client{Transport: headerTransport{next: c.http.Transport, value: "Token " + t.Token}}
		}
	case "query":
		u, err := url.Parse(endpoint)
		if err != nil {
			return nil, err
		}
		q := u.Query()
		q.Set("token", t.Token)
		u.RawQuery = q.Encode()
		endpoint = u.String()
	default:
		return nil, fmt.Errorf("auth %q is not one of header, query", t.Auth)
	}
	var tr mcp.Transport
	switch t.Transport {
	case SSE:
		tr = &mcp.SSEClientTransport{Endpoint: endpoint, HTTPClient: hc}
	case Streamable:
		tr = &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, MaxRetries: -1}
	case Stateless:
		// A stateless server has no stream to hold open.
		tr = &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, MaxRetries: -1, DisableStandaloneSSE: true}
	default:
		return nil, fmt.Errorf("unknown transport %q", t.Transport)
	}
	// The go-sdk client tries 2026-07-28 first, which a stateful /mcp serves without a
	// session; a stateful target is measured as the 2025-era sessions it serves.
	var opts *mcp.ClientSessionOptions
	if t.Transport == Streamable {
		opts = &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}
	}
	return mcp.NewClient(c.impl, nil).Connect(ctx, tr, opts)
}

// ConnectWithin is Connect bounded by timeout. The bound applies to connecting only: the
// SSE transport ties its stream to the context it connects with, so that context must live
// on with the session.
func (c *Client) ConnectWithin(ctx context.Context, t Target, timeout time.Duration) (*mcp.ClientSession, error) {
	cctx, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(timeout, cancel)
	cs, err := c.Connect(cctx, t)
	if timedOut := !timer.Stop(); timedOut {
		if err == nil {
			_ = cs.Close()
			err = context.DeadlineExceeded
		}
		err = fmt.Errorf("not connected within %s: %w", timeout, err)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return cs, nil
}

// ConnectMany opens n sessions, parallel at most of them at a time. On error it closes
// those it opened.
func (c *Client) ConnectMany(ctx context.Context, t Target, n, parallel int) ([]*mcp.ClientSession, error) {
	sessions := make([]*mcp.ClientSession, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cs, err := c.ConnectWithin(ctx, t, 30*time.Second)
			if err != nil {
				errs <- fmt.Errorf("session %d: %w", i, err)
				return
			}
			sessions[i] = cs
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		CloseAll(sessions)
		return nil, err
	}
	return sessions, nil
}

// CloseAll closes sessions (nil entries are skipped), in parallel.
func CloseAll(sessions []*mcp.ClientSession) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for _, cs := range sessions {
		if cs == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_ = cs.Close()
		}()
	}
	wg.Wait()
}

type headerTransport struct {
	next  http.RoundTripper
	value string
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", h.value)
	return h.next.RoundTrip(r)
}

// countingTransport counts response body bytes as they are read.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil && resp.Body != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}
