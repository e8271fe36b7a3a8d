package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// headers adds fixed headers to every request of a client.
type headers struct {
	set  map[string]string
	next http.RoundTripper
}

func (h headers) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.set {
		r.Header.Set(k, v)
	}
	return h.next.RoundTrip(r)
}

// connectWith opens a go-sdk session at base+path (/mcp, /sse, with any query) sending header
// with every request.
func connectWith(ctx context.Context, t *testing.T, base, path, token string, header map[string]string) (*mcp.ClientSession, error) {
	t.Helper()
	all := map[string]string{"Authorization": "Token " + token}
	for k, v := range header {
		all[k] = v
	}
	hc := &http.Client{Transport: headers{all, http.DefaultTransport}}
	var tr mcp.Transport = &mcp.StreamableClientTransport{Endpoint: base + path, HTTPClient: hc, MaxRetries: -1}
	if strings.HasPrefix(path, "/sse") {
		tr = &mcp.SSEClientTransport{Endpoint: base + path, HTTPClient: hc}
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "toolsets", Version: "0"}, nil).Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err == nil {
		t.Cleanup(func() { _ = cs.Close() })
	}
	return cs, err
}

func listedTools(ctx context.Context, t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	var names []string
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}

func toolsetTools(names ...string) []string {
	var out []string
	for _, ts := range tools.Toolsets {
		if slices.Contains(names, ts.Name) {
			for _, n := range ts.Tools {
				if !slices.Contains(out, n) {
					out = append(out, n)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestToolsetsPerConnection: a connection chooses its tools by header (X-MCP-Toolsets,
// X-MCP-Tools, X-MCP-Exclude-Tools) or, for clients that only take a URL, by ?toolsets= on /mcp
// and /sse; a tool left out is neither listed nor callable, and prompts needing it are left out
// too. A choice naming what does not exist is refused with 400 saying what does.
func TestToolsetsPerConnection(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	full, err := connectWith(ctx, t, srv.URL, "/mcp", sb.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := listedTools(ctx, t, full)
	for _, c := range []struct {
		name, path string
		header     map[string]string
		want       []string
	}{
		{"header", "/mcp", map[string]string{"X-MCP-Toolsets": "emissions"}, toolsetTools("emissions")},
		{"two toolsets", "/mcp", map[string]string{"X-MCP-Toolsets": "air_quality, platform"}, toolsetTools("air_quality", "platform")},
		{"URL on /mcp", "/mcp?toolsets=companies", nil, toolsetTools("companies")},
		{"URL on /sse", "/sse?toolsets=weather&tools=get_data_summary", nil, []string{"get_data_summary", "storm_events"}},
		{"tools and excluded", "/mcp", map[string]string{"X-MCP-Tools": "get_station,facility_owners", "X-MCP-Exclude-Tools": "facility_owners"},
			[]string{"get_station"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs, err := connectWith(ctx, t, srv.URL, c.path, sb.Token, c.header)
			if err != nil {
				t.Fatal(err)
			}
			if got := listedTools(ctx, t, cs); !slices.Equal(got, c.want) {
				t.Fatalf("listed %v, want %v", got, c.want)
			}
			for _, name := range all {
				if slices.Contains(c.want, name) {
					continue
				}
				_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: map[string]any{}})
				var rpc *jsonrpc.Error
				if !errors.As(err, &rpc) || !strings.Contains(rpc.Message, "unknown tool") {
					t.Errorf("%s, left out, was callable: %v", name, err)
				}
				break // one is enough: they share the server
			}
		})
	}
	// Prompts follow the tools: a weather-only connection cannot brief on a city's air.
	cs, err := connectWith(ctx, t, srv.URL, "/mcp", sb.Token, map[string]string{"X-MCP-Toolsets": "weather"})
	if err != nil {
		t.Fatal(err)
	}
	for p, err := range cs.Prompts(ctx, nil) {
		if err == nil {
			t.Errorf("a weather-only connection lists prompt %s", p.Name)
		}
	}
	for _, bad := range []struct{ query, header, want string }{
		{"?toolsets=air", "", `toolset \"air\" does not exist; the toolsets are air_quality, emissions, companies, weather, platform, or all`},
		{"", "get_trend", `tool \"get_trend\" does not exist (did you mean \"get_trends\"?)`},
	} {
		h := map[string]string{"Authorization": "Token " + sb.Token, "Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
		if bad.header != "" {
			h["X-MCP-Tools"] = bad.header
		}
		r := send(t, request{method: http.MethodPost, url: srv.URL + "/mcp" + bad.query, header: h,
			body: rpc(1, "initialize", map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "x", "version": "0"}})})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, bad.want) || !strings.Contains(r.body, "unknown_tool_choice") {
			t.Errorf("%s%s: %d %s", bad.query, bad.header, r.status, r.body)
		}
	}
}

// TestToolsetsBySetting: MCP_TOOLSETS, MCP_TOOLS and MCP_EXCLUDE_TOOLS decide what a server
// serves at all; a connection cannot add a tool the server leaves out. Unknown names stop the
// server at start, naming the settings.
func TestToolsetsBySetting(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_TOOLSETS": "air_quality", "MCP_TOOLS": "get_data_summary", "MCP_EXCLUDE_TOOLS": "get_station"}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := connectWith(ctx, t, srv.URL, "/mcp", sb.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.DeleteFunc(append(toolsetTools("air_quality"), "get_data_summary"), func(n string) bool { return n == "get_station" })
	slices.Sort(want)
	if got := listedTools(ctx, t, cs); !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_emissions", Arguments: map[string]any{"country_codes": []string{"IND"}}}); err == nil {
		t.Error("get_emissions, not served, was callable")
	}
	if _, err := connectWith(ctx, t, srv.URL, "/mcp?tools=get_station", sb.Token, nil); err == nil {
		t.Error("a connection added get_station, which MCP_EXCLUDE_TOOLS leaves out")
	}
	_, err = server.New(testenv.Config(t, sb.URL, map[string]string{"MCP_TOOLSETS": "air_quality,emission"}), nil, server.Options{})
	if err == nil || !strings.Contains(err.Error(), "MCP_TOOLSETS") || !strings.Contains(err.Error(), `toolset "emission" does not exist`) {
		t.Errorf("an unknown toolset at start: %v", err)
	}
}

// TestToolListTokens reports what tools/list costs a host's context, in tokens (≈ bytes / 4),
// for every tool and each toolset, and checks that each toolset costs less than all.
func TestToolListTokens(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	size := func(header map[string]string) (int, int) {
		cs, err := connectWith(ctx, t, srv.URL, "/mcp", sb.Token, header)
		if err != nil {
			t.Fatal(err)
		}
		res, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(res)
		return len(data) / 4, len(res.Tools)
	}
	full, n := size(nil)
	t.Logf("tools/list: all %d tools ≈ %d tokens", n, full)
	for _, ts := range tools.Toolsets {
		tokens, n := size(map[string]string{"X-MCP-Toolsets": ts.Name})
		t.Logf("tools/list: toolset %s, %d tools ≈ %d tokens", ts.Name, n, tokens)
		if tokens >= full {
			t.Errorf("toolset %s costs %d tokens, all tools %d", ts.Name, tokens, full)
		}
	}
}

// TestInstructionsSayTodayAndCoverage: initialize's instructions tell the model today's date
// and where each source's data begin and end, so that "last month" resolves against data that
// exist. At 1fe6f64 they said neither.
func TestInstructionsSayTodayAndCoverage(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	today := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	srv := testenv.StartServerWith(t, testenv.Config(t, sb.URL, nil), server.Options{Clock: func() time.Time { return today }})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, transport := range []string{testenv.Streamable, testenv.SSE} {
		cs := testenv.MustConnect(ctx, t, srv.URL, transport, sb.Token, "header")
		ins := cs.InitializeResult().Instructions
		for _, want := range []string{"Today is Tuesday 1 December 2026", "OpenAQ air quality 2024-10-01 to 2026-09-30",
			"Climate TRACE facility emissions 2021-01 to 2025-10", "later dates have no data yet"} {
			if !strings.Contains(ins, want) {
				t.Errorf("%s: instructions lack %q:\n%s", transport, want, ins)
			}
		}
		caps := cs.InitializeResult().Capabilities
		if caps.Completions == nil || caps.Prompts == nil || caps.Resources == nil {
			t.Errorf("%s: capabilities %+v: want completions, prompts and resources", transport, caps)
		}
	}
}
