package tools_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// Tests of what get_air_quality and get_trends answer, each figure worked out again here
// from the sandbox's own readings.

var delhi = []float64{77.209, 28.6139}

// daysOf returns a sensor's valid readings per UTC day in [from, to).
func daysOf(s *data.Sensor, from, to time.Time) map[time.Time]testenv.DayMean {
	return testenv.SensorDays(s, from, to)
}

// locationsNear are the dataset's stations within km of a point.
func locationsNear(d *data.Dataset, point []float64, km float64) []*data.Location {
	return testenv.LocationsNear(d, point[0], point[1], km)
}

// TestAirQualityMeansAreTheReadings asks for Delhi's PM2.5 in September 2026 (last month, as
// the harness's today has it) and checks every station's mean, readings, missing share and
// days above the WHO 24-hour guideline, and the city's mean, against the readings themselves.
// At 1fe6f64 the answer was the newest 100 readings with a summary "over this page".
func TestAirQualityMeansAreTheReadings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	d := h.sb.Dataset()
	from, to := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	_, text, m := h.call(t, "get_air_quality", map[string]any{"location_point": delhi, "radius_km": 30, "parameters": []string{"PM2.5"},
		"date_from": "2026-09-01", "date_to": "2026-09-30"})
	rows := rowsOf(m, "stations")
	var stationMeans []float64
	want := 0
	for _, l := range locationsNear(d, delhi, 30) {
		for _, si := range l.Sensors {
			s := &d.Sensors[si]
			if s.Parameter != "pm25" {
				continue
			}
			want++
			days := daysOf(s, from, to)
			var sum float64
			readings, exceed := 0, 0
			for _, day := range days {
				sum += day.Mean * float64(day.Count)
				readings += day.Count
				if day.Mean > 15 {
					exceed++
				}
			}
			var row map[string]any
			for _, r := range rows {
				if int(num(r["station_id"])) == l.ID {
					row = r
				}
			}
			if row == nil {
				t.Errorf("station %d (%s) is missing:\n%s", l.ID, l.Name, text)
				continue
			}
			missing := math.Round((1-float64(readings)/float64(30*8))*1000) / 10
			if readings == 0 {
				if row["mean"] != nil || num(row["missing_percent"]) != 100 {
					t.Errorf("station %d has no readings, the tool says mean %v, missing %v", l.ID, row["mean"], row["missing_percent"])
				}
				continue
			}
			mean := sum / float64(readings)
			stationMeans = append(stationMeans, mean)
			if math.Abs(num(row["mean"])-mean) > 1e-3 || int(num(row["readings"])) != readings || int(num(row["days_with_data"])) != len(days) ||
				math.Abs(num(row["missing_percent"])-missing) > 0.05 || int(num(row["exceedance_days"])) != exceed || num(row["guideline"]) != 15 {
				t.Errorf("station %d: the tool says %v, the readings give mean %.4f over %d readings in %d days, %.1f%% missing, %d days above 15",
					l.ID, row, mean, readings, len(days), missing, exceed)
			}
		}
	}
	if len(rows) != want || want < 3 {
		t.Errorf("%d station rows, the dataset has %d PM2.5 sensors within 30 km of Delhi", len(rows), want)
	}
	var area map[string]any
	for _, a := range m["area"].([]any) {
		area = a.(map[string]any)
	}
	var sum float64
	for _, v := range stationMeans {
		sum += v
	}
	if math.Abs(num(area["mean"])-sum/float64(len(stationMeans))) > 1e-3 || int(num(area["stations"])) != len(stationMeans) {
		t.Errorf("Delhi's mean: the tool says %v over %v stations, the stations' means average %.4f over %d", area["mean"], area["stations"],
			sum/float64(len(stationMeans)), len(stationMeans))
	}
	for _, s := range []string{"WHO 2021 guideline for PM2.5", "24-hour", "annual guideline applies to a whole year", "2026-09-01 to 2026-09-30"} {
		if !strings.Contains(text, s) {
			t.Errorf("the answer lacks %q:\n%s", s, text)
		}
	}
	if m["period"].(map[string]any)["days"] != float64(30) {
		t.Errorf("period %v", m["period"])
	}
}

// TestAirQualityCities: a country's answer has a row per city (its stations averaged) when its
// stations are in several.
func TestAirQualityCities(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	d := h.sb.Dataset()
	_, text, m := h.call(t, "get_air_quality", map[string]any{"country_codes": []string{"IND"}, "parameters": []string{"pm25"},
		"date_from": "2026-09-01", "date_to": "2026-09-30", "limit": 50})
	cities := h.walk(t, "get_air_quality", map[string]any{"country_codes": []string{"IND"}, "parameters": []string{"pm25"},
		"date_from": "2026-09-01", "date_to": "2026-09-30", "limit": 50}, "cities")
	if len(cities) < 2 {
		t.Fatalf("India's stations are in %d cities:\n%s", len(cities), text)
	}
	from, to := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range cities {
		city, ok := d.CityByName(c["city"].(string))
		if !ok {
			t.Errorf("city %v is not in the dataset", c["city"])
			continue
		}
		var sum float64
		n := 0
		for _, id := range city.LocationIDs {
			l := &d.Locations[id-1]
			for _, si := range l.Sensors {
				if s := &d.Sensors[si]; s.Parameter == "pm25" {
					var total float64
					readings := 0
					for _, day := range daysOf(s, from, to) {
						total += day.Mean * float64(day.Count)
						readings += day.Count
					}
					if readings > 0 {
						sum += total / float64(readings)
						n++
					}
				}
			}
		}
		if n == 0 || math.Abs(num(c["mean"])-sum/float64(n)) > 1e-3 || int(num(c["stations"])) != n {
			t.Errorf("%s: the tool says %v over %v stations, the readings %.4f over %d", city.Name, c["mean"], c["stations"], sum/float64(max(n, 1)), n)
		}
	}
	if m["area"] == nil {
		t.Error("no area means")
	}
}

// TestOzoneEightHourMeans: ozone days are judged by their highest 8-hour mean, at a station
// reporting in ppm against the guideline converted at 25 °C and 1 atm.
func TestOzoneEightHourMeans(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	d := h.sb.Dataset()
	var s *data.Sensor
	var loc *data.Location
	for _, l := range locationsNear(d, delhi, 30) {
		for _, si := range l.Sensors {
			if d.Sensors[si].Parameter == "o3" && d.Sensors[si].Unit == "ppm" {
				s, loc = &d.Sensors[si], l
			}
		}
	}
	if s == nil {
		t.Skip("no ozone sensor in ppm near Delhi")
	}
	_, text, m := h.call(t, "get_air_quality", map[string]any{"location_point": []float64{loc.Lon, loc.Lat}, "radius_km": 0.5,
		"parameters": []string{"o3"}, "date_from": "2026-07-01", "date_to": "2026-07-31"})
	limit := 100.0 / 1000 * 24.45 / 47.998 // 100 µg/m³ in ppm
	exceed := 0
	for day := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC); day.Month() == time.July; day = day.AddDate(0, 0, 1) {
		best, found := 0.0, false
		for hour := 0; hour < 24; hour++ {
			end := day.Add(time.Duration(hour) * time.Hour)
			var sum float64
			n := 0
			for slot := data.SlotAtOrAfter(end.Add(-7 * time.Hour)); data.SlotTime(slot).Compare(end) <= 0; slot++ {
				if slot >= s.Start && slot < s.End() && !s.IsSentinel(slot) {
					sum += s.Value(slot)
					n++
				}
			}
			if n >= 2 && (!found || sum/float64(n) > best) {
				best, found = sum/float64(n), true
			}
		}
		if found && best > limit {
			exceed++
		}
	}
	rows := rowsOf(m, "stations")
	if len(rows) != 1 || int(num(rows[0]["exceedance_days"])) != exceed || math.Abs(num(rows[0]["guideline"])-limit) > 1e-4 ||
		rows[0]["guideline_converted"] != true {
		t.Errorf("ozone at station %d in July 2026: the tool says %v, the readings give %d days above %.5f ppm\n%s", loc.ID, rows, exceed, limit, text)
	}
	if !strings.Contains(text, "25 °C and 1 atm") || !strings.Contains(text, "highest 8-hour mean") {
		t.Errorf("the answer does not say how ozone was judged:\n%s", text)
	}
}

// TestGuidelinesAreWHO2021: the table the tools use and serve as a resource is the WHO's, and
// the ppm conversions are those of 25 °C and 1 atm.
func TestGuidelinesAreWHO2021(t *testing.T) {
	t.Parallel()
	want := map[string]float64{"pm25 24-hour": 15, "pm25 annual": 5, "pm10 24-hour": 45, "pm10 annual": 15, "no2 24-hour": 25, "no2 annual": 10,
		"o3 8-hour": 100, "o3 peak season": 60, "so2 24-hour": 40, "co 24-hour": 4}
	got := map[string]float64{}
	for _, g := range tools.WHOGuidelines {
		got[g.Pollutant+" "+g.Averaging] = g.Value
		if wantUnit := map[bool]string{true: "mg/m³", false: "µg/m³"}[g.Pollutant == "co"]; g.Unit != wantUnit {
			t.Errorf("%s %s in %s", g.Pollutant, g.Averaging, g.Unit)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("guidelines %v, WHO 2021 has %v", got, want)
	}
	h := newHarness(t, sandbox.Config{})
	res, err := h.cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: tools.GuidelinesURI})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Guidelines []tools.Guideline `json:"guidelines"`
		Conversion struct {
			Conditions string             `json:"conditions"`
			PerPPM     map[string]float64 `json:"ug_m3_per_ppm"`
		} `json:"conversion"`
	}
	if err := json.Unmarshal([]byte(res.Contents[0].Text), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Guidelines) != len(want) || doc.Conversion.Conditions != "25 °C and 1 atm" || math.Abs(doc.Conversion.PerPPM["no2"]-1881.6) > 0.1 {
		t.Errorf("the guideline resource: %s", res.Contents[0].Text)
	}
}

// TestAnswersKnowWhereTheDataEnd: a query past the data says where the data end and what day
// it is, and the default period is the last 30 days of data, said so. At 1fe6f64 a November
// 2026 query answered "widen the dates" and nothing told the model today's date.
func TestAnswersKnowWhereTheDataEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"get_air_quality", map[string]any{"location_point": delhi, "radius_km": 30, "date_from": "2026-11-01", "date_to": "2026-11-30"}},
		{"get_air_quality", map[string]any{"location_point": delhi, "radius_km": 30, "date_from": "2026-11-01", "resolution": "readings"}},
		{"get_trends", map[string]any{"parameter": "pm25", "location_point": delhi, "radius_km": 30, "date_from": "2026-11-01"}},
		{"get_emissions", map[string]any{"country_codes": []string{"IND"}, "sources": []string{"climatetrace"}, "date_from": "2026-01-01"}},
	} {
		res, text, _ := h.call(t, c.tool, c.args)
		if res.IsError {
			t.Errorf("%s: %s", c.tool, text)
			continue
		}
		var end string
		switch c.tool {
		case "get_emissions":
			end = "2025-10"
		default:
			end = "2026-09-30"
		}
		if !strings.Contains(text, end) || (c.tool != "get_emissions" && !strings.Contains(text, "today is 2026-10-15")) {
			t.Errorf("%s %v: the answer does not say the data end at %s and today's date:\n%s", c.tool, c.args, end, text)
		}
	}
	_, text, m := h.call(t, "get_air_quality", map[string]any{"location_point": delhi, "radius_km": 30, "parameters": []string{"pm25"}})
	if p := m["period"].(map[string]any); p["from"] != "2026-09-01" || p["to"] != "2026-09-30" || p["defaulted"] != true ||
		!strings.Contains(text, "last 30 days of OpenAQ data") {
		t.Errorf("the default period: %v\n%s", p, text)
	}
	ins := tools.Instructions(t.Context(), h.env)
	for _, s := range []string{"Today is Thursday 15 October 2026", "OpenAQ air quality 2024-10-01 to 2026-09-30", "Climate TRACE facility emissions 2021-01 to 2025-10", "EDGAR"} {
		if !strings.Contains(ins, s) {
			t.Errorf("the instructions lack %q:\n%s", s, ins)
		}
	}
}

// TestTrendsOverTheSandboxCities: over two years (the sandbox's whole record) get_trends
// recovers a city's built-in trend with the seasons fitted out; over one year it claims none.
func TestTrendsOverTheSandboxCities(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	city, _ := h.sb.Dataset().CityByName("Delhi")
	_, text, m := h.call(t, "get_trends", map[string]any{"parameter": "pm25", "location_point": delhi, "radius_km": 30,
		"date_from": "2024-10-01", "date_to": "2026-09-30"})
	st := m["statistics"].(map[string]any)
	if st["seasonality_removed"] != true || math.Abs(num(st["percent_per_year"])-city.TrendPercentPerYear) > 2.5 {
		t.Errorf("Delhi over two years: the tool says %v %%/yr, the sandbox built in %.1f %%/yr\n%s", st["percent_per_year"], city.TrendPercentPerYear, text)
	}
	_, text, m = h.call(t, "get_trends", map[string]any{"parameter": "pm25", "location_point": delhi, "radius_km": 30,
		"date_from": "2025-10-01", "date_to": "2026-09-30"})
	st = m["statistics"].(map[string]any)
	if st["direction"] != "no_trend_claimed" || st["slope_per_year"] != nil || !strings.Contains(text, "two full years") {
		t.Errorf("Delhi over one year claimed a trend:\n%s", text)
	}
	_, text, m = h.call(t, "get_trends", map[string]any{"parameter": "pm25", "location_point": delhi, "radius_km": 30,
		"date_from": "2026-09-01", "date_to": "2026-09-30", "resolution": "weekly"})
	if st := m["statistics"].(map[string]any); st["slope_per_year"] != nil || strings.Contains(text, "per year (") {
		t.Errorf("a month of weekly points gave a rate per year:\n%s", text)
	}
}
