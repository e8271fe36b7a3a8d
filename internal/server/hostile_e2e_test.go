package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// hostileArguments are tools/call arguments as an attacker (or a confused client) sends
// them, raw. null and absent mean {}; the rest must be refused as not an object.
var hostileArguments = []struct {
	raw       string // "" leaves arguments out
	notObject bool
}{
	{raw: "null"},
	{raw: ""},
	{raw: "{}"},
	{raw: "[1,2]", notObject: true},
	{raw: `"x"`, notObject: true},
	{raw: "5", notObject: true},
	{raw: "true", notObject: true},
}

func rawToolCall(id int, tool, args string) string {
	params := `{"name":` + string(mustJSON(tool))
	if args != "" {
		params += `,"arguments":` + args
	}
	return `{"jsonrpc":"2.0","id":` + string(mustJSON(id)) + `,"method":"tools/call","params":` + params + `}}`
}

// toolNames lists every tool the server serves.
func toolNames(t *testing.T) []string {
	t.Helper()
	list, err := tools.Listed(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range list {
		names = append(names, tool.Name)
	}
	return names
}

// checkHostileAnswer checks one answer to a hostile call: a tool result (never a crash or a
// JSON-RPC error), an invalid-arguments error naming the problem for a non-object.
func checkHostileAnswer(t *testing.T, where, tool string, a hostileArgs, body string) {
	t.Helper()
	var msg struct {
		Result *mcp.CallToolResult `json:"result"`
		Error  json.RawMessage     `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &msg); err != nil || msg.Result == nil {
		t.Errorf("%s %s(%s): not a tool result: %s", where, tool, a.raw, body)
		return
	}
	text := testenv.Text(msg.Result)
	if a.notObject {
		if !msg.Result.IsError || !strings.Contains(text, `"arguments"`) || !strings.Contains(text, "must be a JSON object") {
			t.Errorf("%s %s(%s): want an invalid-arguments error, got %s", where, tool, a.raw, text)
		}
	}
	if strings.Contains(text, "Go ") || strings.Contains(text, "mcptools.") || strings.Contains(text, "map[string]") {
		t.Errorf("%s %s(%s): Go internals in the answer: %s", where, tool, a.raw, text)
	}
}

type hostileArgs = struct {
	raw       string
	notObject bool
}

// TestHostileArgumentsKeepTheProcessUp runs the real binary and sends every tool null, absent
// and non-object arguments over each transport, in each way a caller can be authenticated
// (a user's token; no token at all in user-or-service mode, stateless and stateful). At
// 1fe6f64 the first null arguments to a tool with defaults killed the process.
func TestHostileArgumentsKeepTheProcessUp(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	names := toolNames(t)
	cases := []struct {
		name     string
		settings map[string]string
		header   map[string]string
	}{
		{"user", map[string]string{"MCP_AUTH_MODE": "user"}, map[string]string{"Authorization": "Token " + sb.Token}},
		{"anonymous user-or-service", map[string]string{"MCP_AUTH_MODE": "user-or-service", "JANA_TOKEN": sb.Token}, nil},
		{"anonymous stateless", map[string]string{"MCP_AUTH_MODE": "user-or-service", "JANA_TOKEN": sb.Token, "MCP_STATELESS": "true"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			settings := map[string]string{"MCP_RATE_LIMIT": "0", "MCP_RATE_LIMIT_MESSAGES": "0", "MCP_RATE_LIMIT_SSE": "0"}
			for k, v := range tc.settings {
				settings[k] = v
			}
			p := startServe(t, sb.URL, settings)
			stateless := tc.settings["MCP_STATELESS"] == "true"

			var streamH map[string]string
			if stateless {
				// One POST is the whole session: no initialize, as the curl did.
				streamH = with(jsonRPCHeaders, append(flat(tc.header), "MCP-Protocol-Version", "2025-06-18")...)
			} else {
				streamH = mcpSession(t, p.url, tc.header)
			}
			stream, post := sseSession(t, p.url, "", tc.header)
			postH := with(tc.header, "Content-Type", "application/json")

			id := 10
			for _, tool := range names {
				for _, a := range hostileArguments {
					id++
					r := send(t, request{method: http.MethodPost, url: p.url + "/mcp", header: streamH, body: rawToolCall(id, tool, a.raw), readStream: true})
					if r.status != http.StatusOK {
						t.Fatalf("/mcp %s(%s): %d %s\n%s", tool, a.raw, r.status, r.body, p.output.String())
					}
					checkHostileAnswer(t, "/mcp", tool, a, sseData(r.body))

					id++
					if r := send(t, request{method: http.MethodPost, url: post, header: postH, body: rawToolCall(id, tool, a.raw)}); r.status != http.StatusAccepted {
						t.Fatalf("/messages %s(%s): %d %s\n%s", tool, a.raw, r.status, r.body, p.output.String())
					}
					body, ok := stream.message(30*time.Second, id)
					if !ok {
						t.Fatalf("/messages %s(%s): no answer on the stream\n%s", tool, a.raw, p.output.String())
					}
					checkHostileAnswer(t, "/messages", tool, a, body)
				}
			}
			select {
			case err := <-p.exited:
				t.Fatalf("the process exited: %v\n%s", err, p.output.String())
			default:
			}
			if r := send(t, request{method: http.MethodGet, url: p.url + "/health"}); r.status != http.StatusOK {
				t.Errorf("/health after the hostile calls: %d", r.status)
			}
			if strings.Contains(p.output.String(), "panic") {
				t.Errorf("the process logged a panic:\n%s", p.output.String())
			}
		})
	}
}

// sseData returns the JSON-RPC message of a POST answer, which is either plain JSON or one
// event of an event stream.
func sseData(body string) string {
	for _, line := range strings.Split(body, "\n") {
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			return d
		}
	}
	return body
}

// panicky is a catalogue with two tools that panic, one in the handler and one in a goroutine
// it started, besides the real ones.
func panicky(env *toolkit.Env) []toolkit.Tool {
	type none struct{}
	boom := toolkit.New(env, &mcp.Tool{Name: "boom", Title: "Panics", Description: "Panics in its handler."},
		func(context.Context, none) (*toolkit.Page, error) {
			var m map[string]int
			m["x"] = 1 // the same panic as go-sdk's ApplyDefaults on null arguments
			return nil, nil
		})
	boomAsync := toolkit.New(env, &mcp.Tool{Name: "boom_async", Title: "Panics", Description: "Panics in a goroutine."},
		func(context.Context, none) (*toolkit.Page, error) {
			toolkit.Parallel(func() {}, func() { panic("in a fan-out") })
			return nil, nil
		})
	return append(tools.All(env), boom, boomAsync)
}

// TestPanicIsRecovered: a panic in a tool, in its handler or in a goroutine it started, is
// logged with its stack and call id, answered with a tool error naming that id, counted in
// jana_mcp_panics_total, and the session and server go on serving.
func TestPanicIsRecovered(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServerWith(t, testenv.Config(t, sb.URL, nil), server.Options{Catalogue: panicky})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, transport := range []string{testenv.SSE, testenv.Streamable} {
		cs := testenv.MustConnect(ctx, t, srv.URL, transport, sb.Token, "header")
		for _, tool := range []string{"boom", "boom_async"} {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: map[string]any{}})
			if err != nil {
				t.Fatalf("%s %s: %v", transport, tool, err)
			}
			text := testenv.Text(res)
			i := strings.Index(text, "call id ")
			if !res.IsError || i < 0 {
				t.Fatalf("%s %s: want a tool error naming the call id, got %q", transport, tool, text)
			}
			id := strings.TrimRight(text[i+len("call id "):i+len("call id ")+12], ").")
			found := false
			for _, l := range logLines(t, srv.Logs.String()) {
				if l["msg"] == "panic recovered" && l["call_id"] == id {
					found = true
					if stack, _ := l["stack"].(string); !strings.Contains(stack, "hostile_e2e_test.go") {
						t.Errorf("%s: the logged stack does not show where it panicked: %s", tool, stack)
					}
				}
			}
			if !found {
				t.Errorf("%s %s: no panic log line with call id %s", transport, tool, id)
			}
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_pollutants", Arguments: map[string]any{}})
		if err != nil || res.IsError {
			t.Fatalf("%s: the next call after the panics: %v %v", transport, err, res)
		}
	}
	m, _ := scrape(t, srv.URL)
	if got := m.value("jana_mcp_panics_total", "where", "mcp"); got != 4 {
		t.Errorf("jana_mcp_panics_total{where=mcp} = %v, want 4", got)
	}
}

// malformedRequests are JSON-RPC messages whose params or envelope do not decode, with a
// word the answer must contain.
var malformedRequests = []struct{ body, want string }{
	{`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":5}}`, `"name" must be a string`},
	{`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[1]}`, "must be a JSON object"},
	{`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":5}}`, `"cursor" must be a string`},
	{`{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":5}}`, `"uri" must be a string`},
	{`{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":5}}`, `"ref"`},
	{`{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}`, "JSON-RPC"},
	{`[1,2]`, "not a JSON-RPC 2.0 message"},
	{`{`, "not a JSON-RPC 2.0 message"},
}

// TestProtocolErrorsInPlainWords: requests whose params or envelope the SDK cannot decode are
// answered in words a person can act on, on every transport, never with Go type names (at
// 1fe6f64: "cannot unmarshal … into Go struct field mcp.CallToolParamsRaw.name of type
// string").
func TestProtocolErrorsInPlainWords(t *testing.T) {
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	stateful := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	stateless := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_STATELESS": "true"}))
	auth := map[string]string{"Authorization": "Token " + sb.Token}
	session := mcpSession(t, stateful.URL, auth)
	stream, post := sseSession(t, stateful.URL, "", auth)
	for i, m := range malformedRequests {
		var answers []string
		for _, target := range []struct {
			url    string
			header map[string]string
		}{
			{stateful.URL + "/mcp", session},
			{stateless.URL + "/mcp", with(jsonRPCHeaders, "Authorization", "Token "+sb.Token, "MCP-Protocol-Version", "2025-06-18")},
		} {
			r := send(t, request{method: http.MethodPost, url: target.url, header: target.header, body: m.body, readStream: true})
			answers = append(answers, sseData(r.body))
		}
		r := send(t, request{method: http.MethodPost, url: post, header: with(auth, "Content-Type", "application/json"), body: m.body})
		if r.status == http.StatusAccepted {
			// Answered on the stream, if the message had an id the SDK could read.
			if data, ok := stream.message(5*time.Second, 1); ok {
				answers = append(answers, data)
			}
		} else {
			answers = append(answers, r.body)
		}
		for _, a := range answers {
			if a = strings.ReplaceAll(a, `\"`, `"`); hasGoWords(a) || !strings.Contains(a, m.want) {
				t.Errorf("request %d %s: answer %s, want it to say %q in plain words", i, m.body, a, m.want)
			}
		}
	}
}

func hasGoWords(s string) bool {
	for _, w := range []string{"Go struct", "Go value", "interface {}", "*mcp.", "mcp.", "jsonrpc2.", "map[string]"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
