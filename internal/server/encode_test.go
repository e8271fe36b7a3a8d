package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestEncodedResultsAreTheSDKs: a result encodes to the same JSON value as the SDK's own
// CallToolResult.MarshalJSON gives, whatever it holds, and the shapes the tools return take
// the fast path.
func TestEncodedResultsAreTheSDKs(t *testing.T) {
	t.Parallel()
	text := func(s string) mcp.Content { return &mcp.TextContent{Text: s} }
	structured := json.RawMessage(`{"rows":[{"name":"pm25","units":"µg/m³"}],"count":1,"notes":["a <b> & c"]}`)
	for _, tc := range []struct {
		name string
		res  *mcp.CallToolResult
		fast bool
	}{
		{"text and structured", &mcp.CallToolResult{Content: []mcp.Content{text("Pollutants\nname,units\npm25,µg/m³\n")}, StructuredContent: structured}, true},
		{"text to escape", &mcp.CallToolResult{Content: []mcp.Content{text("quote \" backslash \\ <tag> & \u2028 \x01 tab\t")}}, true},
		{"invalid UTF-8", &mcp.CallToolResult{Content: []mcp.Content{text("bad \xff\xfe byte")}}, true},
		{"empty text", &mcp.CallToolResult{Content: []mcp.Content{text("")}}, true},
		{"an error", &mcp.CallToolResult{Content: []mcp.Content{text("limit: must be at most 500")}, IsError: true}, true},
		{"several items and an image", &mcp.CallToolResult{Content: []mcp.Content{
			text("one"), &mcp.ImageContent{Data: []byte{0x89, 'P', 'N', 'G'}, MIMEType: "image/png"}, text("two")}}, true},
		{"meta", &mcp.CallToolResult{Content: []mcp.Content{text("x")}, Meta: mcp.Meta{"k": map[string]any{"v": 1}}}, true},
		{"text with annotations", &mcp.CallToolResult{Content: []mcp.Content{
			&mcp.TextContent{Text: "x", Annotations: &mcp.Annotations{Priority: 0.5}}}}, true},
		{"no content", &mcp.CallToolResult{}, false},
		{"structured content that is not yet JSON", &mcp.CallToolResult{Content: []mcp.Content{text("x")}, StructuredContent: map[string]any{"a": 1}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := tc.res.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			raw, fast := encodeResult(tc.res)
			if fast != tc.fast {
				t.Errorf("fast path taken: %v, want %v", fast, tc.fast)
			}
			got, err := encodedResult{tc.res}.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if fast && string(raw) != string(got) {
				t.Errorf("MarshalJSON is not what encodeResult gave")
			}
			var gv, wv any
			if err := json.Unmarshal(got, &gv); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, got)
			}
			_ = json.Unmarshal(want, &wv)
			if d := cmp.Diff(wv, gv); d != "" {
				t.Errorf("differs from the SDK's encoding (-sdk +ours):\n%s\nours: %s", d, got)
			}
		})
	}
}

// TestEncodedResultsSeeLateChanges: what the SDK sets on a result after the middleware has
// returned it (for 2026-07-28 requests: resultType and the server's _meta) is encoded too.
func TestEncodedResultsSeeLateChanges(t *testing.T) {
	t.Parallel()
	r := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "x"}}}
	res := preEncode(r)
	res.SetMeta(map[string]any{"io.modelcontextprotocol/serverInfo": map[string]any{"name": "jana-mcp"}})
	got, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"jana-mcp"}}`) {
		t.Errorf("the late _meta is missing: %s", got)
	}
}
