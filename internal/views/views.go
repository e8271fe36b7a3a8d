package views

import (
	"context"
	"embed"
	"fmt"
	"regexp"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MIMEType is the media type of an MCP Apps view; hosts render only resources of this type.
const MIMEType = "text/html;profile=mcp-app"

// The views' URIs, which tools name in _meta.ui.resourceUri.
const (
	ChartURI = "ui://jana-mcp/chart.html"
	MapURI   = "ui://jana-mcp/map.html"
)

//go:embed assets
var assets embed.FS

// View is one ui:// resource: its listing and its document, with every script and style
// sheet inlined (hosts load nothing else: their default CSP allows no other source).
type View struct {
	Resource *mcp.Resource
	HTML     string
}

// All returns the views. It fails only when an asset is missing, a programming error the
// package's tests catch.
func All() ([]View, error) {
	defs := []struct {
		uri, name, title, description string
		scripts                       []string
	}{
		{ChartURI, "chart", "Jana chart", "Interactive chart of a get_trends or station_means result: the series over time, per pollutant, with the trend's direction and change.",
			[]string{"bridge.js", "chart.js"}},
		{MapURI, "map", "Jana map", "Map of a find_nearby result: the monitoring stations and emitting facilities around the point, on a world outline, nearest listed first.",
			[]string{"bridge.js", "world.js", "map.js"}},
	}
	out := make([]View, 0, len(defs))
	for _, d := range defs {
		html, err := document(d.title, d.scripts...)
		if err != nil {
			return nil, fmt.Errorf("view %s: %w", d.uri, err)
		}
		out = append(out, View{
			Resource: &mcp.Resource{URI: d.uri, Name: d.name, Title: d.title, Description: d.description, MIMEType: MIMEType,
				Size: int64(len(html)), Meta: resourceMeta()},
			HTML: html,
		})
	}
	return out, nil
}

// resourceMeta asks for the host's border and declares no outside origin: the views load
// nothing and connect nowhere.
func resourceMeta() mcp.Meta {
	return mcp.Meta{"ui": map[string]any{"prefersBorder": true, "csp": map[string]any{}}}
}

// AddTo registers the views as resources of srv. It panics when an asset is missing (a
// programming error the package's tests catch).
func AddTo(srv *mcp.Server) {
	views, err := All()
	if err != nil {
		panic(err)
	}
	for _, v := range views {
		srv.AddResource(v.Resource, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{
				URI: v.Resource.URI, MIMEType: MIMEType, Text: v.HTML, Meta: resourceMeta(),
			}}}, nil
		})
	}
}

// ToolMeta is the _meta of a tool whose results the view at uri shows: _meta.ui.resourceUri,
// and the flat "ui/resourceUri" key that hosts built before the 2026-01-26 specification read.
func ToolMeta(uri string) mcp.Meta {
	return mcp.Meta{"ui": map[string]any{"resourceUri": uri}, "ui/resourceUri": uri}
}

// ResourceURI returns the view a tool's _meta links to, or "".
func ResourceURI(meta mcp.Meta) string {
	if ui, ok := meta["ui"].(map[string]any); ok {
		if uri, ok := ui["resourceUri"].(string); ok {
			return uri
		}
	}
	return ""
}

var (
	scriptTag = regexp.MustCompile(`<script src="([a-z0-9.-]+)"></script>`)
	styleTag  = regexp.MustCompile(`<link rel="stylesheet" href="([a-z0-9.-]+)">`)
)

// document returns the view shell (assets/view.html) with its title, its style sheet and
// the scripts inlined.
func document(title string, scripts ...string) (string, error) {
	shell, err := assets.ReadFile("assets/view.html")
	if err != nil {
		return "", err
	}
	var tags strings.Builder
	for _, s := range scripts {
		fmt.Fprintf(&tags, "<script src=%q></script>\n", s)
	}
	html := strings.Replace(string(shell), "TITLE", title, 1)
	html = strings.Replace(html, "SCRIPTS\n", tags.String(), 1)
	var failed error
	inline := func(re *regexp.Regexp, open, close string) func(string) string {
		return func(tag string) string {
			file := re.FindStringSubmatch(tag)[1]
			body, err := assets.ReadFile("assets/" + file)
			if err != nil {
				failed = err
				return tag
			}
			if strings.Contains(strings.ToLower(string(body)), "</"+strings.Trim(open, "<>")) {
				failed = fmt.Errorf("%s contains a closing %s tag", file, open)
			}
			return open + "\n" + string(body) + close
		}
	}
	html = scriptTag.ReplaceAllStringFunc(html, inline(scriptTag, "<script>", "</script>"))
	html = styleTag.ReplaceAllStringFunc(html, inline(styleTag, "<style>", "</style>"))
	if failed != nil {
		return "", failed
	}
	return html, nil
}
