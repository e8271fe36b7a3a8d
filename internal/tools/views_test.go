package tools_test

import (
	"bytes"
	"context"
	"image/png"
	"strconv"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/chart"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// TestTrendImage: get_trends returns its series as a PNG image content after the text when
// asked (image: true) or when MCP_CHART_IMAGES says so, never otherwise; the PNG decodes, has
// one of the chart sizes and stays within MCP_CHART_IMAGE_MAX_BYTES, or is left out with a
// note when even the smallest size is over it.
func TestTrendImage(t *testing.T) {
	sb := testenv.StartSandbox(t, sandbox.Config{})
	args := map[string]any{"parameter": "pm25", "location_point": []float64{77.209, 28.6139}, "radius_km": 50}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range args {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	images := func(res *mcp.CallToolResult) []*mcp.ImageContent {
		var out []*mcp.ImageContent
		for _, c := range res.Content {
			if img, ok := c.(*mcp.ImageContent); ok {
				out = append(out, img)
			}
		}
		return out
	}
	callWith := func(t *testing.T, settings map[string]string, arguments map[string]any) *mcp.CallToolResult {
		t.Helper()
		srv := testenv.StartServer(t, testenv.Config(t, sb.URL, settings))
		cs := testenv.MustConnect(context.Background(), t, srv.URL, testenv.Streamable, sb.Token, "header")
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_trends", Arguments: arguments})
		if err != nil || res.IsError {
			t.Fatalf("get_trends: %v %s", err, testenv.Text(res))
		}
		if _, ok := res.Content[0].(*mcp.TextContent); !ok {
			t.Fatalf("the first content is %T, want the text", res.Content[0])
		}
		return res
	}
	decode := func(t *testing.T, img *mcp.ImageContent, maxBytes int) (w, h int) {
		t.Helper()
		if img.MIMEType != "image/png" || len(img.Data) > maxBytes {
			t.Fatalf("image %s of %d bytes (bound %d)", img.MIMEType, len(img.Data), maxBytes)
		}
		decoded, err := png.Decode(bytes.NewReader(img.Data))
		if err != nil {
			t.Fatalf("the image is not a PNG: %v", err)
		}
		return decoded.Bounds().Dx(), decoded.Bounds().Dy()
	}

	t.Run("asked", func(t *testing.T) {
		res := callWith(t, nil, with(map[string]any{"image": true}))
		imgs := images(res)
		if len(imgs) != 1 {
			t.Fatalf("%d images", len(imgs))
		}
		w, h := decode(t, imgs[0], 150_000)
		if w != chart.Sizes[0][0] || h != chart.Sizes[0][1] {
			t.Errorf("the PNG is %dx%d, want the largest size %v under the default bound", w, h, chart.Sizes[0])
		}
		if want := strconv.Itoa(w) + "x" + strconv.Itoa(h) + " PNG chart"; !strings.Contains(testenv.Text(res), want) {
			t.Errorf("the text does not say %q:\n%s", want, testenv.Text(res))
		}
		testenv.SaveScreenshot(t, "trend-image.png", imgs[0].Data)
	})
	t.Run("not asked", func(t *testing.T) {
		if imgs := images(callWith(t, nil, args)); len(imgs) != 0 {
			t.Errorf("%d images without image: true", len(imgs))
		}
	})
	t.Run("setting", func(t *testing.T) {
		imgs := images(callWith(t, map[string]string{"MCP_CHART_IMAGES": "true"}, args))
		if len(imgs) != 1 {
			t.Fatalf("MCP_CHART_IMAGES=true: %d images", len(imgs))
		}
		decode(t, imgs[0], 150_000)
	})
	t.Run("bounded", func(t *testing.T) {
		const bound = 10_000
		res := callWith(t, map[string]string{"MCP_CHART_IMAGE_MAX_BYTES": strconv.Itoa(bound)}, with(map[string]any{"image": true}))
		if imgs := images(res); len(imgs) > 0 {
			w, _ := decode(t, imgs[0], bound)
			if w == chart.Sizes[0][0] {
				t.Errorf("under a %d-byte bound the chart kept its largest size", bound)
			}
		} else if !strings.Contains(testenv.Text(res), "No chart image") {
			t.Errorf("no image and no note:\n%s", testenv.Text(res))
		}
	})
}
