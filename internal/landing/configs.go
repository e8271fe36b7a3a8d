package landing

import (
	"bytes"
	"encoding/json"
	"strings"
)

// TokenPlaceholder stands for the user's own Jana credential in every configuration: the page
// never shows a real one.
const TokenPlaceholder = "<YOUR_JANA_TOKEN>"

// Config is one client's configuration, to copy.
type Config struct {
	Client string // "Cursor"
	Where  string // where it goes, e.g. "~/.cursor/mcp.json"
	Text   string // what to paste
	Note   string
}

// Configs returns the configurations of Cursor, Claude Code, Claude Desktop and VS Code for
// the server at base (scheme://host[:port], no trailing slash). withToken adds the
// Authorization header the server needs unless it signs every call in as its service account.
func Configs(base string, withToken bool) []Config {
	mcpURL, sseURL := base+"/mcp", base+"/sse"
	header := "Token " + TokenPlaceholder
	var headers map[string]string
	if withToken {
		headers = map[string]string{"Authorization": header}
	}
	type cursorServer struct {
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers,omitempty"`
	}
	cursor := map[string]any{"mcpServers": map[string]any{"jana": cursorServer{URL: mcpURL, Headers: headers}}}

	claudeCode := "claude mcp add --transport http jana " + mcpURL
	if withToken {
		claudeCode += ` --header "Authorization: ` + header + `"`
	}
	desktopArgs := []string{"mcp-remote", mcpURL}
	if withToken {
		desktopArgs = append(desktopArgs, "--header", "Authorization: "+header)
	}
	type stdioServer struct {
		Command string   `json:"command"`
		Args    []string `json:"args"`
	}
	desktop := map[string]any{"mcpServers": map[string]any{"jana": stdioServer{Command: "npx", Args: desktopArgs}}}

	// VS Code asks for the token once and keeps it in its secret storage, not in the file.
	type vsInput struct {
		Type        string `json:"type"`
		ID          string `json:"id"`
		Description string `json:"description"`
		Password    bool   `json:"password"`
	}
	type vsServer struct {
		Type    string            `json:"type"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers,omitempty"`
	}
	vs := struct {
		Inputs  []vsInput           `json:"inputs,omitempty"`
		Servers map[string]vsServer `json:"servers"`
	}{Servers: map[string]vsServer{"jana": {Type: "http", URL: mcpURL}}}
	if withToken {
		vs.Inputs = []vsInput{{Type: "promptString", ID: "jana-token", Description: "Your Jana DRF token (40 hex characters)", Password: true}}
		vs.Servers["jana"] = vsServer{Type: "http", URL: mcpURL, Headers: map[string]string{"Authorization": "Token ${input:jana-token}"}}
	}

	out := []Config{
		{Client: "Cursor", Where: "~/.cursor/mcp.json, or .cursor/mcp.json in a project", Text: indent(cursor)},
		{Client: "Claude Code", Where: "a terminal", Text: claudeCode,
			Note: "Claude Code shows the text answers; charts and maps appear in clients with MCP Apps."},
		{Client: "Claude Desktop", Where: "claude_desktop_config.json (Settings → Developer → Edit Config), through mcp-remote", Text: indent(desktop)},
		{Client: "VS Code", Where: ".vscode/mcp.json, or the user configuration (MCP: Open User Configuration)", Text: indent(vs)},
	}
	if withToken {
		out[0].Note = "Clients that take only a URL can put the token in it: " + sseURL + "?token=" + TokenPlaceholder
		out[3].Note = "VS Code asks for the token when it first starts the server and keeps it in its secret storage."
	}
	return out
}

// indent renders v as indented JSON with <, > and & kept as they are (the page escapes them).
func indent(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err) // plain maps and structs of strings
	}
	return strings.TrimSpace(b.String())
}
