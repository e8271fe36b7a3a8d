package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"go.yaml.in/yaml/v3"

	"github.com/janaplatform/jana-mcp/api"
	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// apiCall is one request through the generated client; it returns the generated response.
type apiCall func(ctx context.Context, c *janaapi.ClientWithResponses) (any, error)

// endpointCase is one request of one operation and what its answer must satisfy.
type endpointCase struct {
	op   string // operationId
	name string
	call apiCall
	// status is the expected status (default 200). A 200 must decode into the generated model.
	status int
	// min is the fewest rows a list must hold (default 1 for a 200 list answer).
	min int
	// row must hold for every row; wider is the same request without the filter, which must
	// answer rows the filter removed (so the filter is seen to filter).
	row   func(r map[string]any) bool
	wider apiCall
	// walk follows next to the end: every row once, as many as count says.
	walk  bool
	check func(t *testing.T, d *data.Dataset, body []byte)
}

// outcome reads a generated response: its status, body, and whether its 200 model decoded.
func outcome(resp any) (status int, body []byte, typed bool) {
	v := reflect.ValueOf(resp).Elem()
	hr := v.FieldByName("HTTPResponse").Interface().(*http.Response)
	body = v.FieldByName("Body").Bytes()
	typed = true
	if f := v.FieldByName("JSON200"); f.IsValid() && strings.HasPrefix(hr.Header.Get("Content-Type"), "application/json") {
		typed = !f.IsNil()
	}
	return hr.StatusCode, body, typed
}

// rowsIn returns the rows of a list or paginated answer, or nil for an object answer.
func rowsIn(t *testing.T, body []byte) ([]map[string]any, *float64, *string) {
	t.Helper()
	var list []map[string]any
	if json.Unmarshal(body, &list) == nil {
		return list, nil, nil
	}
	var page struct {
		Count   *float64         `json:"count"`
		Next    *string          `json:"next"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("decode %.300s: %v", body, err)
	}
	return page.Results, page.Count, page.Next
}

func rowKey(r map[string]any) string {
	for _, k := range []string{"id", "lei", "export_id"} {
		if v, ok := r[k]; ok {
			return fmt.Sprint(v)
		}
	}
	b, _ := json.Marshal(r)
	return string(b)
}

// walkPages follows next links from a first answer, as the SDK's fetch_all_pages does.
func walkPages(t *testing.T, e *testEnv, body []byte) []map[string]any {
	t.Helper()
	rows, count, next := rowsIn(t, body)
	seen := map[string]bool{}
	all := slices.Clone(rows)
	for pages := 1; next != nil; pages++ {
		if pages > 2000 {
			t.Fatal("more than 2000 pages")
		}
		resp, b := e.get(t, *next)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d (%s): %d %.300s", pages+1, *next, resp.StatusCode, b)
		}
		var more []map[string]any
		more, _, next = rowsIn(t, b)
		all = append(all, more...)
	}
	for _, r := range all {
		k := rowKey(r)
		if seen[k] {
			t.Fatalf("row %s seen twice while paging", k)
		}
		seen[k] = true
	}
	if count != nil && int(*count) != len(all) {
		t.Fatalf("count says %v, paging gave %d rows", *count, len(all))
	}
	return all
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// fixtures are ids the cases use, found in the dataset.
type fixtures struct {
	d                    *data.Dataset
	sensor, location     int
	ownedAsset, violated int
	lei, parentLEI       string
	deuID                int
	rotterdam            string
	retired              int // a location that stopped reporting before the end
}

func findFixtures(t *testing.T, d *data.Dataset) fixtures {
	t.Helper()
	f := fixtures{d: d, sensor: 5, location: 1}
	for _, m := range d.Matches {
		if m.Relationship == "parent" {
			owner := d.Matches[m.ID-2] // the owner row precedes its parent row
			f.ownedAsset, f.lei, f.parentLEI = d.Assets[m.Asset].ID, d.Entities[owner.Entity].LEI, d.Entities[m.Entity].LEI
			break
		}
	}
	f.violated = d.Assets[d.Violations[0].Asset].ID
	ci, _ := d.CountryIndex("DEU")
	f.deuID = d.CTCountryID(ci)
	for _, a := range d.AdminAreas() {
		if a.Name == "Rotterdam" {
			f.rotterdam = a.ID
		}
	}
	for _, l := range d.Locations {
		if l.Last < data.MeasurementSlots-8 {
			f.retired = l.ID
			break
		}
	}
	if f.lei == "" || f.rotterdam == "" || f.retired == 0 {
		t.Fatal("fixtures not found in the dataset")
	}
	return f
}

func s[T any](v T) *T { return &v }

func field2(name string, want any) func(map[string]any) bool {
	return func(r map[string]any) bool { return fmt.Sprint(r[name]) == fmt.Sprint(want) }
}

func endpointCases(fx fixtures) []endpointCase {
	d := fx.d
	day := func(y, m, dd int) *time.Time { t := time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC); return &t }
	date := func(y, m, dd int) *openapi_types.Date {
		return &openapi_types.Date{Time: time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC)}
	}
	type C = *janaapi.ClientWithResponses
	type X = context.Context
	sum := func(key string) func(body []byte) float64 {
		return func(body []byte) float64 {
			var rows []map[string]any
			_ = json.Unmarshal(body, &rows)
			var s float64
			for _, r := range rows {
				s += num(r[key])
			}
			return s
		}
	}
	return []endpointCase{
		// ---- OpenAQ ----
		{op: "v1_data_sources_openaq_locations_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqLocationsListWithResponse(x, &janaapi.V1DataSourcesOpenaqLocationsListParams{CountryIso2: &[]string{"NL"}, PageSize: s(3)})
		}, row: field2("country_code", "NL"), walk: true},
		{op: "v1_data_sources_openaq_locations_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqLocationsRetrieveWithResponse(x, 1)
		}},
		{op: "v1_data_sources_openaq_locations_retrieve", name: "unknown id", status: 404, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqLocationsRetrieveWithResponse(x, 999999)
		}},
		{op: "v1_data_sources_openaq_locations_latest_measurements_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqLocationsLatestMeasurementsRetrieveWithResponse(x, 1, &janaapi.V1DataSourcesOpenaqLocationsLatestMeasurementsRetrieveParams{})
		}},
		{op: "v1_data_sources_openaq_locations_latest_measurements_retrieve", name: "datetime_min", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqLocationsLatestMeasurementsRetrieveWithResponse(x, fx.retired,
				&janaapi.V1DataSourcesOpenaqLocationsLatestMeasurementsRetrieveParams{DatetimeMin: day(2026, 9, 30)})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if v := decode[janaapi.OpenAQLatestMeasurements](t, body); len(v.Measurements) != 0 {
				t.Errorf("a station that stopped reporting has %d readings since 2026-09-30", len(v.Measurements))
			}
		}},
		{op: "v1_data_sources_openaq_sensors_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsListWithResponse(x, &janaapi.V1DataSourcesOpenaqSensorsListParams{LocationId: s(3), PageSize: s(2)})
		}, row: field2("location_id", 3), walk: true},
		{op: "v1_data_sources_openaq_measurements_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqMeasurementsListWithResponse(x, &janaapi.V1DataSourcesOpenaqMeasurementsListParams{LocationId: &[]int{1},
				DateFrom: day(2026, 3, 1), DateTo: day(2026, 3, 2), PageSize: s(7)})
		}, row: field2("location_id", 1), walk: true},
		{op: "v1_data_sources_openaq_measurements_totals_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqMeasurementsTotalsRetrieveWithResponse(x, &janaapi.V1DataSourcesOpenaqMeasurementsTotalsRetrieveParams{LocationId: &[]int{1}})
		}},
		{op: "v1_data_sources_openaq_measurements_parameter_totals_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqMeasurementsParameterTotalsRetrieveWithResponse(x, &janaapi.V1DataSourcesOpenaqMeasurementsParameterTotalsRetrieveParams{
				ParameterName: &[]string{"pm25"}})
		}, row: field2("parameter_name", "pm25")},
		{op: "v1_data_sources_openaq_measurements_country_totals_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqMeasurementsCountryTotalsRetrieveWithResponse(x, &janaapi.V1DataSourcesOpenaqMeasurementsCountryTotalsRetrieveParams{
				LocationCountryIso2: &[]string{"FR"}})
		}, row: field2("country_code", "FR")},
		{op: "v1_data_sources_openaq_parameters_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqParametersListWithResponse(x, &janaapi.V1DataSourcesOpenaqParametersListParams{Limit: s(3)})
		}, walk: true},
		{op: "v1_data_sources_openaq_sensors_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsRetrieveWithResponse(x, fx.sensor)
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			if v := decode[janaapi.OpenAQSensor](t, body); v.Id != fx.sensor || v.ParameterName != d.Sensors[fx.sensor-1].Parameter {
				t.Errorf("sensor %+v", v)
			}
		}},
		{op: "v1_data_sources_openaq_sensors_retrieve", name: "unknown id", status: 404, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsRetrieveWithResponse(x, len(d.Sensors)+1)
		}},
		{op: "v1_data_sources_openaq_measurements_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqMeasurementsRetrieveWithResponse(x, int(d.MeasurementID(4, 1000)))
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			v := decode[janaapi.OpenAQMeasurement](t, body)
			if *v.SensorId != 5 || v.Value != d.Sensors[4].Value(1000) || !v.MeasuredAt.Equal(data.SlotTime(1000)) {
				t.Errorf("reading %+v", v)
			}
		}},
		{op: "v1_data_sources_openaq_measurements_retrieve", name: "unknown id", status: 404, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqMeasurementsRetrieveWithResponse(x, int(d.MeasurementID(0, data.MeasurementSlots)))
		}},
		{op: "v1_data_sources_openaq_measurements_date_range_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqMeasurementsDateRangeRetrieveWithResponse(x)
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			if v := decode[janaapi.OpenAQMeasurementDateRange](t, body); v.TotalRecords != d.Sizes().Measurements || !v.EarliestDate.Equal(data.MeasurementStart) {
				t.Errorf("date range %+v", v)
			}
		}},
		{op: "v1_data_sources_openaq_parameters_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqParametersRetrieveWithResponse(x, 2)
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if v := decode[janaapi.OpenAQParameter](t, body); v.Name != "pm25" {
				t.Errorf("parameter 2 = %+v", v)
			}
		}},
		{op: "v1_data_sources_openaq_parameters_retrieve", name: "unknown id", status: 404, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqParametersRetrieveWithResponse(x, 99)
		}},
		{op: "v1_data_sources_openaq_locations_sensors_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqLocationsSensorsListWithResponse(x, fx.location)
		}, row: field2("location_id", fx.location), check: func(t *testing.T, d *data.Dataset, body []byte) {
			if n := len(decode[[]janaapi.OpenAQSensor](t, body)); n != len(d.Locations[0].Sensors) {
				t.Errorf("%d sensors, the location has %d", n, len(d.Locations[0].Sensors))
			}
		}},
		{op: "v1_data_sources_openaq_locations_flags_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqLocationsFlagsListWithResponse(x, fx.location)
		}, row: field2("location_id", fx.location), check: func(t *testing.T, d *data.Dataset, body []byte) {
			want := 0
			for _, si := range d.Locations[0].Sensors {
				want += len(d.SensorFlags(si))
			}
			if n := len(decode[[]janaapi.OpenAQFlag](t, body)); n != want {
				t.Errorf("%d flags, the location's sensors have %d -999 readings", n, want)
			}
		}},
		{op: "v1_data_sources_openaq_sensors_flags_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsFlagsListWithResponse(x, fx.sensor)
		}, row: func(r map[string]any) bool { return num(r["sensor_ids"].([]any)[0]) == float64(fx.sensor) }},
		{op: "v1_data_sources_openaq_sensors_measurements_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsMeasurementsListWithResponse(x, fx.sensor, &janaapi.V1DataSourcesOpenaqSensorsMeasurementsListParams{Days: s(1)})
		}, row: field2("sensor_id", fx.sensor), check: func(t *testing.T, _ *data.Dataset, body []byte) {
			rows := decode[[]janaapi.OpenAQMeasurement](t, body)
			if len(rows) != 8 || !rows[0].MeasuredAt.After(rows[7].MeasuredAt) {
				t.Errorf("one day of a 3-hourly sensor, newest first: %d rows", len(rows))
			}
		}},
		{op: "v1_data_sources_openaq_sensors_measurements_list", name: "limit", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsMeasurementsListWithResponse(x, fx.sensor, &janaapi.V1DataSourcesOpenaqSensorsMeasurementsListParams{Limit: s(3)})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if n := len(decode[[]janaapi.OpenAQMeasurement](t, body)); n != 3 {
				t.Errorf("limit 3 gave %d", n)
			}
		}},
		{op: "v1_data_sources_openaq_sensors_measurements_list", name: "limit out of range", status: 400, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsMeasurementsListWithResponse(x, fx.sensor, &janaapi.V1DataSourcesOpenaqSensorsMeasurementsListParams{Limit: s(1001)})
		}},
		{op: "v1_data_sources_openaq_sensors_hourly_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsHourlyListWithResponse(x, fx.sensor, &janaapi.V1DataSourcesOpenaqSensorsHourlyListParams{
				DateFrom: day(2026, 3, 1), DateTo: day(2026, 3, 2), PageSize: s(3)})
		}, walk: true, row: func(r map[string]any) bool {
			return r["period"] == "hour" && r["period_start"].(string) <= "2026-03-02T00:00:00Z"
		}},
		{op: "v1_data_sources_openaq_sensors_daily_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsDailyListWithResponse(x, fx.sensor, &janaapi.V1DataSourcesOpenaqSensorsDailyListParams{
				DateFrom: day(2026, 3, 1), DateTo: day(2026, 3, 31), Limit: s(10)})
		}, walk: true, row: func(r map[string]any) bool { return strings.HasPrefix(r["period_start"].(string), "2026-03-") },
			wider: func(x X, c C) (any, error) {
				return c.V1DataSourcesOpenaqSensorsDailyListWithResponse(x, fx.sensor, &janaapi.V1DataSourcesOpenaqSensorsDailyListParams{Limit: s(1000)})
			}},
		{op: "v1_data_sources_openaq_sensors_daily_list", name: "dates in the wrong order", status: 400, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsDailyListWithResponse(x, fx.sensor, &janaapi.V1DataSourcesOpenaqSensorsDailyListParams{
				DateFrom: day(2026, 3, 31), DateTo: day(2026, 3, 1)})
		}},
		{op: "v1_data_sources_openaq_sensors_yearly_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsYearlyListWithResponse(x, fx.sensor, &janaapi.V1DataSourcesOpenaqSensorsYearlyListParams{PageSize: s(1)})
		}, walk: true, row: field2("period", "year")},
		{op: "v1_data_sources_openaq_sensors_hour_of_day_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsHourOfDayRetrieveWithResponse(x, fx.sensor)
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if v := decode[janaapi.OpenAQHourOfDay](t, body); len(v.Hours) != 8 {
				t.Errorf("a 3-hourly sensor has 8 hours of day, got %d", len(v.Hours))
			}
		}},
		{op: "v1_data_sources_openaq_sensors_day_of_week_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsDayOfWeekRetrieveWithResponse(x, fx.sensor)
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if v := decode[janaapi.OpenAQDayOfWeek](t, body); len(v.Days) != 7 || v.Days[0].DayName != "Monday" {
				t.Errorf("days of week %+v", v.Days)
			}
		}},
		{op: "v1_data_sources_openaq_sensors_month_of_year_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqSensorsMonthOfYearRetrieveWithResponse(x, fx.sensor)
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if v := decode[janaapi.OpenAQMonthOfYear](t, body); len(v.Months) != 12 {
				t.Errorf("%d months", len(v.Months))
			}
		}},
		{op: "v1_data_sources_openaq_providers_list", call: func(x X, c C) (any, error) { return c.V1DataSourcesOpenaqProvidersListWithResponse(x) },
			check: func(t *testing.T, d *data.Dataset, body []byte) {
				if n := sum("location_count")(body); int(n) != len(d.Locations) {
					t.Errorf("providers cover %v locations of %d", n, len(d.Locations))
				}
			}},
		{op: "v1_data_sources_openaq_owners_list", call: func(x X, c C) (any, error) { return c.V1DataSourcesOpenaqOwnersListWithResponse(x) },
			check: func(t *testing.T, d *data.Dataset, body []byte) {
				if n := sum("location_count")(body); int(n) != len(d.Locations) {
					t.Errorf("owners cover %v locations of %d", n, len(d.Locations))
				}
			}},
		{op: "v1_data_sources_openaq_licenses_list", call: func(x X, c C) (any, error) { return c.V1DataSourcesOpenaqLicensesListWithResponse(x) },
			check: func(t *testing.T, d *data.Dataset, body []byte) {
				if n := sum("location_count")(body); int(n) != len(d.Locations) {
					t.Errorf("licenses cover %v locations of %d", n, len(d.Locations))
				}
			}},
		{op: "v1_data_sources_openaq_instruments_list", call: func(x X, c C) (any, error) { return c.V1DataSourcesOpenaqInstrumentsListWithResponse(x) },
			check: func(t *testing.T, d *data.Dataset, body []byte) {
				if n := sum("sensor_count")(body); int(n) != len(d.Sensors) {
					t.Errorf("instruments cover %v sensors of %d", n, len(d.Sensors))
				}
			}},
		{op: "v1_data_sources_openaq_manufacturers_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesOpenaqManufacturersListWithResponse(x)
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			if n := sum("instrument_count")(body); int(n) != len(d.InstrumentCatalogue()) {
				t.Errorf("manufacturers make %v instruments, %d are in use", n, len(d.InstrumentCatalogue()))
			}
		}},
		{op: "v1_data_sources_openaq_stats_retrieve", call: func(x X, c C) (any, error) { return c.V1DataSourcesOpenaqStatsRetrieveWithResponse(x) },
			check: func(t *testing.T, d *data.Dataset, body []byte) {
				if v := decode[janaapi.OpenAQStats](t, body); v.TotalLocations != len(d.Locations) || v.TotalSensors != len(d.Sensors) ||
					v.TotalMeasurements != d.Sizes().Measurements {
					t.Errorf("stats %+v", v)
				}
			}},

		// ---- Climate TRACE ----
		{op: "v1_data_sources_climatetrace_sectors_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceSectorsListWithResponse(x, &janaapi.V1DataSourcesClimatetraceSectorsListParams{Limit: s(5)})
		}, walk: true},
		{op: "v1_data_sources_climatetrace_countries_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceCountriesListWithResponse(x, &janaapi.V1DataSourcesClimatetraceCountriesListParams{PageSize: s(40)})
		}, walk: true},
		{op: "v1_data_sources_climatetrace_assets_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAssetsListWithResponse(x, &janaapi.V1DataSourcesClimatetraceAssetsListParams{CountryIso3: &[]string{"NLD"}, PageSize: s(10)})
		}, walk: true, row: field2("country_code", "NLD")},
		{op: "v1_data_sources_climatetrace_assets_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAssetsRetrieveWithResponse(x, 1)
		}},
		{op: "v1_data_sources_climatetrace_assets_emissions_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAssetsEmissionsListWithResponse(x, 1, &janaapi.V1DataSourcesClimatetraceAssetsEmissionsListParams{})
		}, row: field2("asset_id", 1)},
		{op: "v1_data_sources_climatetrace_emissions_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceEmissionsListWithResponse(x, &janaapi.V1DataSourcesClimatetraceEmissionsListParams{AssetId: &[]int{2}, PageSize: s(50)})
		}, walk: true, row: field2("asset_id", 2)},
		{op: "v1_data_sources_climatetrace_emissions_totals_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceEmissionsTotalsRetrieveWithResponse(x, &janaapi.V1DataSourcesClimatetraceEmissionsTotalsRetrieveParams{CountryIso3: &[]string{"NLD"}})
		}},
		{op: "v1_data_sources_climatetrace_emissions_sector_totals_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceEmissionsSectorTotalsRetrieveWithResponse(x, &janaapi.V1DataSourcesClimatetraceEmissionsSectorTotalsRetrieveParams{CountryIso3: &[]string{"NLD"}})
		}},
		{op: "v1_data_sources_climatetrace_emissions_country_totals_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceEmissionsCountryTotalsRetrieveWithResponse(x, &janaapi.V1DataSourcesClimatetraceEmissionsCountryTotalsRetrieveParams{
				SectorName: &[]string{"cement"}})
		}},
		{op: "v1_data_sources_climatetrace_emissions_date_range_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceEmissionsDateRangeRetrieveWithResponse(x, &janaapi.V1DataSourcesClimatetraceEmissionsDateRangeRetrieveParams{
				CountryIso3: &[]string{"NLD"}, Gas: &[]janaapi.V1DataSourcesClimatetraceEmissionsDateRangeRetrieveParamsGas{"co2"}})
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			v := decode[janaapi.ClimateTraceEmissionDateRange](t, body)
			want := d.Emissions(data.EmissionFilter{Assets: data.AssetFilter{CountryISO3: []string{"NLD"}}, Gases: []string{"co2"}}).Count()
			if v.TotalRecords != want || v.EarliestDate.Format(time.DateOnly) != "2021-01-01" {
				t.Errorf("date range %+v, want %d records", v, want)
			}
		}},
		{op: "v1_data_sources_climatetrace_emissions_date_range_retrieve", name: "country_code alias", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceEmissionsDateRangeRetrieveWithResponse(x, &janaapi.V1DataSourcesClimatetraceEmissionsDateRangeRetrieveParams{
				CountryCode: &[]string{"NLD"}})
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			want := d.Emissions(data.EmissionFilter{Assets: data.AssetFilter{CountryISO3: []string{"NLD"}}}).Count()
			if v := decode[janaapi.ClimateTraceEmissionDateRange](t, body); v.TotalRecords != want {
				t.Errorf("the alias gives %d records, the Netherlands have %d", v.TotalRecords, want)
			}
		}},
		{op: "v1_data_sources_climatetrace_emissions_gas_type_distribution_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceEmissionsGasTypeDistributionRetrieveWithResponse(x, &janaapi.V1DataSourcesClimatetraceEmissionsGasTypeDistributionRetrieveParams{
				CountryIso3: &[]string{"NLD"}})
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			v := decode[janaapi.ClimateTraceGasTypeDistribution](t, body)
			var pct float64
			var n int64
			for _, g := range v.GasTypes {
				pct += g.Percentage
				n += g.RecordCount
			}
			want := d.Emissions(data.EmissionFilter{Assets: data.AssetFilter{CountryISO3: []string{"NLD"}}}).Count()
			if n != v.TotalRecords || v.TotalRecords != want || pct < 99.9 || pct > 100.1 {
				t.Errorf("distribution %+v, want %d records", v, want)
			}
		}},
		{op: "v1_data_sources_climatetrace_company_matches_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceCompanyMatchesListWithResponse(x, &janaapi.V1DataSourcesClimatetraceCompanyMatchesListParams{
				LegalEntityLei: s(fx.parentLEI), Limit: s(25)})
		}, walk: true, row: field2("legal_entity_lei", fx.parentLEI), wider: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceCompanyMatchesListWithResponse(x, &janaapi.V1DataSourcesClimatetraceCompanyMatchesListParams{Limit: s(100)})
		}},
		{op: "v1_data_sources_climatetrace_company_matches_list", name: "method, relationship, verified", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceCompanyMatchesListWithResponse(x, &janaapi.V1DataSourcesClimatetraceCompanyMatchesListParams{
				MatchingMethod:   s(janaapi.V1DataSourcesClimatetraceCompanyMatchesListParamsMatchingMethodFuzzyName),
				RelationshipType: s(janaapi.V1DataSourcesClimatetraceCompanyMatchesListParamsRelationshipTypeOwner), Verified: s(true),
				Ordering: s(janaapi.V1DataSourcesClimatetraceCompanyMatchesListParamsOrderingMinusMatchingConfidence), Limit: s(1000)})
		}, row: func(r map[string]any) bool {
			return r["matching_method"] == "fuzzy_name" && r["relationship_type"] == "owner" && r["verified"] == true
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			rows, _, _ := rowsIn(t, body)
			if !slices.IsSortedFunc(rows, func(a, b map[string]any) int {
				return int(1000 * (num(b["matching_confidence"]) - num(a["matching_confidence"])))
			}) {
				t.Error("not ordered by -matching_confidence")
			}
		}},
		{op: "v1_data_sources_climatetrace_company_matches_list", name: "search and company", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceCompanyMatchesListWithResponse(x, &janaapi.V1DataSourcesClimatetraceCompanyMatchesListParams{
				Search: s("nordhaven"), Limit: s(1000)})
		}, row: func(r map[string]any) bool {
			return strings.Contains(strings.ToLower(fmt.Sprint(r["legal_entity_name"], r["owner_name"], r["asset_name"])), "nordhaven")
		}},
		{op: "v1_data_sources_climatetrace_violations_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceViolationsListWithResponse(x, &janaapi.V1DataSourcesClimatetraceViolationsListParams{AssetId: s(fx.violated)})
		}, row: field2("asset_id", fx.violated), wider: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceViolationsListWithResponse(x, &janaapi.V1DataSourcesClimatetraceViolationsListParams{Limit: s(50)})
		}},
		{op: "v1_data_sources_climatetrace_violations_list", name: "walk", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceViolationsListWithResponse(x, &janaapi.V1DataSourcesClimatetraceViolationsListParams{PageSize: s(200)})
		}, walk: true},
		{op: "v1_data_sources_climatetrace_assets_violations_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAssetsViolationsListWithResponse(x, fx.violated)
		}, row: field2("asset_id", fx.violated)},
		{op: "v1_data_sources_climatetrace_assets_violations_list", name: "unknown asset", status: 404, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAssetsViolationsListWithResponse(x, len(d.Assets)+1)
		}},
		{op: "v1_data_sources_climatetrace_sectors_assets_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceSectorsAssetsListWithResponse(x, 7)
		}, row: field2("sector_id", 7), check: func(t *testing.T, d *data.Dataset, body []byte) {
			if n := len(decode[[]janaapi.ClimateTraceAsset](t, body)); n != min(100, d.Sectors[6].AssetCount) {
				t.Errorf("%d assets of sector 7, which has %d", n, d.Sectors[6].AssetCount)
			}
		}},
		{op: "v1_data_sources_climatetrace_sectors_emissions_summary_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceSectorsEmissionsSummaryRetrieveWithResponse(x, 7)
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			v := decode[janaapi.ClimateTraceSectorEmissionsSummary](t, body)
			tot := d.Emissions(data.EmissionFilter{Assets: data.AssetFilter{SectorIDs: []int{7}}, Gases: []string{"co2e_100yr"}}).Totals().TotalCO2e
			if v.TotalAssets != d.Sectors[6].AssetCount || relDiff(v.TotalCo2eTonnes, tot) > 1e-9 {
				t.Errorf("summary %+v, want %g t", v, tot)
			}
		}},
		{op: "v1_data_sources_climatetrace_sectors_emissions_summary_retrieve", name: "unknown sector", status: 404, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceSectorsEmissionsSummaryRetrieveWithResponse(x, 27)
		}},
		{op: "v1_data_sources_climatetrace_countries_assets_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceCountriesAssetsListWithResponse(x, fx.deuID)
		}, row: field2("country_code", "DEU")},
		{op: "v1_data_sources_climatetrace_emissions_aggregated_emissions_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceEmissionsAggregatedEmissionsRetrieveWithResponse(x, &janaapi.V1DataSourcesClimatetraceEmissionsAggregatedEmissionsRetrieveParams{
				Countries: &[]string{"DEU"}, Groups: &[]string{"EU27"}, Continents: &[]string{"Europe"}, Sectors: &[]string{"manufacturing"},
				Years: &[]int{2022, 2023}, Gas: s(janaapi.V1DataSourcesClimatetraceEmissionsAggregatedEmissionsRetrieveParamsGasCo2)})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			v := decode[janaapi.ClimateTraceAggregatedEmissions](t, body)
			if len(v.Countries) != 1 || v.Countries[0].Name != "DEU" || len(v.Years) != 2 || len(v.Sectors) != 1 || v.Sectors[0].Name != "manufacturing" {
				t.Errorf("aggregation %+v", v)
			}
		}},
		{op: "v1_data_sources_climatetrace_annual_country_emissions_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAnnualCountryEmissionsListWithResponse(x, &janaapi.V1DataSourcesClimatetraceAnnualCountryEmissionsListParams{
				CountryIso3: s("NLD"), GasType: s(janaapi.V1DataSourcesClimatetraceAnnualCountryEmissionsListParamsGasTypeCo2), Limit: s(20)})
		}, walk: true, row: func(r map[string]any) bool { return r["country_iso3"] == "NLD" && r["gas_type"] == "co2" }},
		{op: "v1_data_sources_climatetrace_annual_country_emissions_list", name: "year, sector, search, ordering", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAnnualCountryEmissionsListWithResponse(x, &janaapi.V1DataSourcesClimatetraceAnnualCountryEmissionsListParams{
				Year: s(2023), Sector: s("cement"), Search: s("germ"),
				Ordering: s(janaapi.V1DataSourcesClimatetraceAnnualCountryEmissionsListParamsOrderingMinusEmissionsQuantity)})
		}, row: func(r map[string]any) bool {
			return num(r["year"]) == 2023 && r["sector"] == "cement" && r["country_iso3"] == "DEU"
		}},
		{op: "v1_data_sources_climatetrace_definitions_subsectors_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceDefinitionsSubsectorsListWithResponse(x)
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			if n := len(decode[[]janaapi.ClimateTraceSubsectorDefinition](t, body)); n != len(d.Sectors) {
				t.Errorf("%d subsectors", n)
			}
		}},
		{op: "v1_data_sources_climatetrace_definitions_groups_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceDefinitionsGroupsListWithResponse(x)
		}},
		{op: "v1_data_sources_climatetrace_definitions_continents_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceDefinitionsContinentsListWithResponse(x)
		}},
		{op: "v1_data_sources_climatetrace_definitions_gases_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceDefinitionsGasesListWithResponse(x)
		}, min: 5},
		{op: "v1_data_sources_climatetrace_admin_areas_search_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAdminAreasSearchListWithResponse(x, &janaapi.V1DataSourcesClimatetraceAdminAreasSearchListParams{Point: s("4.4777,51.9244")})
		}, row: field2("country_iso3", "NLD"), min: 2},
		{op: "v1_data_sources_climatetrace_admin_areas_search_list", name: "query and level", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAdminAreasSearchListWithResponse(x, &janaapi.V1DataSourcesClimatetraceAdminAreasSearchListParams{
				Query: s("india"), Level: s(janaapi.V1DataSourcesClimatetraceAdminAreasSearchListParamsLevelN1)})
		}, row: func(r map[string]any) bool { return r["country_iso3"] == "IND" && num(r["level"]) == 1 }, wider: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAdminAreasSearchListWithResponse(x, &janaapi.V1DataSourcesClimatetraceAdminAreasSearchListParams{Query: s("india")})
		}},
		{op: "v1_data_sources_climatetrace_admin_areas_search_list", name: "bbox", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAdminAreasSearchListWithResponse(x, &janaapi.V1DataSourcesClimatetraceAdminAreasSearchListParams{Bbox: s("2.2,48.8,2.5,48.95")})
		}, row: field2("country_iso3", "FRA")},
		{op: "v1_data_sources_climatetrace_admin_areas_geojson_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAdminAreasGeojsonRetrieveWithResponse(x, fx.rotterdam)
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if v := decode[janaapi.ClimateTraceAdminAreaGeoJSON](t, body); v.Type != "Feature" || v.Geometry.Type != "Polygon" || len(v.Geometry.Coordinates) != 1 {
				t.Errorf("geojson %+v", v)
			}
		}},
		{op: "v1_data_sources_climatetrace_admin_areas_geojson_retrieve", name: "country", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAdminAreasGeojsonRetrieveWithResponse(x, "USA")
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if v := decode[janaapi.ClimateTraceAdminAreaGeoJSON](t, body); v.Geometry.Type != "MultiPolygon" {
				t.Errorf("the USA is a MultiPolygon of its places, got %s", v.Geometry.Type)
			}
		}},
		{op: "v1_data_sources_climatetrace_admin_areas_geojson_retrieve", name: "unknown area", status: 404, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesClimatetraceAdminAreasGeojsonRetrieveWithResponse(x, "XXX.9_1")
		}},

		// ---- EDGAR ----
		{op: "v1_data_sources_edgar_country_totals_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarCountryTotalsListWithResponse(x, &janaapi.V1DataSourcesEdgarCountryTotalsListParams{CountryIso3: &[]string{"NPL"},
				Gas: s(janaapi.V1DataSourcesEdgarCountryTotalsListParamsGasCO2), PageSize: s(10)})
		}, walk: true, row: field2("country_code", "NPL")},
		{op: "v1_data_sources_edgar_grid_emissions_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarGridEmissionsListWithResponse(x, &janaapi.V1DataSourcesEdgarGridEmissionsListParams{Bbox: s("85.2,27.6,85.5,27.8"),
				Year: s(2022), PageSize: s(40)})
		}, walk: true, row: field2("year", 2022)},
		{op: "v1_data_sources_edgar_fasttrack_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarFasttrackListWithResponse(x, &janaapi.V1DataSourcesEdgarFasttrackListParams{CountryIso3: &[]string{"NPL"}, Limit: s(10)})
		}, walk: true, row: func(r map[string]any) bool { return r["country_code"] == "NPL" && num(r["year"]) >= 2022 }},
		{op: "v1_data_sources_edgar_fasttrack_list", name: "gas, sector, year, provisional", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarFasttrackListWithResponse(x, &janaapi.V1DataSourcesEdgarFasttrackListParams{
				Gas: s(janaapi.V1DataSourcesEdgarFasttrackListParamsGasCh4), Sector: s("TOTAL"), Year: s(2024), Provisional: s(true), PageSize: s(1000)})
		}, row: func(r map[string]any) bool {
			return r["gas_type"] == "CH4" && r["sector"] == "TOTAL" && num(r["year"]) == 2024 && r["provisional"] == true
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			rows, _, _ := rowsIn(t, body)
			if len(rows) != len(d.Countries) {
				t.Errorf("%d countries' 2024 CH4 totals, want %d", len(rows), len(d.Countries))
			}
		}},
		{op: "v1_data_sources_edgar_temporal_profiles_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarTemporalProfilesListWithResponse(x, &janaapi.V1DataSourcesEdgarTemporalProfilesListParams{Sector: s("TRO"), PageSize: s(10)})
		}, walk: true, row: field2("sector", "TRO")},
		{op: "v1_data_sources_edgar_temporal_profiles_list", name: "level, month, hour", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarTemporalProfilesListWithResponse(x, &janaapi.V1DataSourcesEdgarTemporalProfilesListParams{
				TemporalLevel: s(janaapi.V1DataSourcesEdgarTemporalProfilesListParamsTemporalLevelHourly), Hour: s(8)})
		}, row: func(r map[string]any) bool { return r["temporal_level"] == "hourly" && num(r["hour"]) == 8 }, min: 15},
		{op: "v1_data_sources_edgar_temporal_profiles_list", name: "month", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarTemporalProfilesListWithResponse(x, &janaapi.V1DataSourcesEdgarTemporalProfilesListParams{Month: s(1)})
		}, row: func(r map[string]any) bool { return r["temporal_level"] == "monthly" && num(r["month"]) == 1 }, min: 15},
		{op: "v1_data_sources_edgar_air_pollutant_totals_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarAirPollutantTotalsListWithResponse(x, &janaapi.V1DataSourcesEdgarAirPollutantTotalsListParams{
				CountryIso3: &[]string{"NPL"}, Gas: s(janaapi.V1DataSourcesEdgarAirPollutantTotalsListParamsGasPM25), PageSize: s(50)})
		}, walk: true, row: func(r map[string]any) bool { return r["country_code"] == "NPL" && r["gas"] == "PM2.5" }},
		{op: "v1_data_sources_edgar_air_pollutant_totals_list", name: "ordered by value", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarAirPollutantTotalsListWithResponse(x, &janaapi.V1DataSourcesEdgarAirPollutantTotalsListParams{
				CountryIso3: &[]string{"NPL"}, Year: s(2020), Sector: s("TOTAL"), PageSize: s(2),
				Ordering: s(janaapi.V1DataSourcesEdgarAirPollutantTotalsListParamsOrderingMinusValue)})
		}, walk: true, row: func(r map[string]any) bool { return num(r["year"]) == 2020 && r["sector"] == "TOTAL" }},
		{op: "v1_data_sources_edgar_air_pollutant_grid_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarAirPollutantGridListWithResponse(x, &janaapi.V1DataSourcesEdgarAirPollutantGridListParams{Bbox: s("85.2,27.6,85.5,27.8"),
				Year: s(2022), Gas: s(janaapi.V1DataSourcesEdgarAirPollutantGridListParamsGasNOx), PageSize: s(7)})
		}, walk: true, row: func(r map[string]any) bool {
			return num(r["year"]) == 2022 && r["gas"] == "NOx" && num(r["longitude"]) >= 85.2 && num(r["longitude"]) <= 85.5
		}},
		{op: "v1_data_sources_edgar_air_pollutant_grid_list", name: "no filter answers nothing", min: -1, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesEdgarAirPollutantGridListWithResponse(x, &janaapi.V1DataSourcesEdgarAirPollutantGridListParams{})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if rows, _, _ := rowsIn(t, body); len(rows) != 0 {
				t.Errorf("%d rows without a filter", len(rows))
			}
		}},

		// ---- Global Carbon Project ----
		{op: "v1_data_sources_gcp_national_emissions_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGcpNationalEmissionsListWithResponse(x, &janaapi.V1DataSourcesGcpNationalEmissionsListParams{CountryCode: &[]string{"IND"},
				BudgetVersion: s("2024"), PageSize: s(10)})
		}, walk: true, row: func(r map[string]any) bool { return r["country_code"] == "IND" && r["budget_version"] == "2024" }},
		{op: "v1_data_sources_gcp_national_emissions_list", name: "year", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGcpNationalEmissionsListWithResponse(x, &janaapi.V1DataSourcesGcpNationalEmissionsListParams{Year: s(2020), Limit: s(1000)})
		}, row: field2("year", 2020)},
		{op: "v1_data_sources_gcp_emissions_by_fuel_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGcpEmissionsByFuelListWithResponse(x, &janaapi.V1DataSourcesGcpEmissionsByFuelListParams{BudgetVersion: s("2023"), PageSize: s(5)})
		}, walk: true, row: field2("budget_version", "2023")},
		{op: "v1_data_sources_gcp_carbon_budget_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGcpCarbonBudgetListWithResponse(x, &janaapi.V1DataSourcesGcpCarbonBudgetListParams{Year: s(2023)})
		}, row: field2("year", 2023), wider: func(x X, c C) (any, error) {
			return c.V1DataSourcesGcpCarbonBudgetListWithResponse(x, &janaapi.V1DataSourcesGcpCarbonBudgetListParams{})
		}},
		{op: "v1_data_sources_gcp_carbon_budget_list", name: "unknown release", min: -1, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGcpCarbonBudgetListWithResponse(x, &janaapi.V1DataSourcesGcpCarbonBudgetListParams{BudgetVersion: s("1999")})
		}},
		{op: "v1_data_sources_gcp_methane_budget_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGcpMethaneBudgetListWithResponse(x, &janaapi.V1DataSourcesGcpMethaneBudgetListParams{BudgetVersion: s("2024"), Limit: s(4)})
		}, walk: true, row: field2("budget_version", "2024")},

		// ---- GLEIF ----
		{op: "v1_data_sources_gleif_entities_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesListWithResponse(x, &janaapi.V1DataSourcesGleifEntitiesListParams{LegalAddressCountry: s("NL"), Limit: s(10)})
		}, walk: true, row: field2("legal_address_country", "NL"), wider: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesListWithResponse(x, &janaapi.V1DataSourcesGleifEntitiesListParams{Limit: s(100)})
		}},
		{op: "v1_data_sources_gleif_entities_list", name: "statuses and category", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesListWithResponse(x, &janaapi.V1DataSourcesGleifEntitiesListParams{
				EntityStatus:       s(janaapi.V1DataSourcesGleifEntitiesListParamsEntityStatusACTIVE),
				RegistrationStatus: s(janaapi.V1DataSourcesGleifEntitiesListParamsRegistrationStatusLAPSED),
				EntityCategory:     s(janaapi.V1DataSourcesGleifEntitiesListParamsEntityCategoryGENERAL), HeadquartersCountry: s("IN"),
				Jurisdiction: s("IN"), Ordering: s(janaapi.V1DataSourcesGleifEntitiesListParamsOrderingLegalName), PageSize: s(100)})
		}, row: func(r map[string]any) bool {
			return r["entity_status"] == "ACTIVE" && r["registration_status"] == "LAPSED" && r["headquarters_country"] == "IN"
		}},
		{op: "v1_data_sources_gleif_entities_list", name: "funds", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesListWithResponse(x, &janaapi.V1DataSourcesGleifEntitiesListParams{
				EntityCategory: s(janaapi.V1DataSourcesGleifEntitiesListParamsEntityCategoryFUND)})
		}, row: field2("entity_category", "FUND"), min: 3},
		{op: "v1_data_sources_gleif_entities_list", name: "search by LEI", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesListWithResponse(x, &janaapi.V1DataSourcesGleifEntitiesListParams{Search: s(fx.lei)})
		}, row: field2("lei", fx.lei)},
		{op: "v1_data_sources_gleif_entities_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesRetrieveWithResponse(x, fx.lei)
		}},
		{op: "v1_data_sources_gleif_entities_retrieve", name: "unknown LEI", status: 404, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesRetrieveWithResponse(x, "549300XXXXXXXXXXXX00")
		}},
		{op: "v1_data_sources_gleif_entities_parents_retrieve", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesParentsRetrieveWithResponse(x, fx.lei)
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if v := decode[janaapi.GleifEntityParents](t, body); v.UltimateParent == nil || v.UltimateParent.Lei != fx.parentLEI || v.DirectParent == nil {
				t.Errorf("parents %+v", v)
			}
		}},
		{op: "v1_data_sources_gleif_entities_parents_retrieve", name: "a top entity reports why it has none", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesParentsRetrieveWithResponse(x, fx.parentLEI)
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if v := decode[janaapi.GleifEntityParents](t, body); v.DirectParent != nil || v.DirectParentException == nil {
				t.Errorf("parents of a top entity %+v", v)
			}
			if !strings.Contains(string(body), `"direct_parent":null`) {
				t.Error("direct_parent is not written as null")
			}
		}},
		{op: "v1_data_sources_gleif_entities_children_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesChildrenListWithResponse(x, fx.parentLEI)
		}},
		{op: "v1_data_sources_gleif_entities_asset_matches_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifEntitiesAssetMatchesListWithResponse(x, fx.lei)
		}, row: field2("legal_entity_lei", fx.lei)},
		{op: "v1_data_sources_gleif_relationships_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifRelationshipsListWithResponse(x, &janaapi.V1DataSourcesGleifRelationshipsListParams{EndLei: s(fx.parentLEI), Limit: s(5)})
		}, walk: true, row: field2("end_lei", fx.parentLEI)},
		{op: "v1_data_sources_gleif_relationships_list", name: "start, type, status, ordering", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifRelationshipsListWithResponse(x, &janaapi.V1DataSourcesGleifRelationshipsListParams{StartLei: s(fx.lei),
				RelationshipType:   s(janaapi.V1DataSourcesGleifRelationshipsListParamsRelationshipTypeISULTIMATELYCONSOLIDATEDBY),
				RelationshipStatus: s(janaapi.V1DataSourcesGleifRelationshipsListParamsRelationshipStatusACTIVE),
				Ordering:           s(janaapi.V1DataSourcesGleifRelationshipsListParamsOrderingMinusIngestedAt)})
		}, row: func(r map[string]any) bool { return r["start_lei"] == fx.lei && r["end_lei"] == fx.parentLEI }},
		{op: "v1_data_sources_gleif_exceptions_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifExceptionsListWithResponse(x, &janaapi.V1DataSourcesGleifExceptionsListParams{Lei: s(fx.parentLEI)})
		}, row: field2("lei", fx.parentLEI), min: 2},
		{op: "v1_data_sources_gleif_exceptions_list", name: "category and reason", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesGleifExceptionsListWithResponse(x, &janaapi.V1DataSourcesGleifExceptionsListParams{
				ExceptionCategory: s(janaapi.V1DataSourcesGleifExceptionsListParamsExceptionCategoryULTIMATEACCOUNTINGCONSOLIDATIONPARENT),
				ExceptionReason:   s(janaapi.V1DataSourcesGleifExceptionsListParamsExceptionReasonNONCONSOLIDATING), PageSize: s(100)})
		}, walk: true, row: func(r map[string]any) bool {
			return r["exception_category"] == "ULTIMATE_ACCOUNTING_CONSOLIDATION_PARENT" && r["exception_reason"] == "NON_CONSOLIDATING"
		}},

		// ---- NOAA ----
		{op: "v1_data_sources_noaa_storm_events_events_list", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesNoaaStormEventsEventsListWithResponse(x, &janaapi.V1DataSourcesNoaaStormEventsEventsListParams{
				Lat: s(29.7604), Lon: s(-95.3698), RadiusKm: s(60.0), PageSize: s(10)})
		}, walk: true, row: func(r map[string]any) bool {
			return data.HaversineKm(-95.3698, 29.7604, num(r["begin_lon"]), num(r["begin_lat"])) <= 60
		}},
		{op: "v1_data_sources_noaa_storm_events_events_list", name: "lat-first bbox", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesNoaaStormEventsEventsListWithResponse(x, &janaapi.V1DataSourcesNoaaStormEventsEventsListParams{
				Bbox: s("33.6,-103.0,37.0,-94.4"), Limit: s(1000)})
		}, row: func(r map[string]any) bool {
			lat, lon := num(r["begin_lat"]), num(r["begin_lon"])
			return lat >= 33.6 && lat <= 37 && lon >= -103 && lon <= -94.4
		}},
		{op: "v1_data_sources_noaa_storm_events_events_list", name: "a longitude-first bbox is out of range", status: 400, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesNoaaStormEventsEventsListWithResponse(x, &janaapi.V1DataSourcesNoaaStormEventsEventsListParams{Bbox: s("-103.0,33.6,-94.4,37.0")})
		}},
		{op: "v1_data_sources_noaa_storm_events_events_list", name: "type, state, year, month", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesNoaaStormEventsEventsListWithResponse(x, &janaapi.V1DataSourcesNoaaStormEventsEventsListParams{
				EventType: s("Tornado"), State: s("TEXAS"), Year: s(2019), Limit: s(1000)})
		}, row: func(r map[string]any) bool {
			return r["event_type"] == "Tornado" && r["state"] == "TEXAS" && num(r["year"]) == 2019
		}},
		{op: "v1_data_sources_noaa_storm_events_events_list", name: "month", call: func(x X, c C) (any, error) {
			return c.V1DataSourcesNoaaStormEventsEventsListWithResponse(x, &janaapi.V1DataSourcesNoaaStormEventsEventsListParams{Month: s(9), Year: s(2020), PageSize: s(1000)})
		}, row: func(r map[string]any) bool { return num(r["month"]) == 9 && num(r["year"]) == 2020 }},
		{op: "v1_data_sources_noaa_storm_events_events_list", name: "radius without a point", status: 400, call: func(x X, c C) (any, error) {
			return c.V1DataSourcesNoaaStormEventsEventsListWithResponse(x, &janaapi.V1DataSourcesNoaaStormEventsEventsListParams{RadiusKm: s(10.0)})
		}},

		// ---- ESG ----
		{op: "v1_esg_data_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgDataRetrieveWithResponse(x, &janaapi.V1EsgDataRetrieveParams{CountryCodes: &[]string{"NLD"}, Limit: s(5)})
		}},
		{op: "v1_esg_locations_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgLocationsRetrieveWithResponse(x, &janaapi.V1EsgLocationsRetrieveParams{CountryCodes: &[]string{"NLD"}})
		}},
		{op: "v1_esg_trends_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgTrendsRetrieveWithResponse(x, &janaapi.V1EsgTrendsRetrieveParams{CountryCodes: &[]string{"NLD"}, Parameters: &[]string{"pm25"}})
		}},
		{op: "v1_esg_parameters_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgParametersRetrieveWithResponse(x, &janaapi.V1EsgParametersRetrieveParams{
				ParameterTypes: &[]janaapi.V1EsgParametersRetrieveParamsParameterTypes{"emissions"}})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			for _, prm := range decode[janaapi.UnifiedParametersResponse](t, body).Parameters {
				if prm.Source == "openaq" {
					t.Errorf("an air-quality parameter among the emissions: %+v", prm)
				}
			}
		}},
		{op: "v1_esg_health_retrieve", call: func(x X, c C) (any, error) { return c.V1EsgHealthRetrieveWithResponse(x) }},
		{op: "v1_esg_system_health_retrieve", call: func(x X, c C) (any, error) { return c.V1EsgSystemHealthRetrieveWithResponse(x) }},
		{op: "v1_esg_summary_retrieve", call: func(x X, c C) (any, error) { return c.V1EsgSummaryRetrieveWithResponse(x) }},
		{op: "v1_esg_statistics_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgStatisticsRetrieveWithResponse(x, &janaapi.V1EsgStatisticsRetrieveParams{Limit: s(3)})
		}, walk: true},
		{op: "v1_esg_aggregations_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgAggregationsRetrieveWithResponse(x, &janaapi.V1EsgAggregationsRetrieveParams{CountryCodes: []string{"NLD"},
				TemporalResolution: "monthly", DateFrom: day(2025, 1, 1), DateTo: day(2025, 6, 30), IncludeCorrelations: s(true)})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			v := decode[janaapi.EsgAggregationsResponse](t, body)
			if len(v.Aggregations.AirQuality) == 0 || len(v.Aggregations.Emissions) == 0 || v.Correlations == nil {
				t.Errorf("aggregations %+v", v.Metadata)
			}
			for _, a := range v.Aggregations.AirQuality {
				if a.PeriodStart.Before(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) || a.PeriodStart.After(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("period %s outside the dates", a.PeriodStart)
				}
			}
		}},
		{op: "v1_esg_aggregations_retrieve", name: "temporal_resolution is required", status: 400, call: func(x X, c C) (any, error) {
			return c.V1EsgAggregationsRetrieveWithResponse(x, &janaapi.V1EsgAggregationsRetrieveParams{CountryCodes: []string{"NLD"}})
		}},
		{op: "v1_esg_correlations_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgCorrelationsRetrieveWithResponse(x, &janaapi.V1EsgCorrelationsRetrieveParams{CountryCodes: []string{"IND"},
				Sources: []janaapi.V1EsgCorrelationsRetrieveParamsSources{"openaq", "climatetrace"}, SpatialRadiusKm: s(30.0)})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			v := decode[janaapi.EsgCorrelationsResponse](t, body)
			if len(v.Correlations.Spatial) == 0 || v.Correlations.Spatial[0].CorrelationCoefficient == nil || len(v.Correlations.Temporal) == 0 {
				t.Errorf("correlations %+v", v.Correlations)
			}
		}},
		{op: "v1_esg_correlations_retrieve", name: "one source is not a correlation", status: 400, call: func(x X, c C) (any, error) {
			return c.V1EsgCorrelationsRetrieveWithResponse(x, &janaapi.V1EsgCorrelationsRetrieveParams{CountryCodes: []string{"IND"},
				Sources: []janaapi.V1EsgCorrelationsRetrieveParamsSources{"openaq"}})
		}},
		{op: "v1_esg_quality_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgQualityRetrieveWithResponse(x, &janaapi.V1EsgQualityRetrieveParams{
				QualityDetailLevel: s(janaapi.V1EsgQualityRetrieveParamsQualityDetailLevelDetailed), DateFrom: day(2026, 1, 1)})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			v := decode[janaapi.EsgQualityResponse](t, body)
			if len(v.Sources) != 3 || v.Parameters == nil || v.OverallQuality.Score <= 50 || v.OverallQuality.Score > 100 {
				t.Errorf("quality %+v", v)
			}
		}},
		{op: "v1_esg_definitions_retrieve", call: func(x X, c C) (any, error) { return c.V1EsgDefinitionsRetrieveWithResponse(x) }},
		{op: "v1_esg_definitions_units_retrieve", call: func(x X, c C) (any, error) { return c.V1EsgDefinitionsUnitsRetrieveWithResponse(x) }},
		{op: "v1_esg_definitions_sources_retrieve", call: func(x X, c C) (any, error) { return c.V1EsgDefinitionsSourcesRetrieveWithResponse(x) }},
		{op: "v1_esg_sectors_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgSectorsRetrieveWithResponse(x, &janaapi.V1EsgSectorsRetrieveParams{CountryCodes: &[]string{"NLD"}, DateFrom: date(2024, 1, 1), Limit: s(3)})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			v := decode[janaapi.EsgSectorsResponse](t, body)
			if v.Sectors.Climatetrace == nil || len(*v.Sectors.Climatetrace) != 3 || v.Sectors.Edgar == nil {
				t.Errorf("sectors %+v", v.Sectors)
			}
		}},
		{op: "v1_esg_sectors_retrieve", name: "climatetrace needs countries", status: 400, call: func(x X, c C) (any, error) {
			return c.V1EsgSectorsRetrieveWithResponse(x, &janaapi.V1EsgSectorsRetrieveParams{})
		}},
		{op: "v1_esg_analytics_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgAnalyticsRetrieveWithResponse(x, &janaapi.V1EsgAnalyticsRetrieveParams{CountryCodes: []string{"IND", "GBR"}})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if v := decode[janaapi.EsgAnalyticsResponse](t, body); len(v.Correlations) != 2 || v.Summary.CountriesAnalyzed != 2 {
				t.Errorf("analytics %+v", v)
			}
		}},
		{op: "v1_esg_analytics_retrieve", name: "country_codes is required", status: 400, call: func(x X, c C) (any, error) {
			return c.V1EsgAnalyticsRetrieveWithResponse(x, &janaapi.V1EsgAnalyticsRetrieveParams{})
		}},
		{op: "v1_esg_openaq_statistics_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgOpenaqStatisticsRetrieveWithResponse(x, &janaapi.V1EsgOpenaqStatisticsRetrieveParams{CountryCodes: []string{"GBR"}})
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			v := decode[janaapi.EsgOpenAQStatistics](t, body)
			if want := len(d.FilterLocations(data.LocationFilter{CountryISO3: []string{"GBR"}})); v.Locations.Total != want {
				t.Errorf("%d GBR locations, want %d", v.Locations.Total, want)
			}
		}},
		{op: "v1_esg_climatetrace_statistics_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgClimatetraceStatisticsRetrieveWithResponse(x, &janaapi.V1EsgClimatetraceStatisticsRetrieveParams{CountryCodes: []string{"GBR"}})
		}, check: func(t *testing.T, d *data.Dataset, body []byte) {
			v := decode[janaapi.EsgClimateTraceStatistics](t, body)
			if want := len(d.FilterAssets(data.AssetFilter{CountryISO3: []string{"GBR"}})); v.Assets.Total != want {
				t.Errorf("%d GBR assets, want %d", v.Assets.Total, want)
			}
		}},
		{op: "v1_esg_export_retrieve", call: func(x X, c C) (any, error) {
			return c.V1EsgExportRetrieveWithResponse(x, &janaapi.V1EsgExportRetrieveParams{CountryCodes: &[]string{"NPL"},
				Sources: &[]janaapi.V1EsgExportRetrieveParamsSources{"edgar"}})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			v := decode[janaapi.EsgExportResponse](t, body)
			if len(v.Data) == 0 || v.Data[0].Source != "edgar" {
				t.Errorf("export %d records", len(v.Data))
			}
		}},
		{op: "v1_esg_export_retrieve", name: "csv", call: func(x X, c C) (any, error) {
			return c.V1EsgExportRetrieveWithResponse(x, &janaapi.V1EsgExportRetrieveParams{LocationPoint: &[]float64{85.324, 27.7172}, RadiusKm: s(20.0),
				OutputFormat: s(janaapi.V1EsgExportRetrieveParamsOutputFormatCsv), DateFrom: day(2026, 9, 1)})
		}, check: func(t *testing.T, _ *data.Dataset, body []byte) {
			if !strings.HasPrefix(string(body), strings.Join(exportColumns, ",")+"\n") || strings.Count(string(body), "\n") < 10 {
				t.Errorf("csv export %.300s", body)
			}
		}},
		{op: "v1_esg_export_retrieve", name: "a location is required", status: 400, call: func(x X, c C) (any, error) {
			return c.V1EsgExportRetrieveWithResponse(x, &janaapi.V1EsgExportRetrieveParams{})
		}},
	}
}

func relDiff(a, b float64) float64 {
	if b == 0 {
		return a
	}
	v := (a - b) / b
	if v < 0 {
		return -v
	}
	return v
}

// TestEveryEndpoint calls every data operation of the schema through the generated client and
// checks the status, the shape (the generated model decodes the answer), that each filter
// filters, and that paging reaches the end with every row once. Cases run one at a time: the
// machine is shared with tests that time short-lived tokens. The exports' stateful flow is
// TestExportFlow; the auth operations are auth_test.go's.
func TestEveryEndpoint(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	fx := findFixtures(t, e.sb.Dataset())
	cases := endpointCases(fx)
	covered := map[string]bool{"v1_esg_exports_create": true, "v1_esg_exports_retrieve": true, "v1_esg_exports_download_retrieve": true}
	for _, c := range cases {
		covered[c.op] = true
		t.Run(c.op+"/"+c.name, func(t *testing.T) {
			resp, err := c.call(ctx(t), e.client)
			if err != nil {
				t.Fatal(err)
			}
			status, body, typed := outcome(resp)
			want := c.status
			if want == 0 {
				want = http.StatusOK
			}
			if status != want {
				t.Fatalf("status %d, want %d: %.400s", status, want, body)
			}
			if status != http.StatusOK {
				return
			}
			if !typed {
				t.Fatalf("the answer does not decode into the generated model: %.400s", body)
			}
			if !json.Valid(body) { // a file
				c.check(t, e.sb.Dataset(), body)
				return
			}
			rows, _, _ := rowsIn(t, body)
			if c.walk {
				rows = walkPages(t, e, body)
			}
			if isList(body) && len(rows) < max(c.min, 1) && c.min >= 0 {
				t.Fatalf("%d rows, want at least %d", len(rows), max(c.min, 1))
			}
			for _, r := range rows {
				if c.row != nil && !c.row(r) {
					t.Fatalf("row outside the filter: %v", r)
				}
			}
			if c.wider != nil {
				wresp, err := c.wider(ctx(t), e.client)
				if err != nil {
					t.Fatal(err)
				}
				_, wbody, _ := outcome(wresp)
				all, count, _ := rowsIn(t, wbody)
				if !slices.ContainsFunc(all, func(r map[string]any) bool { return !c.row(r) }) && (count == nil || int(*count) <= len(rows)) {
					t.Errorf("the filter removed nothing: %d rows with it, %d without", len(rows), len(all))
				}
			}
			if c.check != nil {
				c.check(t, e.sb.Dataset(), body)
			}
		})
	}
	for _, op := range dataOperations(t) {
		if !covered[op] {
			t.Errorf("%s has no case in endpointCases", op)
		}
	}
}

func isList(body []byte) bool {
	b := strings.TrimSpace(string(body))
	return strings.HasPrefix(b, "[") || strings.Contains(b, `"results":`)
}

// dataOperations lists the operationIds of the schema's /api/v1/ paths.
func dataOperations(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `yaml:"operationId"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPIYAML(), &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		for _, op := range item {
			out = append(out, op.OperationID)
		}
	}
	slices.Sort(out)
	return out
}
