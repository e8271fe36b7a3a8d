package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// filterCase is one filter of one operation: the request, and what every row must satisfy.
// unfiltered is the same request without the filter, which must answer more rows (so the
// filter is seen to do something).
type filterCase struct {
	query, unfiltered string
	row               func(r map[string]any) bool
}

func field(name string, want any) func(map[string]any) bool {
	return func(r map[string]any) bool { return fmt.Sprint(r[name]) == fmt.Sprint(want) }
}

func within(lonKey, latKey string, minLon, minLat, maxLon, maxLat float64) func(map[string]any) bool {
	return func(r map[string]any) bool {
		lon, _ := r[lonKey].(float64)
		lat, _ := r[latKey].(float64)
		return lon >= minLon && lon <= maxLon && lat >= minLat && lat <= maxLat
	}
}

func monthIn(key, from, to string) func(map[string]any) bool {
	return func(r map[string]any) bool {
		s, _ := r[key].(string)
		return s >= from && s <= to
	}
}

const (
	oa = "openaq/"
	ct = "climatetrace/"
	ed = "edgar/"
)

// canonicalFilters covers every filter of the data families under its canonical name, and
// the deprecated aliases Jana is recorded to still accept.
var canonicalFilters = []filterCase{
	// OpenAQ
	{oa + "locations/?country_iso2=GB&page_size=1000", oa + "locations/?page_size=1000", field("country_code", "GB")},
	{oa + "locations/?country_code=GB&page_size=1000", oa + "locations/?page_size=1000", field("country_code", "GB")},
	{oa + "locations/?is_monitor=true&page_size=1000", oa + "locations/?page_size=1000", field("is_monitor", true)},
	{oa + "locations/?parameter_name=so2&page_size=1000", oa + "locations/?page_size=1000", func(r map[string]any) bool {
		return slices.Contains(r["parameters"].([]any), any("so2"))
	}},
	{oa + "locations/?bbox=-0.51,51.28,0.33,51.69&page_size=1000", oa + "locations/?page_size=1000",
		within("longitude", "latitude", -0.51, 51.28, 0.33, 51.69)},
	{oa + "sensors/?location__country_iso2=FR&page_size=1000", oa + "sensors/?page_size=1000", nil},
	{oa + "sensors/?location__country_code=FR&page_size=1000", oa + "sensors/?page_size=1000", nil},
	{oa + "sensors/?parameter__name=no2&page_size=1000", oa + "sensors/?page_size=1000", field("parameter_name", "no2")},
	{oa + "sensors/?parameter_name=no2&page_size=1000", oa + "sensors/?page_size=1000", field("parameter_name", "no2")},
	{oa + "sensors/?location_id=1", oa + "sensors/?page_size=1000", field("location_id", 1)},
	{oa + "sensors/?bbox=2.2,48.8,2.5,48.95&page_size=1000", oa + "sensors/?page_size=1000", nil},
	{oa + "measurements/?location__country_iso2=DE&page_size=500", "", field("country_code", "DE")},
	{oa + "measurements/?location__country_code=DE&page_size=500", "", field("country_code", "DE")},
	{oa + "measurements/?parameter_name=o3&page_size=500", "", field("parameter_name", "o3")},
	{oa + "measurements/?location_id=3&page_size=500", "", field("location_id", 3)},
	{oa + "measurements/?date_from=2026-03-01T00:00:00Z&date_to=2026-03-01T23:59:59Z&page_size=500", "",
		monthIn("measured_at", "2026-03-01T00:00:00Z", "2026-03-01T23:59:59Z")},
	{oa + "measurements/country_totals/?location__country_iso2=GB", oa + "measurements/country_totals/", field("country_code", "GB")},
	{oa + "measurements/parameter_totals/?parameter_name=pm25", oa + "measurements/parameter_totals/", field("parameter_name", "pm25")},
	// Climate TRACE
	{ct + "assets/?country_iso3=DEU&page_size=1000", ct + "assets/?page_size=1000", field("country_code", "DEU")},
	{ct + "assets/?country_code=DEU&page_size=1000", ct + "assets/?page_size=1000", field("country_code", "DEU")},
	{ct + "assets/?sector_id=3&page_size=1000", ct + "assets/?page_size=1000", field("sector_id", 3)},
	{ct + "assets/?sector=3&page_size=1000", ct + "assets/?page_size=1000", field("sector_id", 3)},
	{ct + "assets/?sector_name=cement&page_size=1000", ct + "assets/?page_size=1000", field("sector_name", "cement")},
	{ct + "emissions/?country_iso3=BRA&page_size=1000", ct + "emissions/?page_size=1000", field("country_code", "BRA")},
	{ct + "emissions/?country_code=BRA&page_size=1000", ct + "emissions/?page_size=1000", field("country_code", "BRA")},
	{ct + "emissions/?start_date=2025-03-01&end_date=2025-04-30&page_size=1000", ct + "emissions/?page_size=1000",
		monthIn("start_time", "2025-03-01", "2025-04-30T23:59:59Z")},
	{ct + "emissions/?date_from=2025-03-01&date_to=2025-04-30&page_size=1000", ct + "emissions/?page_size=1000",
		monthIn("start_time", "2025-03-01", "2025-04-30T23:59:59Z")},
	{ct + "emissions/?gas=ch4&page_size=1000", ct + "emissions/?page_size=1000", field("gas", "ch4")},
	{ct + "emissions/?sector_name=cement&page_size=1000", ct + "emissions/?page_size=1000", field("sector_name", "cement")},
	{ct + "emissions/?asset_id=5&page_size=1000", ct + "emissions/?page_size=1000", field("asset_id", 5)},
	{ct + "emissions/?bbox=4.2,51.8,4.8,52.1&page_size=1000", ct + "emissions/?page_size=1000", within("lon", "lat", 4.2, 51.8, 4.8, 52.1)},
	{ct + "emissions/country_totals/?country_iso3=USA", ct + "emissions/country_totals/", field("country_iso3", "USA")},
	{ct + "emissions/country_totals/?country_code=USA", ct + "emissions/country_totals/", field("country_iso3", "USA")},
	{ct + "emissions/sector_totals/?sector_name=cement", ct + "emissions/sector_totals/", field("sector_name", "cement")},
	// EDGAR
	{ed + "country-totals/?country_iso3=IND&page_size=1000", ed + "country-totals/?page_size=1000", field("country_code", "IND")},
	{ed + "country-totals/?gas=CH4&page_size=1000", ed + "country-totals/?page_size=1000", field("gas_type", "CH4")},
	{ed + "country-totals/?gas=ch4&page_size=1000", ed + "country-totals/?page_size=1000", field("gas_type", "CH4")},
	{ed + "country-totals/?sector=ENE&page_size=1000", ed + "country-totals/?page_size=1000", field("sector", "ENE")},
	{ed + "country-totals/?year=2010&page_size=1000", ed + "country-totals/?page_size=1000", field("year", 2010)},
	{ed + "country-totals/?start_date=2018-06-01&end_date=2019-02-01&page_size=1000", ed + "country-totals/?page_size=1000",
		func(r map[string]any) bool { y := r["year"].(float64); return y >= 2018 && y <= 2019 }},
	{ed + "country-totals/?provisional=true&page_size=1000", ed + "country-totals/?page_size=1000", field("provisional", true)},
	{ed + "grid-emissions/?bbox=4.2,51.8,4.8,52.1&year=2023&page_size=1000", ed + "grid-emissions/?bbox=4.2,51.8,4.8,52.1&page_size=1000",
		field("year", 2023)},
	{ed + "grid-emissions/?bbox=4.2,51.8,4.8,52.1&gas=n2o&page_size=1000", ed + "grid-emissions/?bbox=4.2,51.8,4.8,52.1&page_size=1000",
		field("gas_type", "N2O")},
	{ed + "grid-emissions/?bbox=4.2,51.8,4.8,52.1&sector=ENE&page_size=1000", ed + "grid-emissions/?bbox=4.2,51.8,4.8,52.1&page_size=1000",
		field("sector", "ENE")},
	{ed + "grid-emissions/?bbox=4.2,51.8,4.8,52.1&min_value=1000&page_size=1000", ed + "grid-emissions/?bbox=4.2,51.8,4.8,52.1&page_size=1000",
		func(r map[string]any) bool { return r["value"].(float64) >= 1000 }},
	// The aliases of the operations added for user_client.py (api/README.md, "Every endpoint").
	{ed + "fasttrack/?country_code=NPL&page_size=1000", ed + "fasttrack/?page_size=1000", field("country_code", "NPL")},
	{ed + "air-pollutant-totals/?country_code=NPL&page_size=1000", ed + "air-pollutant-totals/?page_size=1000", field("country_code", "NPL")},
	{ed + "air-pollutant-totals/?country_iso3=NPL&gas=nox&page_size=1000", ed + "air-pollutant-totals/?country_iso3=NPL&page_size=1000",
		field("gas", "NOx")},
	{ed + "grid-emissions/?bbox=4.2,51.8,4.8,52.1&start_date=2021-01-01&end_date=2021-12-31&page_size=1000",
		ed + "grid-emissions/?bbox=4.2,51.8,4.8,52.1&page_size=1000", field("year", 2021)},
}

// TestCanonicalFiltersFilter: every filter of the data families, by its canonical name and by
// each alias Jana still accepts, narrows the answer to matching rows.
func TestCanonicalFiltersFilter(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	rowsOf := func(t *testing.T, query string) []map[string]any {
		t.Helper()
		resp, body := e.get(t, e.url+"/api/v1/data-sources/"+query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %.300s", query, resp.StatusCode, body)
		}
		var rows []map[string]any
		if json.Unmarshal(body, &rows) == nil {
			return rows
		}
		var page struct {
			Results []map[string]any `json:"results"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return page.Results
	}
	for _, c := range canonicalFilters {
		t.Run(c.query, func(t *testing.T) {
			t.Parallel()
			rows := rowsOf(t, c.query)
			if len(rows) == 0 {
				t.Fatal("no rows: the case tests nothing")
			}
			for _, r := range rows {
				if c.row != nil && !c.row(r) {
					t.Fatalf("row outside the filter: %v", r)
				}
			}
			if c.unfiltered != "" {
				all := rowsOf(t, c.unfiltered)
				if len(all) <= len(rows) && !(c.row != nil && slices.ContainsFunc(all, func(r map[string]any) bool { return !c.row(r) })) {
					t.Errorf("the filter removed nothing: %d rows with it, %d without", len(rows), len(all))
				}
			}
			if name, _, _ := strings.Cut(strings.SplitN(c.query, "?", 2)[1], "="); name == "" {
				t.Fatal("case without a filter")
			}
		})
	}
}
