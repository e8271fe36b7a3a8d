package tools_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.yaml.in/yaml/v3"

	"github.com/janaplatform/jana-mcp/api"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// harness serves the whole catalogue — tools, resources, prompts and completions — in memory
// to a go-sdk client, with a sandbox Jana behind it over HTTP, and records what reached the
// sandbox. Its clock says today is harnessToday, two weeks after the sandbox's data end.
type harness struct {
	sb       *testenv.Sandbox
	cs       *mcp.ClientSession
	env      *toolkit.Env
	mu       sync.Mutex
	got      []sandbox.Event
	progress []*mcp.ProgressNotificationParams
	tools    map[string]*mcp.Tool
}

// harnessToday is the harness's today: the sandbox's data end on 2026-09-30, so "last month"
// is September 2026.
var harnessToday = time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)

func newHarness(t *testing.T, cfg sandbox.Config) *harness {
	t.Helper()
	return newHarnessWith(t, cfg, harnessOptions{})
}

// harnessOptions change what newHarness starts.
type harnessOptions struct {
	settings map[string]string  // server settings (JANA_TIMEOUT, say)
	adjust   func(*toolkit.Env) // changes to the Env the tools are built with
	jana     jana.Options       // the adapter's options (a transport to Jana, say)
}

// newHarnessWith is newHarness with options.
func newHarnessWith(t *testing.T, cfg sandbox.Config, o harnessOptions) *harness {
	t.Helper()
	h := &harness{}
	cfg.Observer = func(e sandbox.Event) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.got = append(h.got, e)
	}
	h.sb = testenv.StartSandbox(t, cfg)
	all := map[string]string{"MCP_AUTH_MODE": "service", "JANA_TOKEN": h.sb.Token, "MCP_CACHE_ENABLED": "false"}
	for k, v := range o.settings {
		all[k] = v
	}
	scfg := testenv.Config(t, h.sb.URL, all)
	client := testenv.Client(t, scfg, o.jana)
	env := &toolkit.Env{Jana: client, MaxResultBytes: scfg.Tools.MaxResultBytes, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return harnessToday }, Timeout: scfg.Backend.Timeout, SlowTimeout: scfg.Backend.SlowTimeout}
	if o.adjust != nil {
		o.adjust(env)
	}
	h.env = env
	srv := mcp.NewServer(&mcp.Implementation{Name: "jana-mcp", Version: "test"}, &mcp.ServerOptions{CompletionHandler: tools.Complete(env)})
	for _, tool := range tools.All(env) {
		tool.AddTo(srv)
	}
	toolkit.AddResources(srv, tools.Resources(env))
	toolkit.AddPrompts(srv, tools.Prompts(env), func(string) bool { return true })
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
	h.cs, err = mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.progress = append(h.progress, req.Params)
		},
	}).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.cs.Close() })
	h.tools = map[string]*mcp.Tool{}
	for tool, err := range h.cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		h.tools[tool.Name] = tool
	}
	return h
}

// progressSeen returns the progress notifications received since the last call of it.
func (h *harness) progressSeen() []*mcp.ProgressNotificationParams {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.progress
	h.progress = nil
	return out
}

// call runs a tool and returns its result, its text and its structured content, which must
// fit the tool's output schema. args is what the client sends: a map, or raw JSON.
func (h *harness) call(t *testing.T, tool string, args any) (*mcp.CallToolResult, string, map[string]any) {
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
		h.checkOutput(t, tool, data)
	}
	return res, testenv.Text(res), m
}

// callRaw runs a tool with raw JSON arguments.
func (h *harness) callRaw(t *testing.T, tool string, args json.RawMessage) (*mcp.CallToolResult, string, map[string]any) {
	t.Helper()
	return h.call(t, tool, args)
}

func itoa(n int) string { return strconv.Itoa(n) }

// checkOutput checks structured content against the tool's output schema, as the TypeScript
// SDK does (a mismatch there is an error, not a result), and that every key it holds is one
// the schema documents.
func (h *harness) checkOutput(t *testing.T, tool string, data []byte) {
	t.Helper()
	def := h.tools[tool]
	if def == nil || def.OutputSchema == nil {
		t.Errorf("%s has no output schema", tool)
		return
	}
	raw, _ := json.Marshal(def.OutputSchema)
	var schema jsonschema.Schema
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("%s: output schema: %v", tool, err)
	}
	resolved, err := schema.Resolve(nil)
	if err != nil {
		t.Fatalf("%s: output schema: %v", tool, err)
	}
	var v map[string]any
	_ = json.Unmarshal(data, &v)
	if err := resolved.Validate(v); err != nil {
		t.Errorf("%s: structured content does not match the output schema: %v", tool, err)
	}
	for k := range v {
		if _, ok := schema.Properties[k]; !ok {
			t.Errorf("%s: structured content key %q is not in the output schema", tool, k)
		}
	}
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

// walk calls a tool and follows next_cursor to the end, returning the rows of table key from
// every page, in order.
func (h *harness) walk(t *testing.T, tool string, args map[string]any, key string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	call := args
	for page := 0; ; page++ {
		if page > 500 {
			t.Fatalf("%s: more than 500 pages", tool)
		}
		res, text, m := h.call(t, tool, call)
		if res.IsError {
			t.Fatalf("%s %v: %s", tool, call, text)
		}
		rows = append(rows, rowsOf(m, key)...)
		next, _ := m["next_cursor"].(string)
		if next == "" {
			return rows
		}
		call = map[string]any{"cursor": next}
		for k, v := range args {
			call[k] = v
		}
	}
}
