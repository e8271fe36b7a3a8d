package tools

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/views"
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
	Image      bool   `json:"image,omitempty" jsonschema:"Also return the series as a PNG chart image, for clients that show images. Default false."`
}

// trendStats describes a series: a least-squares line through its points.
type trendStats struct {
	Direction     string   `json:"direction"`
	SlopePerYear  *float64 `json:"slope_per_year"`
	PercentChange *float64 `json:"percent_change"`
	RSquared      *float64 `json:"r_squared"`
	Points        int      `json:"points"`
	// SeasonalityRemoved says a yearly cycle was fitted alongside the trend.
	SeasonalityRemoved bool `json:"seasonality_removed"`
	// Significant says the slope is at least twice its standard error.
	Significant bool `json:"significant"`
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
		Meta: viewMeta(env, views.ChartURI),
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
	resp, err := env.Jana.API().V1EsgTrendsRetrieve(ctx, &janaapi.V1EsgTrendsRetrieveParams{
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
	out, err := jana.Decode[janaapi.TrendsResponse]("v1_esg_trends_retrieve", resp, err)
	if err != nil {
		return nil, err
	}

	// Jana gives one series per unit (o3 is measured in ppm at some stations and µg/m³ at
	// others); follow the one with the most data and say the others exist.
	names := []string{param}
	if source == srcClimateTRACE {
		ct, _ := gasCodes(param) // Jana answers co2e as co2e_100yr
		names = append(names, ct)
	}
	var series *janaapi.TrendSeries
	var others []string
	for i := range out.Series {
		s := &out.Series[i]
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, s.Parameter) }) {
			continue
		}
		if series == nil || len(s.Points) > len(series.Points) {
			if series != nil {
				others = append(others, series.Unit)
			}
			series = s
		} else {
			others = append(others, s.Unit)
		}
	}
	page := &toolkit.Page{Sources: []toolkit.Source{attribution}}
	if len(others) > 0 {
		page.Notes = append(page.Notes, fmt.Sprintf("Some stations report %s in %s as well; this trend follows the unit with the most data.", param, strings.Join(others, ", ")))
	}
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
	confidence := ""
	if !stats.Significant && stats.Direction != "stable" {
		confidence = " — weak evidence: the slope is within two standard errors of zero"
	}
	page.Title = fmt.Sprintf("%s: %s%s, %s %s per year, %s%% over the period (R² %s, %d points).",
		subject, stats.Direction, confidence, signed(*stats.SlopePerYear), unit, signed(*stats.PercentChange), toolkit.Num(*stats.RSquared), stats.Points)
	how := "a least-squares fit of the (log) values"
	if stats.SeasonalityRemoved {
		how = "a least-squares fit of the (log) values together with a yearly cycle, so seasonal swings are not counted as trend"
	}
	page.Notes = append(page.Notes, fmt.Sprintf("Direction is from %s; a change under %g%% over the period counts as stable.", how, stableBelowPercent))
	if in.Image || env.ChartImages {
		addTrendImage(env, page, subject, unit, points)
	}
	return page, nil
}

// fitTrend estimates the trend of a series. Pollution and emissions change multiplicatively
// (a city improves by a share of its level, and its winter peak shrinks with it), so when every
// value is positive the fit is on log values: log v = a + b·t, with t in years; b is then the
// growth rate and the yearly change is e^b − 1. Otherwise v = a + b·t is fitted directly.
// When the series spans a year or more a yearly cycle (sin and cos of 2πt) is fitted along
// with it, so that seasons — winter smog, summer ozone — are not mistaken for a trend. The
// direction is "stable" when the change over the period is under stableBelowPercent; the
// trend is significant when the slope is at least twice its standard error.
func fitTrend(points []trendPoint) trendStats {
	st := trendStats{Direction: "insufficient_data", Points: len(points)}
	if len(points) < 2 {
		return st
	}
	t0 := points[0].PeriodStart
	xs := make([]float64, len(points))
	ys := make([]float64, len(points))
	logScale := true
	for i, p := range points {
		xs[i] = p.PeriodStart.Sub(t0).Hours() / (24 * 365.25)
		ys[i] = p.Value
		logScale = logScale && p.Value > 0
	}
	if logScale {
		for i := range ys {
			ys[i] = math.Log(ys[i])
		}
	}
	span := xs[len(xs)-1]
	seasonal := span >= 0.95 && len(points) >= 8
	basis := func(x float64) []float64 {
		if seasonal {
			return []float64{1, x, math.Sin(2 * math.Pi * x), math.Cos(2 * math.Pi * x)}
		}
		return []float64{1, x}
	}
	coef, slopeSE, r2, ok := leastSquares(xs, ys, basis)
	if !ok || span == 0 {
		return st // all points at one instant, or a degenerate fit
	}
	a, b := coef[0], coef[1]
	var pct, slope float64
	if logScale {
		pct = math.Expm1(b*span) * 100
		// Units per year at the series' typical level (its geometric mean, seasons excluded).
		slope = math.Exp(a+b*span/2) * math.Expm1(b)
	} else {
		if a != 0 {
			pct = b * span / math.Abs(a) * 100
		}
		slope = b
	}
	st.SlopePerYear, st.PercentChange, st.RSquared = ptr(round(slope, 4)), ptr(round(pct, 2)), ptr(round(r2, 3))
	st.SeasonalityRemoved = seasonal
	st.Significant = slopeSE == 0 || math.Abs(b) >= 2*slopeSE
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

// leastSquares fits ys ≈ Σ coef_k·basis(x)_k. It returns the coefficients, the standard error
// of the second one (the slope), and R².
func leastSquares(xs, ys []float64, basis func(float64) []float64) (coef []float64, slopeSE, r2 float64, ok bool) {
	k := len(basis(0))
	n := len(xs)
	if n <= k {
		if n < 2 {
			return nil, 0, 0, false
		}
		basis = func(x float64) []float64 { return []float64{1, x} }
		k = 2
	}
	// Normal equations A·c = v, with A = XᵀX.
	a := make([][]float64, k)
	for i := range a {
		a[i] = make([]float64, k)
	}
	v := make([]float64, k)
	for i, x := range xs {
		row := basis(x)
		for r := range k {
			v[r] += row[r] * ys[i]
			for c := range k {
				a[r][c] += row[r] * row[c]
			}
		}
	}
	inv, ok := invert(a)
	if !ok {
		return nil, 0, 0, false
	}
	coef = make([]float64, k)
	for r := range k {
		for c := range k {
			coef[r] += inv[r][c] * v[c]
		}
	}
	var mean, ssTot, ssRes float64
	for _, y := range ys {
		mean += y
	}
	mean /= float64(n)
	for i, x := range xs {
		fit := 0.0
		for j, b := range basis(x) {
			fit += coef[j] * b
		}
		ssRes += (ys[i] - fit) * (ys[i] - fit)
		ssTot += (ys[i] - mean) * (ys[i] - mean)
	}
	r2 = 1
	if ssTot > 0 {
		r2 = 1 - ssRes/ssTot
	}
	if dof := n - k; dof > 0 {
		slopeSE = math.Sqrt(ssRes / float64(dof) * inv[1][1])
	}
	return coef, slopeSE, r2, true
}

// invert inverts a small square matrix by Gauss-Jordan elimination with partial pivoting.
func invert(m [][]float64) ([][]float64, bool) {
	n := len(m)
	aug := make([][]float64, n)
	for i := range m {
		aug[i] = make([]float64, 2*n)
		copy(aug[i], m[i])
		aug[i][n+i] = 1
	}
	for col := range n {
		pivot := col
		for r := col + 1; r < n; r++ {
			if math.Abs(aug[r][col]) > math.Abs(aug[pivot][col]) {
				pivot = r
			}
		}
		if math.Abs(aug[pivot][col]) < 1e-12 {
			return nil, false
		}
		aug[col], aug[pivot] = aug[pivot], aug[col]
		p := aug[col][col]
		for c := range aug[col] {
			aug[col][c] /= p
		}
		for r := range n {
			if r != col && aug[r][col] != 0 {
				f := aug[r][col]
				for c := range aug[r] {
					aug[r][c] -= f * aug[col][c]
				}
			}
		}
	}
	out := make([][]float64, n)
	for i := range aug {
		out[i] = aug[i][n:]
	}
	return out, true
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
