package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// goTypeNames must never reach a model: they mean an error was worded for programmers.
var goTypeNames = []string{"Go struct", "Go value", "map[string]", "mcptools.", "interface {", "[]interface", "json: cannot", "jsonschema"}

// FuzzToolArguments calls every tool with arbitrary arguments through the whole server (its
// MCP middleware, validation, handlers and the Jana client) with the sandbox behind it, in
// process. The input is a tool (its index in the catalogue, modulo its length) and the raw
// JSON of the call's "arguments" (empty: no arguments at all; bytes that are not JSON become
// text in one of the tool's arguments, see shape). Seeds are made from each tool's input
// schema (testenv.ArgumentSeeds). Every call must be answered with a tool result,
// an error one or not: never a JSON-RPC error, a recovered panic or an internal error, and no
// error text may show Go types.
func FuzzToolArguments(f *testing.F) {
	ctx := context.Background()
	listed, err := tools.Listed(ctx)
	if err != nil {
		f.Fatal(err)
	}
	for i, tool := range listed {
		seeds, err := testenv.ArgumentSeeds(tool.InputSchema)
		if err != nil {
			f.Fatalf("%s: %v", tool.Name, err)
		}
		for _, args := range seeds {
			f.Add(uint8(i), []byte(args))
		}
		f.Add(uint8(i), []byte(nil))
	}

	shapes := make([]shape, len(listed))
	for i, tool := range listed {
		if shapes[i], err = shapeOf(tool.InputSchema); err != nil {
			f.Fatalf("%s: %v", tool.Name, err)
		}
	}

	c := newToolCaller(f)
	f.Fuzz(func(t *testing.T, index uint8, args []byte) {
		i := int(index) % len(listed)
		tool := listed[i].Name
		if len(args) > 0 && !json.Valid(args) {
			args = shapes[i].withText(args)
		}
		before := c.panics.Count()
		res, err := c.call(ctx, tool, args)
		if c.panics.Count() != before {
			t.Fatalf("%s %s: the server recovered a panic:\n%s", tool, args, c.panics.Last())
		}
		if err != nil {
			t.Fatalf("%s %s: %v", tool, args, err)
		}
		if !res.IsError {
			return
		}
		text := testenv.Text(res)
		for _, bad := range goTypeNames {
			if strings.Contains(text, bad) {
				t.Fatalf("%s %s: error text shows %q: %s", tool, args, bad, text)
			}
		}
		if strings.HasPrefix(text, "Internal error") {
			t.Fatalf("%s %s: internal error (logged as \"tool failed\"): %s", tool, args, text)
		}
	})
}

// shape is what the target needs of a tool's input schema to turn bytes that are not JSON
// into arguments: mutating JSON mostly breaks it, and those inputs are worth more as text in
// the tool's string arguments (dates, codes, names, cursors) than as a skip.
type shape struct {
	base    map[string]any // the required arguments, and a country where the tool takes one
	strings []string       // the string arguments, and arrays of strings
	arrays  map[string]bool
}

func shapeOf(inputSchema any) (shape, error) {
	raw, err := testenv.ExampleArguments(inputSchema)
	if err != nil {
		return shape{}, err
	}
	sh := shape{arrays: map[string]bool{}}
	if err := json.Unmarshal(raw, &sh.base); err != nil {
		return shape{}, err
	}
	data, err := json.Marshal(inputSchema)
	if err != nil {
		return shape{}, err
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return shape{}, err
	}
	for name, p := range s.Properties {
		switch {
		case p.Type == "string":
			sh.strings = append(sh.strings, name)
		case p.Type == "array" && p.Items != nil && p.Items.Type == "string":
			sh.strings = append(sh.strings, name)
			sh.arrays[name] = true
		}
	}
	slices.Sort(sh.strings)
	if _, ok := s.Properties["country_codes"]; ok && sh.base["country_codes"] == nil {
		sh.base["country_codes"] = []string{"GBR"}
	}
	return sh, nil
}

// withText returns arguments that carry text: the first byte picks a string argument (or, for
// a quarter of the values and for tools without one, makes the text an argument's name), the
// rest is its value.
func (sh shape) withText(b []byte) []byte {
	sel, text := b[0], string(b[1:])
	m := make(map[string]any, len(sh.base)+1)
	for k, v := range sh.base {
		m[k] = v
	}
	if len(sh.strings) == 0 || sel < 64 {
		m[text] = 1
	} else if name := sh.strings[int(sel)%len(sh.strings)]; sh.arrays[name] {
		m[name] = []string{text}
	} else {
		m[name] = text
	}
	out, err := json.Marshal(m)
	if err != nil {
		panic(err) // strings and numbers always marshal
	}
	return out
}

// toolCaller is one MCP session with an in-process server, spoken to as raw JSON-RPC over the
// SDK's in-memory transport, so that a call costs no HTTP and no client-side decoding beyond
// the result's.
type toolCaller struct {
	conn   mcp.Connection
	panics *testenv.Panics
	id     int64
}

func newToolCaller(f *testing.F) *toolCaller {
	ctx := context.Background()
	sb := testenv.NewSandbox(f, sandbox.Config{})
	cfg := testenv.Config(f, "http://jana.test", map[string]string{
		"MCP_AUTH_MODE": "service",
		"JANA_TOKEN":    sb.DemoToken(),
		"LOG_LEVEL":     "warn",
	})
	panics := &testenv.Panics{}
	srv, err := server.New(cfg, slog.New(panics), server.Options{Transport: testenv.HandlerTransport{Handler: sb.Handler()}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })

	st, ct := mcp.NewInMemoryTransports()
	// The HTTP transports put the caller in the request's context; here the session's context
	// carries it to every call.
	ss, err := srv.MCP().Connect(jana.WithCaller(ctx, jana.ServiceCaller()), st, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = ss.Close() })
	conn, err := ct.Connect(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = conn.Close() })
	c := &toolCaller{conn: conn, panics: panics}
	if _, err := c.roundTrip(ctx, "initialize", json.RawMessage(`{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"0"}}`)); err != nil {
		f.Fatal(err)
	}
	if err := conn.Write(ctx, &jsonrpc.Request{Method: "notifications/initialized", Params: json.RawMessage(`{}`)}); err != nil {
		f.Fatal(err)
	}
	return c
}

// callTimeout bounds one call: the sandbox answers in milliseconds, so a call that takes this
// long is stuck.
const callTimeout = 20 * time.Second

// call makes one tools/call and decodes its result.
func (c *toolCaller) call(ctx context.Context, tool string, args []byte) (*mcp.CallToolResult, error) {
	name, _ := json.Marshal(tool)
	params := `{"name":` + string(name)
	if len(args) > 0 {
		params += `,"arguments":` + string(args)
	}
	params += "}"
	raw, err := c.roundTrip(ctx, "tools/call", json.RawMessage(params))
	if err != nil {
		return nil, err
	}
	var res mcp.CallToolResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("answer is not a CallToolResult: %v: %s", err, raw)
	}
	return &res, nil
}

// roundTrip sends one request and returns its result; a JSON-RPC error is an error.
func (c *toolCaller) roundTrip(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, error) {
	c.id++
	id, err := jsonrpc.MakeID(float64(c.id))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, &jsonrpc.Request{ID: id, Method: method, Params: params}); err != nil {
		return nil, fmt.Errorf("writing %s: %w", method, err)
	}
	for {
		msg, err := c.conn.Read(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the answer to %s: %w", method, err)
		}
		resp, ok := msg.(*jsonrpc.Response)
		if !ok || resp.ID != id {
			continue // a notification, or a late answer to an earlier call
		}
		if resp.Error != nil {
			return nil, fmt.Errorf("JSON-RPC error: %w", resp.Error)
		}
		return resp.Result, nil
	}
}
