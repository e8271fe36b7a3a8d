package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// Choosing the tools per connection. The server serves the tools MCP_TOOLSETS, MCP_TOOLS and
// MCP_EXCLUDE_TOOLS select; a connection can narrow that with the X-MCP-Toolsets,
// X-MCP-Tools and X-MCP-Exclude-Tools headers (as github-mcp-server takes them), or, for
// clients that only take a URL, with ?toolsets=, ?tools= and ?exclude_tools= on /mcp or /sse.
// Each distinct choice gets an mcp.Server of its own holding just those tools, made when first
// asked for and kept, so that a filtered tool is neither listed nor callable, and a session
// stays with the server it began on.

// maxSelections bounds the servers made for distinct choices; beyond it a new choice is
// refused (toolsets make few; a flood of tool lists must not grow memory without end).
const maxSelections = 64

// mcpServers holds the server of each tool choice.
type mcpServers struct {
	catalogue []toolkit.Tool // what this server serves at most
	build     func([]toolkit.Tool) *mcp.Server
	full      *mcp.Server

	mu    sync.Mutex
	byKey map[string]*mcp.Server
}

func newMCPServers(catalogue []toolkit.Tool, build func([]toolkit.Tool) *mcp.Server) *mcpServers {
	m := &mcpServers{catalogue: catalogue, build: build, byKey: map[string]*mcp.Server{}}
	m.full = build(catalogue)
	m.byKey[selectionKey(catalogue)] = m.full
	return m
}

var errTooManySelections = errors.New("this server holds as many distinct tool choices as it allows: choose toolsets (X-MCP-Toolsets) rather than lists of tools")

// get returns the server of a connection's choice, making it if needed.
func (m *mcpServers) get(sel tools.Selection) (*mcp.Server, error) {
	if sel.Empty() {
		return m.full, nil
	}
	chosen, err := tools.Select(m.catalogue, sel)
	if err != nil {
		return nil, err
	}
	if len(chosen) == 0 {
		return nil, errors.New("the choice leaves no tools; name at least one toolset or tool this server serves")
	}
	key := selectionKey(chosen)
	m.mu.Lock()
	defer m.mu.Unlock()
	if srv, ok := m.byKey[key]; ok {
		return srv, nil
	}
	if len(m.byKey) >= maxSelections {
		return nil, errTooManySelections
	}
	srv := m.build(chosen)
	m.byKey[key] = srv
	return srv, nil
}

// all returns every server made so far.
func (m *mcpServers) all() []*mcp.Server {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*mcp.Server, 0, len(m.byKey))
	for _, s := range m.byKey {
		out = append(out, s)
	}
	return out
}

func selectionKey(list []toolkit.Tool) string {
	names := make([]string, len(list))
	for i, t := range list {
		names[i] = t.Name()
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

// selectionOf reads a connection's choice of tools from its headers or, without them, its URL.
func selectionOf(r *http.Request) tools.Selection {
	h, q := r.Header, r.URL.Query()
	pick := func(header, param string) []string {
		v := h.Get(header)
		if v == "" {
			v = q.Get(param)
		}
		var out []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return tools.Selection{
		Toolsets: pick("X-MCP-Toolsets", "toolsets"),
		Tools:    pick("X-MCP-Tools", "tools"),
		Exclude:  pick("X-MCP-Exclude-Tools", "exclude_tools"),
	}
}

type chosenKey struct{}

// chooseTools is the step that finds a new connection's server by its choice of tools, and
// refuses a choice naming tools or toolsets that do not exist here with 400 and what does.
func (s *Server) chooseTools(c echo.Context) error {
	r := c.Request()
	if r.Header.Get("Mcp-Session-Id") != "" {
		return nil // an existing session keeps its server
	}
	sel := selectionOf(r)
	if sel.Empty() {
		return nil
	}
	srv, err := s.servers.get(sel)
	if err != nil {
		return failDetail(codeBadToolChoice, err.Error())
	}
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), chosenKey{}, srv)))
	return nil
}

// serverFor is the MCP server a request's connection chose (the full one by default).
func (s *Server) serverFor(r *http.Request) *mcp.Server {
	if srv, ok := r.Context().Value(chosenKey{}).(*mcp.Server); ok {
		return srv
	}
	return s.mcp
}
