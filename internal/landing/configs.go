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

// Sign-in says how users' calls reach Jana, which decides what a configuration holds.
type SignIn int

const (
	// WithToken: each user puts their Jana token in an Authorization header.
	WithToken SignIn = iota
	// NoToken: the server calls Jana as its service account.
	NoToken
	// OAuth: the client discovers the server's OAuth endpoints and the user signs in to Jana.
	OAuth
)

// SignInOf maps MCP_AUTH_MODE to what the configurations need.
func SignInOf(authMode string) SignIn {
	switch authMode {
	case "service":
		return NoToken
	case "oauth":
		return OAuth
	}
	return WithToken
}

// Configs returns the configurations of Cursor, Claude Code, Claude Desktop and VS Code for
// the server at base (scheme://host[:port], no trailing slash).
func Configs(base string, signIn SignIn) []Config {
	if signIn == OAuth {
		return oauthConfigs(base)
	}
	withToken := signIn == WithToken
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

// oauthConfigs: the URL is all a client needs; it sends the user to the sign-in page.
func oauthConfigs(base string) []Config {
	mcpURL := base + "/mcp"
	type urlServer struct {
		Type string `json:"type,omitempty"`
		URL  string `json:"url"`
	}
	return []Config{
		{Client: "Cursor", Where: "~/.cursor/mcp.json, or .cursor/mcp.json in a project",
			Text: indent(map[string]any{"mcpServers": map[string]any{"jana": urlServer{URL: mcpURL}}}),
			Note: "Cursor opens the sign-in page when it first connects."},
		{Client: "Claude Code", Where: "a terminal", Text: "claude mcp add --transport http jana " + mcpURL,
			Note: "Then /mcp in Claude Code, pick jana, Authenticate: the browser opens the sign-in page."},
		{Client: "Claude Desktop", Where: "Settings → Connectors → Add custom connector (claude.ai alike)", Text: mcpURL,
			Note: "Connect, then sign in to Jana on the page that opens."},
		{Client: "VS Code", Where: ".vscode/mcp.json, or the user configuration (MCP: Open User Configuration)",
			Text: indent(map[string]any{"servers": map[string]any{"jana": urlServer{Type: "http", URL: mcpURL}}}),
			Note: "VS Code asks to sign in when it first starts the server."},
	}
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
