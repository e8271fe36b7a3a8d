package tools_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// Tests of the one argument language every tool speaks. At 1fe6f64 some tools took ISO-2 and
// others ISO-3 (EDGAR answered IN with its own "Ensure this field has at least 3 characters"),
// an unknown sector returned 0 rows, location_point without radius_km meant 25 km, and the
// SDK's schema errors ("validating root: maximum: …") sat next to ours.

// TestCountryCodesInEitherForm: every tool with country_codes gives the same answer for
// alpha-2 and alpha-3 codes, in any case, and sends each backend the form it takes.
func TestCountryCodesInEitherForm(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	for _, c := range []struct {
		tool, table string
		extra       map[string]any
	}{
		{"get_air_quality", "stations", map[string]any{"parameters": []string{"pm25"}, "date_from": "2026-09-01", "date_to": "2026-09-03"}},
		{"get_emissions", "national_totals", map[string]any{"sources": []string{"edgar"}}},
		{"get_trends", "series", map[string]any{"parameter": "no2"}},
		{"air_quality_country_totals", "countries", map[string]any{"parameters": []string{"pm25"}}},
		{"emissions_by_sector", "sectors", nil},
		{"emissions_by_country", "countries", nil},
		{"edgar_country_totals", "totals", map[string]any{"gas": "CH4"}},
		{"edgar_air_pollutants", "totals", map[string]any{"pollutant": "NOx"}},
		{"gcp_national_emissions", "emissions", nil},
	} {
		var answers []string
		for _, codes := range [][]string{{"IN"}, {"ind"}} {
			args := map[string]any{"country_codes": codes}
			for k, v := range c.extra {
				args[k] = v
			}
			res, text, m := h.call(t, c.tool, args)
			if res.IsError {
				t.Errorf("%s with %v: %s", c.tool, codes, text)
				continue
			}
			rows, _ := json.Marshal(m[c.table])
			if len(rowsOf(m, c.table)) == 0 {
				t.Errorf("%s with %v: no rows", c.tool, codes)
			}
			answers = append(answers, string(rows))
		}
		if len(answers) == 2 && answers[0] != answers[1] {
			t.Errorf("%s answers IN and ind differently", c.tool)
		}
	}
	for _, e := range h.events() {
		for _, bad := range []string{"country_iso3=IN&", "country_iso3=IN,", "country_iso2=IND", "country_code=IN&"} {
			if strings.Contains(e.RawQuery+"&", bad) {
				t.Errorf("%s got %s", e.OperationID, e.RawQuery)
			}
		}
	}
}

// TestNamesInAnySpelling: pollutants, gases, sectors and resolutions are accepted in any case
// and common spellings, and reach Jana as it spells them.
func TestNamesInAnySpelling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	for _, c := range []struct {
		tool string
		args map[string]any
		sent string // in the query Jana received
	}{
		{"get_air_quality", map[string]any{"country_codes": []string{"GB"}, "parameters": []string{"PM2.5", "Pm10"}, "resolution": "Monthly"}, "pm25"},
		{"get_trends", map[string]any{"parameter": "PM2.5", "country_codes": []string{"GB"}, "resolution": "WEEKLY"}, "parameters=pm25"},
		{"get_emissions", map[string]any{"country_codes": []string{"DE"}, "gases": []string{"CO2"}, "sectors": []string{"Iron and Steel"}}, "sector_name=iron-and-steel"},
		{"emissions_by_sector", map[string]any{"country_codes": []string{"DE"}, "sectors": []string{"CEMENT"}, "gases": []string{"CO2E_100YR"}}, "sector_name=cement"},
		{"edgar_country_totals", map[string]any{"country_codes": []string{"DE"}, "gas": "ch4", "sector": "ene"}, "sector=ENE"},
		{"edgar_air_pollutants", map[string]any{"country_codes": []string{"DE"}, "pollutant": "pm2.5"}, "gas=PM2.5"},
	} {
		res, text, _ := h.call(t, c.tool, c.args)
		if res.IsError {
			t.Errorf("%s %v: %s", c.tool, c.args, text)
			continue
		}
		found := false
		for _, e := range h.events() {
			found = found || strings.Contains(e.RawQuery, strings.ReplaceAll(c.sent, ".", "."))
		}
		if !found {
			t.Errorf("%s %v: Jana never received %s", c.tool, c.args, c.sent)
		}
	}
}

var errorStyle = regexp.MustCompile(`^Invalid argument "([^"]+)": (.+)\. Fix it and call again\.$`)

// TestErrorsNameTheArgument: every invalid call is answered in one style — the argument, what
// was wrong and how to fix it — whether the schema or the tool finds it, and near misses get a
// "did you mean".
func TestErrorsNameTheArgument(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	for _, c := range []struct {
		tool string
		args any
		arg  string
		hint string // in the message: what to do
	}{
		{"get_air_quality", map[string]any{"country_codes": []string{"GB"}, "limit": 5000}, "limit", "accepted: 1 to"},
		{"edgar_country_totals", map[string]any{"limit": 0}, "limit", "accepted: 1 to"},
		{"get_air_quality", map[string]any{"location_point": []float64{77.2, 28.6}}, "radius_km", "give the search radius"},
		{"get_air_quality", map[string]any{}, "location_bbox", "location_point (+ radius_km) or country_codes"},
		{"get_air_quality", map[string]any{"location_bbox": []float64{0.3, 51.2, -0.5, 51.7}}, "location_bbox", "min_lon"},
		{"get_air_quality", map[string]any{"country_codes": []string{"GB"}, "parameters": []string{"pm2"}}, "parameters[0]", `did you mean "pm25"`},
		{"get_air_quality", map[string]any{"country_codes": []string{"GB"}, "date_from": "2026-09-30", "date_to": "2026-09-01"}, "date_from", "after date_to"},
		{"get_air_quality", map[string]any{"country_codes": []string{"GB"}, "date_from": "last month"}, "date_from", "ISO 8601"},
		{"get_air_quality", map[string]any{"country_codes": []string{"XX"}}, "country_codes", "alpha-3 like GBR"},
		{"get_air_quality", map[string]any{"country_codes": []string{"GER"}}, "country_codes", "did you mean"},
		{"get_air_quality", map[string]any{"radius": 10}, "radius", `did you mean "radius_km"`},
		{"get_emissions", map[string]any{"country_codes": []string{"IN"}, "sectors": []string{"power"}}, "sectors[0]", `did you mean "electricity-generation"`},
		{"emissions_by_sector", map[string]any{"sectors": []string{"cemnet"}}, "sectors[0]", `did you mean "cement"`},
		{"get_emissions", map[string]any{"country_codes": []string{"IN"}, "gases": []string{"co3"}}, "gases[0]", `did you mean "co2"`},
		{"edgar_country_totals", map[string]any{"sector": "power"}, "sector", `did you mean "ENE"`},
		{"edgar_country_totals", map[string]any{"country_codes": []string{"IN"}, "gas": "GHGs"}, "gas", "is not one of"},
		{"get_trends", map[string]any{"country_codes": []string{"IN"}}, "parameter", "is required"},
		{"get_station", map[string]any{"station_id": "one"}, "station_id", "must be a number"},
		{"get_station", map[string]any{"station_id": 0}, "station_id", "minimum 1"},
		{"find_nearby", map[string]any{"location_point": []float64{4.47, 51.92}}, "radius_km", "is required"},
		{"storm_events", map[string]any{"year": 2030}, "year", "accepted: 2015 to 2024"},
		{"station_means", map[string]any{"station_id": 3, "resolution": "hourly"}, "resolution", "is not one of daily, monthly"},
		{"get_data_summary", map[string]any{"verbose": true}, "verbose", "takes none"},
		{"get_air_quality", []int{1, 2}, "arguments", "JSON object"},
		{"list_pollutants", map[string]any{"cursor": "garbage!"}, "cursor", "omit it"},
	} {
		raw, _ := json.Marshal(c.args)
		res, text, _ := h.callRaw(t, c.tool, raw)
		m := errorStyle.FindStringSubmatch(text)
		switch {
		case !res.IsError:
			t.Errorf("%s %s: accepted", c.tool, raw)
		case m == nil:
			t.Errorf("%s %s: not in the one style: %s", c.tool, raw, text)
		case m[1] != c.arg || !strings.Contains(m[2], c.hint):
			t.Errorf("%s %s: %s; want argument %q and %q", c.tool, raw, text, c.arg, c.hint)
		}
	}
}

// TestGetStationCountsSensors: one station's answer counts its sensors, not "rows".
func TestGetStationCountsSensors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	loc := h.sb.Dataset().Locations[0]
	_, text, _ := h.call(t, "get_station", map[string]any{"station_id": loc.ID})
	if first, _, _ := strings.Cut(text, "\n"); !strings.HasSuffix(first, ": "+itoa(len(loc.Sensors))+" sensors.") {
		t.Errorf("get_station's title: %q", first)
	}
}
