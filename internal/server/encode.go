package server

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	fastjson "github.com/segmentio/encoding/json"
)

// encodedResult is a tool result that encodes itself. Left to the SDK, a result goes through
// encoding/json's reflection, and its text and structured content are compacted once for each
// layer that wraps them (the content, the result, the JSON-RPC response, the message): for a
// light call that was a tenth of the server's time, and it grows with the result. Encoded
// here, only the SDK's two outer layers remain. It encodes when the SDK marshals it, after the
// SDK has finished with it (for 2026-07-28 requests it sets resultType and _meta after our
// middleware has returned).
type encodedResult struct {
	*mcp.CallToolResult // what the SDK reads and sets of the result
}

func (r encodedResult) MarshalJSON() ([]byte, error) {
	if raw, ok := encodeResult(r.CallToolResult); ok {
		return raw, nil
	}
	return r.CallToolResult.MarshalJSON()
}

// preEncode returns a tool result as an encodedResult; other results as they are.
func preEncode(res mcp.Result) mcp.Result {
	if r, ok := res.(*mcp.CallToolResult); ok && r != nil {
		return encodedResult{r}
	}
	return res
}

// encodeResult encodes a tool result as the SDK's CallToolResult.MarshalJSON does. The
// envelope (isError, _meta, the SDK's resultType for 2026-07-28 clients, anything a later SDK
// adds) is the SDK's own encoding of the result without its content; content and structured
// content, the bulk, are encoded here: plain text content, and structured content that is
// already JSON (toolkit renders it so). Other results are left to the SDK (false).
func encodeResult(r *mcp.CallToolResult) (json.RawMessage, bool) {
	structured, ok := r.StructuredContent.(json.RawMessage)
	// Structured content that is not valid JSON fails the SDK's outer layers as it would have.
	if r.StructuredContent != nil && !ok || r.Content == nil {
		return nil, false
	}
	bare := *r
	bare.Content, bare.StructuredContent = nil, nil
	head, err := bare.MarshalJSON()
	if err != nil {
		return nil, false
	}
	envelope := map[string]json.RawMessage{}
	if !bytes.Equal(head, []byte(`{"content":null}`)) { // anything besides content (most results have nothing)
		if err := json.Unmarshal(head, &envelope); err != nil {
			return nil, false
		}
	}

	content := make([]byte, 0, 64+textSize(r.Content))
	content = append(content, '[')
	for i, c := range r.Content {
		if i > 0 {
			content = append(content, ',')
		}
		if t, plain := c.(*mcp.TextContent); plain && t.Meta == nil && t.Annotations == nil {
			content = append(content, `{"type":"text","text":`...)
			content, err = fastjson.Append(content, t.Text, fastjson.EscapeHTML)
			content = append(content, '}')
		} else {
			var item []byte
			item, err = c.MarshalJSON()
			content = append(content, item...)
		}
		if err != nil {
			return nil, false
		}
	}
	envelope["content"] = append(content, ']')
	if structured != nil {
		envelope["structuredContent"] = structured
	}

	out := make([]byte, 0, len(head)+len(content)+len(structured)+32)
	out = append(out, '{')
	for i, key := range slices.Sorted(maps.Keys(envelope)) {
		if i > 0 {
			out = append(out, ',')
		}
		out, _ = fastjson.Append(out, key, 0)
		out = append(out, ':')
		out = append(out, bytes.TrimSpace(envelope[key])...)
	}
	return append(out, '}'), true
}

func textSize(content []mcp.Content) int {
	n := 0
	for _, c := range content {
		if t, ok := c.(*mcp.TextContent); ok {
			n += len(t.Text) + len(t.Text)/8
		}
	}
	return n
}
