package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// FloorTool is the floor server's only tool.
const FloorTool = "get"

// Floor paths. The stateless handler has its own path so that one floor serves all three
// transports.
const (
	FloorSSEPath       = "/sse"
	FloorMCPPath       = "/mcp"
	FloorStatelessPath = "/stateless/mcp"
)

// NewFloor returns the go-sdk floor: the thinnest possible MCP bridge, against which the
// bridge's own overhead is judged. It is a plain go-sdk server with one tool that GETs url
// with "Authorization: Token <token>" and returns the body as text, served over legacy SSE
// (FloorSSEPath), stateful Streamable HTTP (FloorMCPPath) and stateless Streamable HTTP
// (FloorStatelessPath) with the SDK's own handlers and defaults, plus /health and /metrics
// (Go runtime and process collectors, as the bridge has). Nothing else: no authentication,
// no middleware, no logging, no result shaping.
func NewFloor(url, token string) http.Handler {
	backend := &http.Client{Transport: &http.Transport{
		// The bridge's pool to Jana is sized the same way (internal/jana newTransport).
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     90 * time.Second,
	}}
	server := mcp.NewServer(&mcp.Implementation{Name: "go-sdk-floor", Version: "0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: FloorTool, Description: "GET the configured backend URL and return the body."},
		func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return nil, nil, err
			}
			req.Header.Set("Authorization", "Token "+token)
			resp, err := backend.Do(req)
			if err != nil {
				return nil, nil, err
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return nil, nil, err
			}
			if resp.StatusCode != http.StatusOK {
				return nil, nil, fmt.Errorf("backend answered %d: %.200s", resp.StatusCode, body)
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(body)}}}, nil, nil
		})
	get := func(*http.Request) *mcp.Server { return server }

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	mux := http.NewServeMux()
	mux.Handle(FloorSSEPath, mcp.NewSSEHandler(get, nil))
	mux.Handle(FloorMCPPath, mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{SessionTimeout: 30 * time.Minute}))
	mux.Handle(FloorStatelessPath, mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{Stateless: true}))
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	return mux
}
