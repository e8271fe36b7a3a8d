package tools

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// synthetic is a series of known trend and seasonality: base·(1+rate)^t·(1 + amp·sin 2π(t+phase)),
// with a little noise, as the means of periods of one resolution starting at start.
func synthetic(resolution string, months int, rate, amp float64) []trendPoint {
	start := time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, months, 0)
	r := rand.New(rand.NewPCG(uint64(months), uint64(len(resolution))))
	days, mo := stepOf(resolution)
	var out []trendPoint
	for t := start; t.Before(end); t = t.AddDate(0, mo, days) {
		mid := t.Add(t.AddDate(0, mo, days).Sub(t) / 2)
		years := mid.Sub(start).Hours() / (24 * 365.25)
		v := 80 * math.Pow(1+rate, years) * (1 + amp*math.Sin(2*math.Pi*(years+0.2)))
		v *= 1 + 0.02*r.NormFloat64()
		out = append(out, trendPoint{PeriodStart: t, Value: v, Count: 8})
	}
	return out
}

// TestTrendsAreHonest: a trend (and a rate per year) is claimed only when the series covers two
// full yearly cycles, with the cycle fitted out; shorter series are described and say why no
// trend is claimed. At 1fe6f64 a 12-month series with a winter peak read "decreasing, −58%" and
// a weekly series over one month "+5562 µg/m³ per year".
func TestTrendsAreHonest(t *testing.T) {
	t.Parallel()
	for _, rate := range []float64{-0.06, 0.05, 0} {
		for _, months := range []int{1, 12, 24, 36} {
			for _, res := range []string{"daily", "weekly", "monthly"} {
				t.Run(fmt.Sprintf("%+.0f%%_%dmonths_%s", rate*100, months, res), func(t *testing.T) {
					t.Parallel()
					pts := synthetic(res, months, rate, 0.35)
					st := fitTrend(pts, res)
					if st.Points != len(pts) || st.Change == nil {
						t.Fatalf("points %d, change %v", st.Points, st.Change)
					}
					switch {
					case len(pts) < 3:
						if st.Direction != "insufficient_data" || st.SlopePerYear != nil {
							t.Errorf("%d points: %+v", len(pts), st)
						}
					case months < 24:
						if st.Direction != "no_trend_claimed" || st.SlopePerYear != nil || st.PercentPerYear != nil || st.PercentChange != nil ||
							st.SeasonalityRemoved || st.NoTrendReason == "" {
							t.Errorf("%d months claimed a trend: %+v", months, st)
						}
					default:
						if !st.SeasonalityRemoved || st.PercentPerYear == nil {
							t.Fatalf("%d months: no seasonally adjusted trend: %+v", months, st)
						}
						if got := *st.PercentPerYear; math.Abs(got-rate*100) > 1.5 {
							t.Errorf("%d months at %s: %.2f%% per year, the series has %.0f%%", months, res, got, rate*100)
						}
						want := map[float64]string{-0.06: "decreasing", 0.05: "increasing", 0: "stable"}[rate]
						if st.Direction != want {
							t.Errorf("%d months at %s: direction %s, want %s (%+v)", months, res, st.Direction, want, st)
						}
					}
					if years := st.CoveredYears; math.Abs(years-float64(months)/12) > 0.05 {
						t.Errorf("covered %.3f years, the series spans %d months", years, months)
					}
				})
			}
		}
	}
}

// TestTrendsYearOverYear: a series between one and two years long compares the same periods
// a year apart, which the seasons do not bias.
func TestTrendsYearOverYear(t *testing.T) {
	t.Parallel()
	pts := synthetic("monthly", 18, -0.10, 0.35)
	st := fitTrend(pts, "monthly")
	if st.Direction != "no_trend_claimed" || st.Change.YearPairs != 6 || st.Change.YearOverYearPct == nil {
		t.Fatalf("%+v %+v", st, st.Change)
	}
	if got := *st.Change.YearOverYearPct; math.Abs(got+10) > 3 {
		t.Errorf("year over year %.1f%%, the series falls 10%% a year", got)
	}
}
