package tools_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.yaml.in/yaml/v3"

	"github.com/janaplatform/jana-mcp/api"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// harness serves the whole catalogue in memory to a go-sdk client, with a sandbox Jana behind
// it over HTTP, and records what reached the sandbox.
type harness struct {
	sb  *testenv.Sandbox
	cs  *mcp.ClientSession
	mu  sync.Mutex
	got []sandbox.Event
}

func newHarness(t *testing.T, cfg sandbox.Config) *harness {
	t.Helper()
	return newHarnessWith(t, cfg, jana.Options{})
}

// newHarnessWith is newHarness with the adapter's options (a transport to Jana, say).
func newHarnessWith(t *testing.T, cfg sandbox.Config, opts jana.Options) *harness {
	t.Helper()
	h := &harness{}
	cfg.Observer = func(e sandbox.Event) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.got = append(h.got, e)
	}
	h.sb = testenv.StartSandbox(t, cfg)
	scfg := testenv.Config(t, h.sb.URL, map[string]string{"MCP_AUTH_MODE": "service", "JANA_TOKEN": h.sb.Token, "MCP_CACHE_ENABLED": "false"})
	client, err := jana.New(scfg.Backend, scfg.Cache, scfg.Auth, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	env := &toolkit.Env{Jana: client, MaxResultBytes: scfg.Tools.MaxResultBytes, Logger: slog.New(slog.DiscardHandler)}
	srv := mcp.NewServer(&mcp.Implementation{Name: "jana-mcp", Version: "test"}, nil)
	for _, tool := range tools.All(env) {
		tool.AddTo(srv)
	}
	// Every call carries the service account, as the server's middleware would give it.
	srv.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			return next(jana.WithCaller(ctx, jana.ServiceCaller()), method, req)
		}
	})
	st, ct := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ss.Close() })
	h.cs, err = mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.cs.Close() })
	return h
}

// call runs a tool and returns its result, its text and its structured content.
func (h *harness) call(t *testing.T, tool string, args map[string]any) (*mcp.CallToolResult, string, map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := h.cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	var m map[string]any
	if res.StructuredContent != nil {
		data, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(data, &m)
	}
	return res, testenv.Text(res), m
}

// events returns the requests that reached the sandbox since the last call of events.
func (h *harness) events() []sandbox.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.got
	h.got = nil
	return out
}

// operationParams is, per operationId, each query parameter of the committed schema and
// whether it is deprecated (an alias kept for old clients).
func operationParams(t *testing.T) map[string]map[string]bool {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `yaml:"operationId"`
			Parameters  []struct {
				In         string `yaml:"in"`
				Name       string `yaml:"name"`
				Deprecated bool   `yaml:"deprecated"`
			} `yaml:"parameters"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPIYAML(), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	for _, item := range doc.Paths {
		for _, op := range item {
			params := map[string]bool{}
			for _, p := range op.Parameters {
				if p.In == "query" {
					params[p.Name] = p.Deprecated
				}
			}
			out[op.OperationID] = params
		}
	}
	return out
}

func queryNames(t *testing.T, raw string) []string {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("query %q: %v", raw, err)
	}
	var names []string
	for k := range q {
		names = append(names, k)
	}
	return names
}
