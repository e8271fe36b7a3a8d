// Package chart draws a time series as a PNG line chart, for MCP clients that show images but
// not MCP Apps views. It uses gonum/plot (pinned in go.mod) and its bundled Liberation fonts,
// so the image is the same on every machine.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is what a chart shows: values over time.
type Series struct {
	Title  string // heading, e.g. "pm25 trend, monthly"
	YLabel string // the unit
	Times  []time.Time
	Values []float64
}

// Sizes are the pixel sizes tried, largest first, until a PNG fits the byte bound.
var Sizes = [][2]int{{960, 480}, {720, 360}, {480, 240}}

// ErrTooLarge means even the smallest size is over the byte bound.
var ErrTooLarge = errors.New("chart image over the size bound")

// dpi is the resolution the canvas is drawn at: one point of vg at 96 DPI is 4/3 pixel.
const dpi = 96

// PNG draws s at w×h pixels.
func PNG(s Series, w, h int) (_ []byte, err error) {
	// gonum/plot panics on some degenerate ranges; a chart that cannot be drawn is an error,
	// and the answer goes on without it.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("chart: drawing failed: %v", r)
		}
	}()
	if len(s.Times) != len(s.Values) {
		return nil, fmt.Errorf("chart: %d times for %d values", len(s.Times), len(s.Values))
	}
	xys := make(plotter.XYs, 0, len(s.Values))
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		xys = append(xys, plotter.XY{X: float64(s.Times[i].Unix()), Y: v})
	}
	if len(xys) == 0 {
		return nil, errors.New("chart: no finite values")
	}
	p := plot.New()
	p.Title.Text = s.Title
	p.Title.Padding = vg.Points(6)
	p.Y.Label.Text = s.YLabel
	// Sans-serif throughout (the default is Liberation Serif), set on this plot only.
	for _, st := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle, &p.X.Tick.Label, &p.Y.Tick.Label} {
		st.Font.Variant = "Sans"
	}
	p.X.Tick.Marker = plot.TimeTicks{Format: timeFormat(s.Times)}
	p.Add(plotter.NewGrid())
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	blue := color.RGBA{R: 0x1f, G: 0x6f, B: 0xd1, A: 0xff}
	line.Color, line.Width = blue, vg.Points(1.5)
	points.Color, points.Shape = blue, draw.CircleGlyph{}
	points.Radius = vg.Points(2.2)
	if len(xys) > 200 {
		points.Radius = vg.Points(1)
	}
	p.Add(line, points)
	if lo := minY(xys); lo >= 0 {
		p.Y.Min = 0 // concentrations and emissions read best from zero
	}
	pxToLength := func(px int) vg.Length { return vg.Length(px) * vg.Inch / dpi }
	wt, err := p.WriterTo(pxToLength(w), pxToLength(h), "png")
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("chart: encoding PNG: %w", err)
	}
	return b.Bytes(), nil
}

// Bounded draws s at the largest of Sizes whose PNG has at most maxBytes, and returns the
// image with its size.
func Bounded(s Series, maxBytes int) (png []byte, w, h int, err error) {
	for _, size := range Sizes {
		png, err = PNG(s, size[0], size[1])
		if err != nil {
			return nil, 0, 0, err
		}
		if len(png) <= maxBytes {
			return png, size[0], size[1], nil
		}
	}
	return nil, 0, 0, ErrTooLarge
}

func minY(xys plotter.XYs) float64 {
	lo := math.Inf(1)
	for _, p := range xys {
		lo = math.Min(lo, p.Y)
	}
	return lo
}

// timeFormat labels the time axis by month over long spans and by day over short ones.
func timeFormat(ts []time.Time) string {
	if len(ts) > 1 && ts[len(ts)-1].Sub(ts[0]) > 90*24*time.Hour {
		return "Jan 2006"
	}
	return "2 Jan"
}
