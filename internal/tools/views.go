package tools

import (
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/chart"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/views"
)

// viewMeta links a tool to the MCP Apps view that draws its results, when the server serves
// the views (MCP_APPS); hosts without MCP Apps ignore it and show the text.
func viewMeta(env *toolkit.Env, uri string) mcp.Meta {
	if !env.Apps {
		return nil
	}
	return views.ToolMeta(uri)
}

// addTrendImage appends a PNG chart of the points to page, within env's byte bound, or a note
// saying why there is none.
func addTrendImage(env *toolkit.Env, page *toolkit.Page, title, unit string, points []trendPoint) {
	s := chart.Series{Title: title, YLabel: unit}
	for _, p := range points {
		s.Times = append(s.Times, p.PeriodStart)
		s.Values = append(s.Values, p.Value)
	}
	maxBytes := env.ChartImageMaxBytes
	if maxBytes <= 0 {
		maxBytes = defaultChartImageBytes
	}
	png, w, h, err := chart.Bounded(s, maxBytes)
	if err != nil {
		if env.Logger != nil {
			env.Logger.Warn("trend chart image", "err", err)
		}
		page.Notes = append(page.Notes, fmt.Sprintf("No chart image: it would be over %d bytes (MCP_CHART_IMAGE_MAX_BYTES).", maxBytes))
		return
	}
	page.Images = append(page.Images, &mcp.ImageContent{Data: png, MIMEType: "image/png"})
	page.Notes = append(page.Notes, fmt.Sprintf("A %dx%d PNG chart of the series follows the text.", w, h))
}

// defaultChartImageBytes is MCP_CHART_IMAGE_MAX_BYTES's default, for an Env built without it.
const defaultChartImageBytes = 150_000
