package views_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/views"
)

// TestViewsAreSelfContained: each view is one HTML document with its scripts and styles
// inlined, that loads and contacts nothing (hosts' default CSP allows nothing else), and
// stays small.
func TestViewsAreSelfContained(t *testing.T) {
	all, err := views.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Resource.URI != views.ChartURI || all[1].Resource.URI != views.MapURI {
		t.Fatalf("views %+v", all)
	}
	outside := regexp.MustCompile(`(?i)\bsrc\s*=|<link\b|@import|url\(|\bfetch\(|XMLHttpRequest|WebSocket|\beval\(|new Function|importScripts`)
	for _, v := range all {
		if v.Resource.MIMEType != views.MIMEType || !strings.HasPrefix(v.Resource.URI, "ui://") {
			t.Errorf("%s: %+v", v.Resource.URI, v.Resource)
		}
		if !strings.HasPrefix(v.HTML, "<!doctype html>") || !strings.Contains(v.HTML, "<script>") || !strings.Contains(v.HTML, "<style>") {
			t.Errorf("%s is not one document with inline script and style", v.Resource.URI)
		}
		if m := outside.FindString(v.HTML); m != "" {
			t.Errorf("%s refers to something outside itself: %q", v.Resource.URI, m)
		}
		if n := len(v.HTML); n > 100_000 || int64(n) != v.Resource.Size {
			t.Errorf("%s is %d bytes (listed %d); keep views small", v.Resource.URI, n, v.Resource.Size)
		}
	}
}

func TestToolMetaRoundTrip(t *testing.T) {
	m := views.ToolMeta(views.MapURI)
	if views.ResourceURI(m) != views.MapURI || m["ui/resourceUri"] != views.MapURI {
		t.Errorf("ToolMeta %v", m)
	}
	if views.ResourceURI(nil) != "" || views.ResourceURI(mcp.Meta{"ui": "x"}) != "" {
		t.Error("ResourceURI of a tool without a view")
	}
}

// TestViewsOverEveryTransport: hosts read the views with resources/read on the connection they
// call tools on, so every transport serves them; MCP_APPS=false serves none and links none,
// and the tools answer as before.
func TestViewsOverEveryTransport(t *testing.T) {
	sb := testenv.StartSandbox(t, sandbox.Config{})
	on := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	off := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_APPS": "false"}))
	ctx := context.Background()
	linked := map[string]string{"get_trends": views.ChartURI, "station_means": views.ChartURI, "find_nearby": views.MapURI}
	for _, tr := range []string{testenv.SSE, testenv.Streamable, testenv.Modern} {
		cs := testenv.MustConnect(ctx, t, on.URL, tr, sb.Token, "header")
		res, err := cs.ListResources(ctx, nil)
		if err != nil {
			t.Fatalf("%s: resources/list: %v", tr, err)
		}
		var uis []*mcp.Resource // the views; the data resources (jana://…) are the tools' business
		for _, r := range res.Resources {
			if strings.HasPrefix(r.URI, "ui://") {
				uis = append(uis, r)
			}
		}
		if len(uis) != 2 {
			t.Errorf("%s: %d ui:// resources, want the chart and the map", tr, len(uis))
		}
		for _, r := range uis {
			got, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: r.URI})
			if err != nil || len(got.Contents) != 1 || got.Contents[0].MIMEType != views.MIMEType || int64(len(got.Contents[0].Text)) != r.Size {
				t.Errorf("%s: reading %s: %v", tr, r.URI, err)
			}
		}
		for def, err := range cs.Tools(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			if got := views.ResourceURI(def.Meta); got != linked[def.Name] {
				t.Errorf("%s: %s links to %q, want %q", tr, def.Name, got, linked[def.Name])
			}
		}
	}
	cs := testenv.MustConnect(ctx, t, off.URL, testenv.Streamable, sb.Token, "header")
	listed, err := cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatalf("MCP_APPS=false: resources/list: %v", err)
	}
	for _, r := range listed.Resources {
		if strings.HasPrefix(r.URI, "ui://") {
			t.Errorf("MCP_APPS=false lists %s", r.URI)
		}
	}
	for def, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if def.Meta != nil {
			t.Errorf("MCP_APPS=false: %s has _meta %v", def.Name, def.Meta)
		}
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "find_nearby", Arguments: map[string]any{"location_point": []float64{4.4777, 51.9244}, "radius_km": 10}})
	if err != nil || res.IsError || !strings.Contains(testenv.Text(res), "nearest first") {
		t.Errorf("find_nearby without views: %v %s", err, testenv.Text(res))
	}
}
