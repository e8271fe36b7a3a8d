package tools

import (
	"context"
	"encoding/json"
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
	Resolution string `json:"resolution,omitempty" jsonschema:"Bucket size of the series: daily, weekly or monthly."`
	Image      bool   `json:"image,omitempty" jsonschema:"Also return the series as a PNG chart image, for clients that show images. Default false."`
}

// trendStats describes a series: a trend (a least-squares line, and a yearly cycle beside
// it) only when the series is long enough to tell one from the seasons, and always what the
// series did (change).
type trendStats struct {
	// Direction is increasing, decreasing or stable when a trend is claimed; no_trend_claimed
	// when the series is too short to tell a trend from the seasons; insufficient_data with
	// fewer than 3 points.
	Direction      string   `json:"direction"`
	SlopePerYear   *float64 `json:"slope_per_year"`
	PercentPerYear *float64 `json:"percent_per_year"`
	PercentChange  *float64 `json:"percent_change"`
	RSquared       *float64 `json:"r_squared"`
	Points         int      `json:"points"`
	// CoveredYears is the time the points cover, the last period included (24 monthly points
	// cover 2 years).
	CoveredYears float64 `json:"covered_years"`
	// SeasonalityRemoved says a yearly cycle was fitted alongside the trend: it is, whenever a
	// trend is claimed.
	SeasonalityRemoved bool `json:"seasonality_removed"`
	// Significant says the slope is at least twice its standard error.
	Significant bool `json:"significant"`
	// NoTrendReason says why no trend is claimed.
	NoTrendReason string       `json:"no_trend_reason,omitempty"`
	Change        *trendChange `json:"change,omitempty"`
}

// trendChange describes a series without a model: where it started and ended, its range, and
// the change between points a year apart (the same season) when there are such.
type trendChange struct {
	First          trendPoint `json:"first"`
	Last           trendPoint `json:"last"`
	Mean           float64    `json:"mean"`
	Min            trendPoint `json:"min"`
	Max            trendPoint `json:"max"`
	FirstToLastPct *float64   `json:"first_to_last_percent"`
	// YearOverYearPct compares the points that have a point a year before them with those
	// (the same months, weeks or days a year apart), which the seasons do not bias.
	YearOverYearPct *float64 `json:"year_over_year_percent"`
	YearPairs       int      `json:"year_over_year_pairs"`
}

type trendPoint struct {
	PeriodStart time.Time `json:"period_start"`
	Value       float64   `json:"value"`
	Count       int       `json:"count"`
}

// minTrendYears is how much time a series must cover for a trend: two full yearly cycles,
// so that the cycle and the trend can be told apart (a few days short still counts).
const minTrendYears = 1.98

func getTrends(env *toolkit.Env) toolkit.Tool {
	def := &mcp.Tool{
		Name:  "get_trends",
		Title: "How a pollutant or gas changes over time",
		Description: "Time series of one pollutant (OpenAQ: pm25 = PM2.5, pm10, o3, no2, so2, co) or greenhouse gas (Climate TRACE: co2, ch4, n2o, co2e) " +
			"aggregated over a place, via Jana, at daily, weekly or monthly resolution, and its trend: direction (increasing, decreasing, stable), " +
			"percent per year and over the period, R², from a fit that removes the yearly cycle. Use it for \"is PM2.5 in Delhi improving?\". " +
			"A trend is claimed only when the points cover at least two full years; a shorter series is described (first, last, range, " +
			"the change between the same months a year apart) and the answer says why no trend is claimed. " +
			"Requires a location (location_bbox, location_point with radius_km, or country_codes); narrow with date_from/date_to. " +
			"Units: µg/m³ or ppm for pollutants (as measured), tonnes per period for gases.",
		OutputSchema: toolkit.Output(
			toolkit.Rows[trendPoint]("series", "Oldest first."),
			toolkit.Field[trendStats]("statistics", "The trend (only over two years or more: direction increasing, decreasing or stable; else no_trend_claimed with no_trend_reason) and the change."),
			toolkit.Field[string]("parameter", ""),
			toolkit.Field[string]("source", ""),
			toolkit.Field[string]("unit", ""),
			toolkit.Field[string]("resolution", ""),
			toolkit.Field[*SourceSpan]("coverage", ""),
		),
		InputSchema: toolkit.Schema[trendsIn](func(p map[string]*jsonschema.Schema) {
			toolkit.Constrain(p)
			toolkit.Enum(p["parameter"], append(append([]string{}, Pollutants...), Gases...)...)
			toolkit.Enum(p["resolution"], "daily", "weekly", "monthly")
			p["resolution"].Default = json.RawMessage(`"monthly"`)
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
	case slices.Contains(Pollutants, param):
		source, attribution = srcOpenAQ, toolkit.OpenAQ
	case slices.Contains(Gases, param):
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
	stats := fitTrend(points, resolution)
	page.Fields = map[string]any{"parameter": param, "source": source, "unit": unit, "resolution": resolution, "statistics": stats}

	subject := fmt.Sprintf("%s (%s, %s) %s, %s", displayName(param), sourceName(source), resolution, where.Describe(), span.Describe())
	if (in.Image || env.ChartImages) && len(points) > 0 {
		addTrendImage(env, page, subject, unit, points) // a short series is drawn too: what it did, not a trend
	}
	switch stats.Direction {
	case "insufficient_data":
		page.Title = fmt.Sprintf("%s: not enough data for a trend — %d point(s).", subject, len(points))
		page.Notes = append(page.Notes, "Widen date_from/date_to or the area, and call again: a trend needs points covering at least two years.")
		if note, cov := coverageNote(ctx, env, source, span, len(points) == 0); note != "" {
			page.Notes = append(page.Notes, note)
			page.Fields["coverage"] = cov
		}
		return page, nil
	case "no_trend_claimed":
		c := stats.Change
		page.Title = fmt.Sprintf("%s: no trend claimed — %s. Over %d points the value went from %s to %s %s (mean %s; low %s in %s, high %s in %s).",
			subject, stats.NoTrendReason, stats.Points, toolkit.Num(c.First.Value), toolkit.Num(c.Last.Value), unit, toolkit.Num(c.Mean),
			toolkit.Num(c.Min.Value), c.Min.PeriodStart.Format(periodFormat(resolution)), toolkit.Num(c.Max.Value), c.Max.PeriodStart.Format(periodFormat(resolution)))
		if c.YearOverYearPct != nil {
			page.Notes = append(page.Notes, fmt.Sprintf("Comparing the same %s a year apart (%d pairs), the later values are %s%% of the earlier ones' level: "+
				"a like-for-like change that the seasons do not bias, though not a trend.", periodsName(resolution), c.YearPairs, signed(*c.YearOverYearPct)))
		}
		page.Notes = append(page.Notes, "For a trend, ask for at least two full years (date_from two years before date_to) at monthly resolution.")
		if note, cov := coverageNote(ctx, env, source, span, false); note != "" {
			page.Notes = append(page.Notes, note)
			page.Fields["coverage"] = cov
		}
		return page, nil
	}
	confidence := ""
	if !stats.Significant && stats.Direction != "stable" {
		confidence = " — weak evidence: the slope is within two standard errors of zero"
	}
	page.Title = fmt.Sprintf("%s: %s%s, %s%% per year (%s %s per year), %s%% over the period (R² %s, %d points over %s).",
		subject, stats.Direction, confidence, signed(*stats.PercentPerYear), signed(*stats.SlopePerYear), unit, signed(*stats.PercentChange),
		toolkit.Num(*stats.RSquared), stats.Points, coverText(stats.CoveredYears))
	page.Notes = append(page.Notes, fmt.Sprintf("The trend is a least-squares fit of the (log) values together with a yearly cycle, so seasonal swings "+
		"are not counted as trend; a fitted change under %g%% over the period counts as stable.", stableBelowPercent))
	return page, nil
}

func periodFormat(resolution string) string {
	if resolution == "monthly" {
		return "2006-01"
	}
	return time.DateOnly
}

func periodsName(resolution string) string {
	switch resolution {
	case "daily":
		return "days"
	case "weekly":
		return "weeks"
	}
	return "months"
}

// fitTrend describes a series whose points are step apart (resolution daily, weekly or
// monthly). Pollution and emissions change multiplicatively (a city improves by a share of
// its level, and its winter peak shrinks with it), so when every value is positive the fit is
// on log values: log v = a + b·t + c·sin 2πt + d·cos 2πt, with t in years; b is the growth rate
// and the yearly change e^b − 1. Otherwise v itself is fitted. A trend is claimed only when
// the points cover two full years: with less, the yearly cycle (winter smog, summer ozone)
// cannot be told apart from a trend, and a line through a year of seasons says nothing about
// the years — the answer then describes the change instead and says why no trend is claimed.
// The direction is "stable" when the fitted change over the period is under
// stableBelowPercent; the trend is significant when the slope is at least twice its standard
// error.
func fitTrend(points []trendPoint, resolution string) trendStats {
	st := trendStats{Direction: "insufficient_data", Points: len(points)}
	if len(points) == 0 {
		return st
	}
	st.CoveredYears = round(coveredYears(points, resolution), 3)
	st.Change = describeChange(points, resolution)
	if len(points) < 3 {
		st.NoTrendReason = fmt.Sprintf("%d point(s): a trend needs at least two years of points", len(points))
		return st
	}
	if st.CoveredYears < minTrendYears || len(points) < 8 {
		st.Direction = "no_trend_claimed"
		st.NoTrendReason = fmt.Sprintf("the points cover %s; telling a trend from the yearly cycle needs at least two full years, "+
			"so no trend or rate per year is claimed", coverText(st.CoveredYears))
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
	basis := func(x float64) []float64 {
		return []float64{1, x, math.Sin(2 * math.Pi * x), math.Cos(2 * math.Pi * x)}
	}
	coef, slopeSE, r2, ok := leastSquares(xs, ys, basis)
	if !ok || span == 0 {
		st.Direction = "no_trend_claimed"
		st.NoTrendReason = "the points do not allow a fit"
		return st
	}
	a, b := coef[0], coef[1]
	var pct, slope, perYear float64
	if logScale {
		pct = math.Expm1(b*span) * 100
		perYear = math.Expm1(b) * 100
		// Units per year at the series' typical level (its geometric mean, seasons excluded).
		slope = math.Exp(a+b*span/2) * math.Expm1(b)
	} else {
		level := a + b*span/2
		if level != 0 {
			pct = b * span / math.Abs(a) * 100
			perYear = b / math.Abs(level) * 100
		}
		slope = b
	}
	st.SlopePerYear, st.PercentChange, st.RSquared = new(round(slope, 4)), new(round(pct, 2)), new(round(r2, 3))
	st.PercentPerYear = new(round(perYear, 2))
	st.SeasonalityRemoved = true
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

// step is the length of one period of a resolution.
func stepOf(resolution string) (days int, months int) {
	switch resolution {
	case "daily":
		return 1, 0
	case "weekly":
		return 7, 0
	}
	return 0, 1
}

// coveredYears is the time from the first period's start to the last period's end.
func coveredYears(points []trendPoint, resolution string) float64 {
	first, last := points[0].PeriodStart, points[len(points)-1].PeriodStart
	days, months := stepOf(resolution)
	end := last.AddDate(0, months, days)
	return end.Sub(first).Hours() / (24 * 365.25)
}

func coverText(years float64) string {
	switch months := years * 12; {
	case months < 1:
		return fmt.Sprintf("%.0f days", years*365.25)
	case months < 24:
		return fmt.Sprintf("%.1f months", months)
	}
	return fmt.Sprintf("%.1f years", years)
}

// describeChange says what the series did, without a model.
func describeChange(points []trendPoint, resolution string) *trendChange {
	c := &trendChange{First: points[0], Last: points[len(points)-1], Min: points[0], Max: points[0]}
	var sum float64
	for _, p := range points {
		sum += p.Value
		if p.Value < c.Min.Value {
			c.Min = p
		}
		if p.Value > c.Max.Value {
			c.Max = p
		}
	}
	c.Mean = round(sum/float64(len(points)), 4)
	if c.First.Value != 0 {
		c.FirstToLastPct = new(round((c.Last.Value/c.First.Value-1)*100, 2))
	}
	// Points a year apart: the same calendar month, or 364 days (52 weeks) apart.
	byTime := map[time.Time]float64{}
	for _, p := range points {
		byTime[p.PeriodStart.UTC()] = p.Value
	}
	var later, earlier float64
	for _, p := range points {
		before := p.PeriodStart.UTC().AddDate(-1, 0, 0)
		if resolution != "monthly" {
			before = p.PeriodStart.UTC().AddDate(0, 0, -364)
		}
		if v, ok := byTime[before]; ok {
			later += p.Value
			earlier += v
			c.YearPairs++
		}
	}
	if c.YearPairs > 0 && earlier != 0 {
		c.YearOverYearPct = new(round((later/earlier-1)*100, 2))
	}
	return c
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
