package sandbox

import (
	"math"
	"testing"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// TestTrendsRecoverGroundTruth checks the trends endpoint against each city's built-in trend.
func TestTrendsRecoverGroundTruth(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	ds := e.sb.Dataset()
	checked := map[janaapi.DirectionEnum]int{}
	for _, name := range []string{"Delhi", "London", "Beijing", "Sao Paulo", "Oslo", "Lagos", "Chicago", "Jakarta", "Madrid", "Cairo"} {
		city, ok := ds.CityByName(name)
		if !ok {
			t.Fatalf("no city %s", name)
		}
		resp, err := e.client.V1EsgTrendsRetrieveWithResponse(ctx(t), &janaapi.V1EsgTrendsRetrieveParams{
			LocationPoint: &[]float64{city.Lon, city.Lat}, RadiusKm: new(25.0), Parameters: &[]string{"pm25"},
			Sources: &[]janaapi.V1EsgTrendsRetrieveParamsSources{"openaq"}})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%s: %v %s", name, err, resp.Body)
		}
		if len(resp.JSON200.Series) != 1 {
			t.Fatalf("%s: %d series", name, len(resp.JSON200.Series))
		}
		s := resp.JSON200.Series[0]
		if len(s.Points) != 24 || s.Unit != "µg/m³" {
			t.Errorf("%s: %d monthly points in %s, want 24 in µg/m³", name, len(s.Points), s.Unit)
		}
		// percent_change is the fitted trend line's change over the 23 months between the
		// first and last monthly point; the ground truth compounds yearly.
		got := *s.Statistics.PercentChange / 23 * 12
		want := 100 * math.Log1p(city.TrendPercentPerYear/100)
		wantDir := janaapi.DirectionEnumStable
		switch {
		case city.TrendPercentPerYear > 0:
			wantDir = janaapi.DirectionEnumIncreasing
		case city.TrendPercentPerYear < 0:
			wantDir = janaapi.DirectionEnumDecreasing
		}
		if math.Abs(got-want) > 2.5 || s.Statistics.Direction != wantDir {
			t.Errorf("%s: trend %.1f %%/yr (%s), ground truth %.1f %%/yr (%s)", name, got, s.Statistics.Direction, want, wantDir)
		}
		checked[s.Statistics.Direction]++
	}
	t.Logf("directions checked: %v", checked)
}

func TestTrendAnalysisTypes(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	base := janaapi.V1EsgTrendsRetrieveParams{CountryCodes: &[]string{"DEU"}, Parameters: &[]string{"pm25", "co2e"}}
	for _, at := range []janaapi.V1EsgTrendsRetrieveParamsAnalysisType{"trend", "seasonal", "anomaly", "forecast"} {
		p := base
		p.AnalysisType = &at
		p.ForecastDays = new(60)
		resp, err := e.client.V1EsgTrendsRetrieveWithResponse(ctx(t), &p)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%s: %v %s", at, err, resp.Body)
		}
		sources := map[string]int{}
		for _, s := range resp.JSON200.Series {
			sources[s.Source] = len(s.Points)
		}
		switch at {
		case "seasonal":
			if sources["openaq"] != 12 {
				t.Errorf("seasonal: %d openaq points, want 12 months", sources["openaq"])
			}
		case "forecast":
			if sources["openaq"] != 24+2 || sources["climatetrace"] != 58+2 || sources["edgar"] != 25+1 {
				t.Errorf("forecast points %v", sources)
			}
		case "trend":
			if sources["openaq"] != 24 || sources["climatetrace"] != 58 || sources["edgar"] != 25 {
				t.Errorf("trend points %v", sources)
			}
		}
	}
}
