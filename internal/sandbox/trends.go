package sandbox

import (
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// trendPoint is a bucket of a series before rendering.
type trendPoint struct {
	start time.Time
	value float64
	count int
}

const hoursPerYear = 8766 // 365.25 days

// fit is a least-squares trend model: a + b·t, plus one yearly harmonic when the series is
// sub-yearly and spans at least a year, so that the seasonal cycle does not leak into the
// slope. t is in years since the first point.
type fit struct {
	coef     []float64 // a, b[, c, d]
	origin   time.Time
	span     float64
	mean     float64
	r2       float64
	residual float64 // standard deviation of residuals
	n        int
}

func (f fit) years(t time.Time) float64 { return t.Sub(f.origin).Hours() / hoursPerYear }

func (f fit) predict(t time.Time) float64 {
	x := f.years(t)
	y := f.coef[0] + f.coef[1]*x
	if len(f.coef) == 4 {
		y += f.coef[2]*math.Cos(2*math.Pi*x) + f.coef[3]*math.Sin(2*math.Pi*x)
	}
	return y
}

func fitSeries(pts []trendPoint, seasonal bool) (fit, bool) {
	f := fit{n: len(pts)}
	if len(pts) < 3 {
		return f, false
	}
	f.origin = pts[0].start
	f.span = f.years(pts[len(pts)-1].start)
	k := 2
	if seasonal && f.span >= 1 && len(pts) >= 8 {
		k = 4
	}
	// Normal equations XᵀX β = Xᵀy.
	ata := make([][]float64, k)
	for i := range ata {
		ata[i] = make([]float64, k+1)
	}
	row := make([]float64, k)
	for _, p := range pts {
		x := f.years(p.start)
		row[0], row[1] = 1, x
		if k == 4 {
			row[2], row[3] = math.Cos(2*math.Pi*x), math.Sin(2*math.Pi*x)
		}
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				ata[i][j] += row[i] * row[j]
			}
			ata[i][k] += row[i] * p.value
		}
		f.mean += p.value
	}
	f.mean /= float64(len(pts))
	coef, ok := solve(ata)
	if !ok {
		return f, false
	}
	f.coef = coef
	var ssRes, ssTot float64
	for _, p := range pts {
		r := p.value - f.predict(p.start)
		ssRes += r * r
		ssTot += (p.value - f.mean) * (p.value - f.mean)
	}
	if ssTot > 0 {
		f.r2 = 1 - ssRes/ssTot
	}
	f.residual = math.Sqrt(ssRes / float64(len(pts)))
	return f, true
}

// solve does Gaussian elimination with partial pivoting on an augmented matrix.
func solve(m [][]float64) ([]float64, bool) {
	n := len(m)
	for col := 0; col < n; col++ {
		pivot := col
		for r := col + 1; r < n; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[pivot][col]) {
				pivot = r
			}
		}
		if math.Abs(m[pivot][col]) < 1e-12 {
			return nil, false
		}
		m[col], m[pivot] = m[pivot], m[col]
		for r := col + 1; r < n; r++ {
			f := m[r][col] / m[col][col]
			for c := col; c <= n; c++ {
				m[r][c] -= f * m[col][c]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for c := r + 1; c < n; c++ {
			s -= m[r][c] * x[c]
		}
		x[r] = s / m[r][r]
	}
	return x, true
}

// statistics summarises a fit: slope per year in the series' unit, the fitted trend's change
// over the series as a percentage of its starting level, and a direction from the relative
// slope (beyond ±1.5 % of the mean per year).
func statistics(f fit, ok bool) janaapi.TrendStatistics {
	if !ok {
		return janaapi.TrendStatistics{Direction: janaapi.DirectionEnumInsufficientData}
	}
	slope := f.coef[1]
	st := janaapi.TrendStatistics{SlopePerYear: new(round(slope, 6)), RSquared: new(round(f.r2, 4)),
		Direction: janaapi.DirectionEnumStable}
	if start := f.coef[0]; start != 0 {
		st.PercentChange = new(round(slope*f.span/start*100, 2))
	}
	if f.mean != 0 {
		switch rel := slope / math.Abs(f.mean); {
		case rel > 0.015:
			st.Direction = janaapi.DirectionEnumIncreasing
		case rel < -0.015:
			st.Direction = janaapi.DirectionEnumDecreasing
		}
	}
	return st
}

// V1EsgTrendsRetrieve builds one series per source and parameter (and unit: o3 in ppm and in
// µg/m³ are never averaged together) over the matching stations and assets.
func (h *server) V1EsgTrendsRetrieve(c echo.Context, p janaapi.V1EsgTrendsRetrieveParams) error {
	f, err := h.parseUnifiedFilter(p.LocationBbox, p.LocationPoint, p.RadiusKm, p.CountryCodes, p.DateFrom, p.DateTo, p.Parameters)
	if err != nil {
		return err
	}
	analysis := "trend"
	if p.AnalysisType != nil {
		analysis = string(*p.AnalysisType)
	}
	resName := "monthly"
	if p.TemporalResolution != nil {
		resName = string(*p.TemporalResolution)
	}
	limit := 1000
	if p.Limit != nil {
		limit = *p.Limit
	}
	forecastDays := 30
	if p.ForecastDays != nil {
		forecastDays = *p.ForecastDays
	}
	sources := sourcesOf(p.Sources, srcOpenAQ, srcClimateTrace, srcEdgar)
	series := []janaapi.TrendSeries{}
	add := func(src, param, unit string, pts []trendPoint, sub bool, step time.Duration) {
		if len(pts) > limit {
			pts = pts[len(pts)-limit:]
		}
		ft, ok := fitSeries(pts, sub)
		out := janaapi.TrendSeries{Source: src, Parameter: param, Unit: unit, Statistics: statistics(ft, ok)}
		out.Points = shapePoints(analysis, pts, ft, ok, step, forecastDays)
		series = append(series, out)
	}
	for _, src := range sources {
		switch src {
		case srcOpenAQ:
			params, ok := aqParams(f.params)
			if !ok {
				continue
			}
			res := resolutionOf(resName)
			keys, all := h.d.Measurements(f.measurementFilter(params, 0)).Series(res)
			for _, k := range keys {
				var pts []trendPoint
				for _, sp := range all[k] {
					pts = append(pts, trendPoint{start: sp.Start, value: round(sp.Mean, 4), count: sp.Count})
				}
				add(src, k.Parameter, k.Unit, pts, true, resolutionStep(res))
			}
		case srcClimateTrace:
			gases, ok := ctGases(f.params)
			if !ok {
				continue
			}
			if len(gases) == 0 {
				gases = []string{"co2e_100yr"}
			}
			set := h.d.Emissions(f.emissionFilter(gases))
			for _, g := range gases {
				months, sums, counts := set.MonthlyTotals(data.GasIndex(g))
				var pts []trendPoint
				for i, m := range months {
					if counts[i] > 0 {
						pts = append(pts, trendPoint{start: data.CTMonthStart(m), value: round(sums[i], 3), count: counts[i]})
					}
				}
				add(src, g, "tonnes", pts, true, 30*24*time.Hour)
			}
		case srcEdgar:
			gases, ok := edgarGases(f.params)
			if !ok {
				continue
			}
			if len(f.params) == 0 {
				gases = []int{3}
			}
			for _, g := range gases {
				pts, unit := h.edgarSeries(f, g)
				add(src, data.EdgarGases[g], unit, pts, false, 365*24*time.Hour)
			}
		}
	}
	return writeJSON(c, http.StatusOK, janaapi.TrendsResponse{Query: new(queryEcho(c, sources)),
		AnalysisType: &analysis, TemporalResolution: &resName, Series: series, Attribution: attributionFor(sources)})
}

func resolutionStep(r data.Resolution) time.Duration {
	switch r {
	case data.ResDaily:
		return 24 * time.Hour
	case data.ResWeekly:
		return 7 * 24 * time.Hour
	}
	return 30 * 24 * time.Hour
}

// edgarSeries sums yearly values: national totals for country filters, grid cells for places.
func (h *server) edgarSeries(f unifiedFilter, gas int) ([]trendPoint, string) {
	var pts []trendPoint
	if f.spatial.Empty() {
		years := f.years(yearsRange(data.EdgarFirstYear, data.EdgarLastYear))
		slices.Reverse(years)
		for _, y := range years {
			var sum float64
			n := 0
			for ci, ct := range h.d.Countries {
				if slices.Contains(f.countries, ct.ISO3) {
					sum += h.d.EdgarValue(ci, y, gas, h.d.EdgarTotalSector())
					n++
				}
			}
			if n > 0 {
				pts = append(pts, trendPoint{start: yearStart(y), value: round(sum, 3), count: n})
			}
		}
		return pts, "kt"
	}
	years := f.years(data.GridYears)
	slices.Reverse(years)
	for _, y := range years {
		set := h.d.Grid(data.GridFilter{Spatial: f.spatial, Years: []int{y}, Gases: []string{data.EdgarGases[gas]}, Sectors: []string{"TOTAL"}})
		var sum float64
		refs := set.Page(0, len(set.Cells()))
		for _, r := range refs {
			sum += h.d.GridRow(r).ValueTons
		}
		if len(refs) > 0 {
			pts = append(pts, trendPoint{start: yearStart(y), value: round(sum, 2), count: len(refs)})
		}
	}
	return pts, "t"
}

// shapePoints renders the series for the analysis type: the series itself (trend), a
// calendar-month climatology (seasonal), only the outliers (anomaly), or the series followed
// by model predictions with count 0 (forecast).
func shapePoints(analysis string, pts []trendPoint, f fit, ok bool, step time.Duration, forecastDays int) []janaapi.TrendPoint {
	render := func(ps []trendPoint) []janaapi.TrendPoint {
		out := make([]janaapi.TrendPoint, 0, len(ps))
		for _, p := range ps {
			out = append(out, janaapi.TrendPoint{PeriodStart: p.start, Value: p.value, Count: p.count})
		}
		return out
	}
	switch analysis {
	case "seasonal":
		if step >= 365*24*time.Hour {
			return render(pts)
		}
		var months [12]trendPoint
		var weight [12]float64
		for _, p := range pts {
			m := int(p.start.Month()) - 1
			if months[m].count == 0 && weight[m] == 0 {
				months[m].start = p.start
			}
			w := float64(max(p.count, 1))
			months[m].value += p.value * w
			weight[m] += w
			months[m].count += p.count
		}
		var out []trendPoint
		for m := range months {
			if weight[m] > 0 {
				months[m].value = round(months[m].value/weight[m], 4)
				out = append(out, months[m])
			}
		}
		slices.SortFunc(out, func(a, b trendPoint) int { return a.start.Compare(b.start) })
		return render(out)
	case "anomaly":
		if !ok || f.residual == 0 {
			return []janaapi.TrendPoint{}
		}
		var out []trendPoint
		for _, p := range pts {
			if math.Abs(p.value-f.predict(p.start)) > 2*f.residual {
				out = append(out, p)
			}
		}
		return render(out)
	case "forecast":
		out := render(pts)
		if !ok || len(pts) == 0 {
			return out
		}
		n := max(1, int(math.Ceil(float64(forecastDays)*24/step.Hours())))
		last := pts[len(pts)-1].start
		for i := 1; i <= n; i++ {
			t := advance(last, step, i)
			out = append(out, janaapi.TrendPoint{PeriodStart: t, Value: round(f.predict(t), 4), Count: 0})
		}
		return out
	}
	return render(pts)
}

// advance moves i steps forward, by calendar months or years for those resolutions.
func advance(t time.Time, step time.Duration, i int) time.Time {
	switch {
	case step >= 365*24*time.Hour:
		return t.AddDate(i, 0, 0)
	case step >= 28*24*time.Hour:
		return t.AddDate(0, i, 0)
	}
	return t.Add(time.Duration(i) * step)
}
