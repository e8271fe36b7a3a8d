package toolkit

import (
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Resource is one MCP resource (a fixed URI) or resource template (a URI with {variables})
// and how it is read. A server registers a list of them (AddResources), so that other parts —
// MCP Apps' ui:// views, say — add theirs to the same list.
type Resource struct {
	Resource *mcp.Resource         // a fixed URI, or
	Template *mcp.ResourceTemplate // a URI template
	Read     mcp.ResourceHandler
}

// URI is the resource's URI or URI template.
func (r Resource) URI() string {
	if r.Template != nil {
		return r.Template.URITemplate
	}
	return r.Resource.URI
}

// AddResources registers resources on s.
func AddResources(s *mcp.Server, resources []Resource) {
	for _, r := range resources {
		if r.Template != nil {
			s.AddResourceTemplate(r.Template, r.Read)
		} else {
			s.AddResource(r.Resource, r.Read)
		}
	}
}

// Prompt is one MCP prompt and how it is filled in. Needs names the tools its instructions
// use: a server serving only some tools leaves out the prompts it cannot follow.
type Prompt struct {
	Prompt *mcp.Prompt
	Get    mcp.PromptHandler
	Needs  []string
}

// AddPrompts registers on s the prompts whose tools are all served.
func AddPrompts(s *mcp.Server, prompts []Prompt, served func(tool string) bool) {
	for _, p := range prompts {
		ok := true
		for _, t := range p.Needs {
			ok = ok && served(t)
		}
		if ok {
			s.AddPrompt(p.Prompt, p.Get)
		}
	}
}
