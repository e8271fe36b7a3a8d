package tools

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// trendPoints is how many points a trend fetches at most, as the first server did.
const trendPoints = 1000

// stableBelowPercent: smaller fitted changes over the period count as stable.
const stableBelowPercent = 5.0

type trendsIn struct {
	Parameter string `json:"parameter" jsonschema:"What to follow: a pollutant (pm25, pm10, o3, no2, so2, co; OpenAQ) or a gas (co2, ch4, n2o, co2e; Climate TRACE)."`
	toolkit.Place
	toolkit.Dates
	Resolution string `json:"resolution,omitempty" jsonschema:"Bucket size of the series: daily, weekly or monthly (default)."`
}

// trendStats describes a series: a least-squares line through its points.
type trendStats struct {
	Direction     string   `json:"direction"`
	SlopePerYear  *float64 `json:"slope_per_year"`
	PercentChange *float64 `json:"percent_change"`
	RSquared      *float64 `json:"r_squared"`
	Points        int      `json:"points"`
}

type trendPoint struct {
	PeriodStart time.Time `json:"period_start"`
	Value       float64   `json:"value"`
	Count       int       `json:"count"`
}

func getTrends(env *toolkit.Env) toolkit.Tool {
	def := &mcp.Tool{
		Name:  "get_trends",
		Title: "How a pollutant or gas changes over time",
		Description: "Time series of one pollutant (OpenAQ: pm25 = PM2.5, pm10, o3, no2, so2, co) or greenhouse gas (Climate TRACE: co2, ch4, n2o, co2e) " +
			"aggregated over a place, via Jana, at daily, weekly or monthly resolution, with the direction (increasing, decreasing, stable), " +
			"the slope per year, the percent change over the period and R² of a least-squares fit. Use it for \"is PM2.5 in Delhi improving?\". " +
			"Requires a location (location_bbox, location_point with radius_km, or country_codes ISO-3); narrow with date_from/date_to. " +
			"Needs at least 2 points: widen the dates or area, or pick a finer resolution, when it says there are too few. " +
			"Units: µg/m³ or ppm for pollutants (as measured), tonnes per period for gases.",
		InputSchema: toolkit.Schema[trendsIn](func(p map[string]*jsonschema.Schema) {
			toolkit.Constrain(p)
			toolkit.Enum(p["parameter"], append(append([]string{}, Pollutants...), Gases...)...)
			toolkit.Enum(p["resolution"], "daily", "weekly", "monthly")
		}),
	}
	return toolkit.New(env, def, func(ctx context.Context, in trendsIn) (*toolkit.Page, error) {
		return trends(ctx, env, in)
	})
}

func trends(ctx context.Context, env *toolkit.Env, in trendsIn) (*toolkit.Page, error) {
	param := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(in.Parameter), ".", ""))
	source, attribution := "", toolkit.Source{}
	switch {
	case contains(Pollutants, param):
		source, attribution = srcOpenAQ, toolkit.OpenAQ
	case contains(Gases, param):
		source, attribution = srcClimateTRACE, toolkit.ClimateTRACE
	default:
		return nil, toolkit.Invalid("parameter", "%q is not a pollutant (%s) or gas (%s)", in.Parameter,
			strings.Join(Pollutants, ", "), strings.Join(Gases, ", "))
	}
	where, err := in.Place.Resolve(true)
	if err != nil {
		return nil, err
	}
	span, err := in.Dates.Resolve()
	if err != nil {
		return nil, err
	}
	resolution := strings.ToLower(strings.TrimSpace(in.Resolution))
	if resolution == "" {
		resolution = "monthly"
	}
	if resolution != "daily" && resolution != "weekly" && resolution != "monthly" {
		return nil, toolkit.Invalid("resolution", "%q is not one of daily, weekly, monthly", in.Resolution)
	}

	res := janaapi.V1EsgTrendsRetrieveParamsTemporalResolution(resolution)
	analysis := janaapi.V1EsgTrendsRetrieveParamsAnalysisTypeTrend
	sources := []janaapi.V1EsgTrendsRetrieveParamsSources{janaapi.V1EsgTrendsRetrieveParamsSources(source)}
	limit := trendPoints
	resp, err := env.Jana.API().V1EsgTrendsRetrieveWithResponse(ctx, &janaapi.V1EsgTrendsRetrieveParams{
		Sources:            &sources,
		Parameters:         &[]string{param},
		AnalysisType:       &analysis,
		TemporalResolution: &res,
		LocationBbox:       where.BBoxList(),
		LocationPoint:      where.PointList(),
		RadiusKm:           where.RadiusParam(),
		CountryCodes:       where.Alpha3(),
		DateFrom:           span.From,
		DateTo:             span.To,
		Limit:              &limit,
	})
	out, err := jana.Result[janaapi.TrendsResponse]("v1_esg_trends_retrieve", resp, err)
	if err != nil {
		return nil, err
	}

	var series *janaapi.TrendSeries
	for i := range out.Series {
		if strings.EqualFold(out.Series[i].Parameter, param) || series == nil {
			series = &out.Series[i]
		}
	}
	page := &toolkit.Page{Sources: []toolkit.Source{attribution}}
	t := &toolkit.Table{Name: "series", Columns: []string{"period_start", "value", "count"}, Total: -1}
	unit := ""
	var points []trendPoint
	if series != nil {
		unit = series.Unit
		for _, p := range series.Points {
			if p.Value == sentinel || math.IsNaN(p.Value) {
				continue
			}
			points = append(points, trendPoint{PeriodStart: p.PeriodStart, Value: p.Value, Count: p.Count})
		}
	}
	for _, p := range points {
		t.Add(p, p.PeriodStart.UTC().Format(time.DateOnly), toolkit.Num(p.Value), strconv.Itoa(p.Count))
	}
	page.Tables = []*toolkit.Table{t}
	stats := fitTrend(points)
	page.Fields = map[string]any{"parameter": param, "source": source, "unit": unit, "resolution": resolution, "statistics": stats}

	subject := fmt.Sprintf("%s trend (%s, %s) %s, %s", param, sourceName(source), resolution, where.Describe(), span.Describe())
	if stats.Direction == "insufficient_data" {
		page.Title = fmt.Sprintf("%s: not enough data for a trend — %d point(s), at least 2 are needed.", subject, len(points))
		page.Notes = append(page.Notes, "Widen date_from/date_to or the area, or use a finer resolution (daily or weekly), and call again.")
		return page, nil
	}
	page.Title = fmt.Sprintf("%s: %s, %s %s per year, %s%% over the period (R² %s, %d points).",
		subject, stats.Direction, signed(*stats.SlopePerYear), unit, signed(*stats.PercentChange), toolkit.Num(*stats.RSquared), stats.Points)
	page.Notes = append(page.Notes, fmt.Sprintf("Direction is from a least-squares line through the points; changes under %g%% over the period count as stable.", stableBelowPercent))
	return page, nil
}

// fitTrend fits value = a + b·t (t in years) by least squares.
func fitTrend(points []trendPoint) trendStats {
	st := trendStats{Direction: "insufficient_data", Points: len(points)}
	if len(points) < 2 {
		return st
	}
	t0 := points[0].PeriodStart
	var sx, sy, sxx, sxy float64
	n := float64(len(points))
	xs := make([]float64, len(points))
	for i, p := range points {
		x := p.PeriodStart.Sub(t0).Hours() / (24 * 365.25)
		xs[i] = x
		sx += x
		sy += p.Value
		sxx += x * x
		sxy += x * p.Value
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return st // all points at the same instant
	}
	b := (n*sxy - sx*sy) / den
	a := (sy - b*sx) / n
	mean := sy / n
	var ssTot, ssRes float64
	for i, p := range points {
		fit := a + b*xs[i]
		ssRes += (p.Value - fit) * (p.Value - fit)
		ssTot += (p.Value - mean) * (p.Value - mean)
	}
	r2 := 1.0
	if ssTot > 0 {
		r2 = 1 - ssRes/ssTot
	}
	first, last := a, a+b*xs[len(xs)-1]
	pct := 0.0
	if first != 0 {
		pct = (last - first) / math.Abs(first) * 100
	}
	st.SlopePerYear, st.PercentChange, st.RSquared = ptr(round(b, 4)), ptr(round(pct, 2)), ptr(round(r2, 3))
	switch {
	case math.Abs(pct) < stableBelowPercent:
		st.Direction = "stable"
	case b > 0:
		st.Direction = "increasing"
	default:
		st.Direction = "decreasing"
	}
	return st
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

func signed(v float64) string {
	if v > 0 {
		return "+" + toolkit.Num(v)
	}
	return toolkit.Num(v)
}
