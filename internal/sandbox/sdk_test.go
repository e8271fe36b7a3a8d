package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// sdkRequest is a request as jana-eko-client d275fe1's user_client.py sends it (its wire names,
// lists comma-joined, location_bbox repeated, booleans as true/false) and the response fields
// the SDK or its tests read (from its docstrings and tests; see /work/notes/endpoints.json).
type sdkRequest struct {
	method string // user_client.py method
	query  string // path and query under /api/v1/
	fields []string
}

var sdkRequests = []sdkRequest{
	{"get_openaq_sensor", "data-sources/openaq/sensors/5/", []string{"id", "parameter_name"}},
	{"get_openaq_measurement", "data-sources/openaq/measurements/5/", []string{"value", "measured_at"}},
	{"get_openaq_measurements_date_range", "data-sources/openaq/measurements/date_range/", []string{"earliest_date", "latest_date", "total_records"}},
	{"get_openaq_parameter", "data-sources/openaq/parameters/2/", []string{"name"}},
	{"get_openaq_location_sensors", "data-sources/openaq/locations/1/sensors/", nil},
	{"get_openaq_location_flags", "data-sources/openaq/locations/1/flags/", nil},
	{"get_openaq_location_latest_measurements", "data-sources/openaq/locations/1/latest_measurements/?datetime_min=2026-09-01T00:00:00", []string{"measurements"}},
	{"get_openaq_sensor_measurements", "data-sources/openaq/sensors/5/measurements/?limit=10&days=3", nil},
	{"get_openaq_sensor_flags", "data-sources/openaq/sensors/5/flags/", nil},
	{"get_openaq_sensor_hourly", "data-sources/openaq/sensors/5/hourly/?date_from=2026-03-01T00:00:00&date_to=2026-03-02T00:00:00", []string{"results"}},
	{"get_openaq_sensor_daily", "data-sources/openaq/sensors/5/daily/?date_from=2026-03-01&date_to=2026-03-31", []string{"results"}},
	{"get_openaq_sensor_yearly", "data-sources/openaq/sensors/5/yearly/", []string{"results"}},
	{"get_openaq_sensor_hour_of_day", "data-sources/openaq/sensors/5/hour-of-day/", []string{"hours"}},
	{"get_openaq_sensor_day_of_week", "data-sources/openaq/sensors/5/day-of-week/", []string{"days"}},
	{"get_openaq_sensor_month_of_year", "data-sources/openaq/sensors/5/month-of-year/", []string{"months"}},
	{"get_openaq_providers", "data-sources/openaq/providers/", nil},
	{"get_openaq_owners", "data-sources/openaq/owners/", nil},
	{"get_openaq_manufacturers", "data-sources/openaq/manufacturers/", nil},
	{"get_openaq_instruments", "data-sources/openaq/instruments/", nil},
	{"get_openaq_licenses", "data-sources/openaq/licenses/", nil},
	{"get_openaq_stats", "data-sources/openaq/stats/", []string{"total_locations"}},
	{"get_climatetrace_emissions_date_range", "data-sources/climatetrace/emissions/date_range/?country_code=NPL&sector_name=cement&gas=co2",
		[]string{"earliest_date", "latest_date", "total_records"}},
	{"get_climatetrace_emissions_gas_type_distribution", "data-sources/climatetrace/emissions/gas_type_distribution/?country_code=NPL",
		[]string{"total_records", "gas_types"}},
	{"get_climatetrace_company_matches", "data-sources/climatetrace/company-matches/?matching_method=exact_name&relationship_type=owner&verified=true&search=power&ordering=-matching_confidence&limit=5&offset=5",
		[]string{"count", "next", "previous", "results"}},
	{"get_climatetrace_violations", "data-sources/climatetrace/violations/?limit=5&offset=0", []string{"results"}},
	{"get_climatetrace_sector_assets", "data-sources/climatetrace/sectors/1/assets/", nil},
	{"get_climatetrace_sector_emissions_summary", "data-sources/climatetrace/sectors/1/emissions_summary/",
		[]string{"total_assets", "total_co2e_tonnes", "avg_co2e_tonnes"}},
	{"get_climatetrace_country_assets", "data-sources/climatetrace/countries/1/assets/", nil},
	{"get_climatetrace_asset_violations", "data-sources/climatetrace/assets/1/violations/", nil},
	{"get_climatetrace_aggregated_emissions", "data-sources/climatetrace/emissions/aggregated-emissions/?countries=DEU,FRA&sectors=power&subsectors=electricity-generation&continents=Europe&groups=EU27&gas=co2e_100yr&years=2022,2023&bbox=-10,35,30,60",
		nil},
	{"get_climatetrace_annual_country_emissions", "data-sources/climatetrace/annual-country-emissions/?country_iso3=USA&year=2023&sector=cement&gas_type=co2&search=united&ordering=-emissions_quantity&limit=10&offset=0",
		[]string{"count", "results"}},
	{"get_climatetrace_definition_subsectors", "data-sources/climatetrace/definitions/subsectors/", nil},
	{"get_climatetrace_definition_groups", "data-sources/climatetrace/definitions/groups/", nil},
	{"get_climatetrace_definition_continents", "data-sources/climatetrace/definitions/continents/", nil},
	{"get_climatetrace_definition_gases", "data-sources/climatetrace/definitions/gases/", nil},
	{"get_climatetrace_admin_areas_search", "data-sources/climatetrace/admin-areas/search/?query=delhi&point=77.209,28.6139&bbox=76,28,78,29&level=1", nil},
	{"get_climatetrace_admin_area_geojson", "data-sources/climatetrace/admin-areas/IND/geojson/", []string{"type", "geometry"}},
	{"get_edgar_temporal_profiles", "data-sources/edgar/temporal-profiles/?sector=TRO&temporal_level=hourly&hour=8&limit=5&offset=0", []string{"results"}},
	{"get_edgar_fasttrack", "data-sources/edgar/fasttrack/?country_code=NPL&year=2023&gas=CO2&sector=TOTAL&provisional=false&limit=5&offset=0", []string{"results"}},
	{"get_edgar_air_pollutant_totals", "data-sources/edgar/air-pollutant-totals/?country_code=NPL&year=2020&gas=PM2.5&sector=RCO&ordering=-value&limit=5&offset=0",
		[]string{"results", "next"}},
	{"get_edgar_air_pollutant_grid", "data-sources/edgar/air-pollutant-grid/?year=2022&gas=NOx&sector=TRO&bbox=85.2,27.6,85.5,27.8&ordering=-value&limit=5&offset=0",
		[]string{"results", "next"}},
	{"get_edgar_air_pollutant_grid", "data-sources/edgar/air-pollutant-grid/?coordinates=85.32,27.72&radius=10&limit=5", []string{"results"}},
	{"get_gleif_entities", "data-sources/gleif/entities/?search=power&entity_status=ACTIVE&registration_status=ISSUED&entity_category=GENERAL&legal_address_country=IN&headquarters_country=IN&jurisdiction=IN&ordering=legal_name&limit=5&offset=0",
		[]string{"count", "results"}},
	{"get_gleif_relationships", "data-sources/gleif/relationships/?relationship_type=IS_DIRECTLY_CONSOLIDATED_BY&relationship_status=ACTIVE&ordering=start_lei&limit=5&offset=0",
		[]string{"results"}},
	{"get_gleif_exceptions", "data-sources/gleif/exceptions/?exception_category=DIRECT_ACCOUNTING_CONSOLIDATION_PARENT&exception_reason=NATURAL_PERSONS&limit=5&offset=0",
		[]string{"results"}},
	{"get_gcp_national_emissions", "data-sources/gcp/national-emissions/?country_code=USA&year=2020&budget_version=2024&limit=5&offset=0", []string{"results"}},
	{"get_gcp_emissions_by_fuel", "data-sources/gcp/emissions-by-fuel/?year=2020&budget_version=2024&limit=5&offset=0", []string{"results"}},
	{"get_gcp_carbon_budget", "data-sources/gcp/carbon-budget/?year=2020&budget_version=2024&limit=5&offset=0", []string{"results"}},
	{"get_gcp_methane_budget", "data-sources/gcp/methane-budget/?year=2020&budget_version=2024&limit=5&offset=0", []string{"results"}},
	{"fetch_all_pages", "data-sources/gcp/national-emissions/?page_size=1000&limit=1000", []string{"results"}},
	{"get_noaa_storm_events", "data-sources/noaa_storm_events/events/?event_type=Hail&state=TEXAS&year=2019&month=5&bbox=25.8,-106.6,36.5,-93.5&limit=5&offset=0",
		[]string{"results"}},
	{"get_noaa_storm_events", "data-sources/noaa_storm_events/events/?lat=29.76&lon=-95.37&radius_km=50", []string{"results"}},
	{"get_aggregations", "esg/aggregations/?temporal_resolution=monthly&sources=openaq,climatetrace&country_codes=NPL&location_bbox=85&location_bbox=27&location_bbox=86&location_bbox=28&date_from=2025-01-01T00:00:00&date_to=2025-06-30T00:00:00&quality_threshold=50&parameters=pm25,co2e&include_correlations=true",
		[]string{"aggregations"}},
	{"get_correlations", "esg/correlations/?sources=openaq,climatetrace&country_codes=NPL&parameters=pm25&correlation_type=temporal&temporal_window_days=365&spatial_radius_km=25&minimum_data_points=3&statistical_tests=true&sector_filter=cement",
		[]string{"correlations"}},
	{"get_quality", "esg/quality/?sources=openaq&location_bbox=85&location_bbox=27&location_bbox=86&location_bbox=28&date_from=2026-01-01T00:00:00&date_to=2026-02-01T00:00:00&parameters=pm25&quality_detail_level=comprehensive",
		[]string{"overall_quality"}},
	{"get_definitions", "esg/definitions/", nil},
	{"get_parameter_definitions", "esg/parameters/?sources=openaq&parameter_types=air_quality", []string{"parameters"}},
	{"get_unit_definitions", "esg/definitions/units/", []string{"units"}},
	{"get_source_definitions", "esg/definitions/sources/", []string{"sources"}},
	{"get_sectors", "esg/sectors/?sources=climatetrace,edgar&country_codes=USA&limit=5&date_from=2024-01-01&date_to=2024-12-31", []string{"sectors"}},
	{"get_analytics", "esg/analytics/?country_codes=NPL,IND&temporal_window_days=365&correlation_threshold=0.5&minimum_data_points=6&include_openaq=true&include_climatetrace=true",
		[]string{"correlations"}},
	{"get_openaq_statistics", "esg/openaq-statistics/?country_codes=NPL", []string{"locations"}},
	{"get_climatetrace_statistics", "esg/climatetrace-statistics/?country_codes=NPL", []string{"assets"}},
	{"get_table_statistics", "esg/statistics/?limit=5&offset=0", []string{"results"}},
	{"export_data_sync", "esg/export/?sources=openaq&country_codes=NPL&location_point=85.32&location_point=27.72&radius_km=20&date_from=2026-09-29T00:00:00&date_to=2026-09-30T00:00:00&parameters=pm25&output_format=json",
		[]string{"data"}},
}

// TestSDKRequestsAreAnswered: each request the SDK's methods send gets 200 (none is refused
// for an unknown parameter) with the fields the SDK reads.
func TestSDKRequestsAreAnswered(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	for _, r := range sdkRequests {
		t.Run(r.method, func(t *testing.T) {
			resp, body := e.get(t, e.url+"/api/v1/"+r.query, "Accept", "application/json")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %.400s", r.query, resp.StatusCode, body)
			}
			var obj map[string]any
			if strings.HasPrefix(strings.TrimSpace(string(body)), "[") {
				return
			}
			if err := json.Unmarshal(body, &obj); err != nil {
				t.Fatal(err)
			}
			for _, f := range r.fields {
				if _, ok := obj[f]; !ok {
					t.Errorf("%s: the answer lacks %s, which the SDK reads", r.query, f)
				}
			}
		})
	}
}
