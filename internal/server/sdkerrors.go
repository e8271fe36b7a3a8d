package server

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// The go-sdk words some protocol errors for programmers: a request whose params do not decode
// is answered "handling 'tools/call': invalid params: unmarshaling "…" into a
// *mcp.CallToolParamsRaw: json: cannot unmarshal … into Go struct field
// mcp.CallToolParamsRaw.name of type string". Clients show that text; it names Go types and
// echoes the input. These rewrite such texts into what was wrong and how to fix it.

var (
	goField  = regexp.MustCompile(`Go struct field [\w.*\[\]]+?\.(\w+) of type \*?([\w.\[\]]+)`)
	goValue  = regexp.MustCompile(`Go value of type`)
	handling = regexp.MustCompile(`^handling '([\w/]+)'`)
)

// hasGoInternals reports whether an error text shows Go internals.
func hasGoInternals(s string) bool {
	return strings.Contains(s, "Go struct field") || strings.Contains(s, "Go value of type") ||
		strings.Contains(s, "interface {}") || strings.Contains(s, "*mcp.") || strings.Contains(s, "jsonrpc2.")
}

// plainRPCError rewrites an SDK error text that shows Go internals; others are kept.
func plainRPCError(msg string) string {
	if !hasGoInternals(msg) {
		return msg
	}
	what := "the request's params"
	if m := handling.FindStringSubmatch(msg); m != nil {
		what = "the params of " + m[1]
	}
	if m := goField.FindStringSubmatch(msg); m != nil {
		return what + ": " + `"` + m[1] + `" must be ` + jsonKindOf(m[2]) + "; see the MCP specification for the method's params"
	}
	if goValue.MatchString(msg) {
		return what + " must be a JSON object; see the MCP specification for the method's params"
	}
	return what + " do not have the shape the MCP specification gives for the method"
}

// plainBadRequest rewrites the SDK's text for a body it could not read as JSON-RPC.
func plainBadRequest(text string) string {
	switch {
	case strings.Contains(text, "invalid ID type"):
		return "a JSON-RPC id must be a string or a number"
	case strings.HasPrefix(text, "malformed payload") || text == "failed to parse body" || hasGoInternals(text):
		return "the body is not a JSON-RPC 2.0 message or batch of messages"
	}
	return text
}

func jsonKindOf(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "a string"
	case "int", "int64", "float64", "uint", "int32":
		return "a number"
	case "bool":
		return "true or false"
	}
	if strings.HasPrefix(goType, "[]") {
		return "an array"
	}
	if strings.HasPrefix(goType, "map[") {
		return "an object"
	}
	return "an object of the right shape"
}

// rewriteRPCErrors returns an outgoing message (a JSON body or an event-stream event) with the
// text of any JSON-RPC error that shows Go internals rewritten, and whether it changed. It
// parses only when the bytes already look like such an error, which ordinary answers never do.
func rewriteRPCErrors(p []byte) ([]byte, bool) {
	if !bytes.Contains(p, []byte(`"error"`)) || !hasGoInternals(string(p)) {
		return p, false
	}
	prefix, payload, suffix := p[:0], p, []byte(nil)
	if i := bytes.Index(p, []byte("data: ")); i >= 0 { // an event: rewrite its data line
		end := bytes.IndexByte(p[i:], '\n')
		if end < 0 {
			end = len(p) - i
		}
		prefix, payload, suffix = p[:i+len("data: ")], p[i+len("data: "):i+end], p[i+end:]
	}
	var msg map[string]json.RawMessage
	if json.Unmarshal(payload, &msg) != nil {
		return p, false
	}
	var e struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data,omitempty"`
	}
	if json.Unmarshal(msg["error"], &e) != nil {
		return p, false
	}
	e.Message = plainRPCError(e.Message)
	raw, err := json.Marshal(e)
	if err != nil {
		return p, false
	}
	msg["error"] = raw
	out, err := json.Marshal(msg)
	if err != nil {
		return p, false
	}
	return append(append(append([]byte{}, prefix...), out...), suffix...), true
}
