package sandbox

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

func TestUnknownParameters(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	resp, body := e.get(t, e.url+"/api/v1/data-sources/openaq/locations/?country=GB&page_size=5&zzz=1")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var got janaapi.ValidationError
	if err := got.UnmarshalJSON(body); err != nil {
		t.Fatal(err)
	}
	want := janaapi.ValidationError{
		Detail:        new("Unknown query parameter(s): country, zzz"),
		UnknownParams: &[]string{"country", "zzz"},
		AllowedParams: &[]string{"bbox", "coordinates", "country_code", "country_iso2", "is_mobile", "is_monitor",
			"limit", "offset", "ordering", "page", "page_size", "parameter_name", "radius", "search"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestInvalidValues(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	tests := []struct {
		name, path string
		want       map[string][]string
	}{
		{"limit above maximum", "/api/v1/esg/data/?country_codes=GBR&limit=20000",
			map[string][]string{"limit": {"Ensure this value is less than or equal to 10000."}}},
		{"limit below minimum", "/api/v1/esg/trends/?country_codes=GBR&limit=1",
			map[string][]string{"limit": {"Ensure this value is greater than or equal to 2."}}},
		{"bad enum", "/api/v1/esg/data/?country_codes=GBR&temporal_resolution=yearly",
			map[string][]string{"temporal_resolution": {`"yearly" is not a valid choice.`}}},
		{"bad enum in list", "/api/v1/esg/data/?country_codes=GBR&sources=openaq,nasa",
			map[string][]string{"sources": {`"nasa" is not a valid choice.`}}},
		{"not an integer", "/api/v1/data-sources/openaq/measurements/?page_size=ten",
			map[string][]string{"page_size": {"A valid integer is required."}}},
		{"not a number", "/api/v1/data-sources/openaq/locations/?coordinates=0,0&radius=far",
			map[string][]string{"radius": {"A valid number is required."}}},
		{"radius too large", "/api/v1/data-sources/openaq/locations/?coordinates=0,0&radius=501",
			map[string][]string{"radius": {"Ensure this value is less than or equal to 500."}}},
		{"bad date", "/api/v1/data-sources/climatetrace/emissions/?date_from=2024-13-01",
			map[string][]string{"date_from": {"Date has wrong format. Use one of these formats instead: YYYY-MM-DD."}}},
		{"bad datetime", "/api/v1/data-sources/openaq/measurements/?date_from=yesterday",
			map[string][]string{"date_from": {"Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."}}},
		{"bad boolean", "/api/v1/data-sources/openaq/locations/?is_monitor=maybe",
			map[string][]string{"is_monitor": {"Must be a valid boolean."}}},
		{"country code too long", "/api/v1/data-sources/openaq/locations/?country_code=GBR",
			map[string][]string{"country_code": {"Ensure this field has no more than 2 characters."}}},
		{"bbox too short", "/api/v1/esg/locations/?location_bbox=1&location_bbox=2&location_bbox=3",
			map[string][]string{"location_bbox": {"Ensure this field has at least 4 elements."}}},
		{"malformed bbox", "/api/v1/data-sources/openaq/locations/?bbox=1,2,3",
			map[string][]string{"bbox": {"Expected 'min_lon,min_lat,max_lon,max_lat': four comma-separated numbers, longitude first."}}},
		{"inverted bbox", "/api/v1/data-sources/climatetrace/assets/?bbox=10,50,0,40",
			map[string][]string{"bbox": {"min_lon must not exceed max_lon and min_lat must not exceed max_lat (order: min_lon, min_lat, max_lon, max_lat)."}}},
		{"latitude out of range", "/api/v1/esg/locations/?location_point=10&location_point=95",
			map[string][]string{"location_point": {"Longitude must be between -180 and 180 and latitude between -90 and 90 (longitude first)."}}},
		{"date order", "/api/v1/data-sources/openaq/measurements/?date_from=2026-02-01&date_to=2026-01-01",
			map[string][]string{"date_to": {"date_to must not be before date_from."}}},
		{"several fields", "/api/v1/esg/trends/?country_codes=GBR&forecast_days=0&confidence_level=1",
			map[string][]string{"forecast_days": {"Ensure this value is greater than or equal to 1."},
				"confidence_level": {"Ensure this value is less than or equal to 0.99."}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.get(t, e.url+tc.path)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if diff := cmp.Diff(tc.want, decode[map[string][]string](t, body)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEndpointRules(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	tests := []struct {
		name, path string
		status     int
		contains   string
	}{
		{"unified data needs a place", "/api/v1/esg/data/?sources=openaq", 400, "At least one location filter is required"},
		{"trends need a place", "/api/v1/esg/trends/", 400, "At least one location filter is required"},
		{"grid needs a filter", "/api/v1/data-sources/edgar/grid-emissions/", 400, "At least one filter is required"},
		{"unknown location", "/api/v1/data-sources/openaq/locations/999999/", 404, `{"detail":"Not found."}`},
		{"unknown asset", "/api/v1/data-sources/climatetrace/assets/0/emissions/", 404, `{"detail":"Not found."}`},
		{"non-integer id", "/api/v1/data-sources/openaq/locations/abc/", 404, `{"detail":"Not found."}`},
		{"unknown path", "/api/v1/nothing/", 404, `{"detail":"Not found."}`},
		{"append slash", "/api/v1/data-sources/openaq/locations?page_size=2", 301, ""},
		{"append slash with id", "/api/v1/data-sources/openaq/locations/5", 301, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.get(t, e.url+tc.path)
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.contains) {
				t.Errorf("got %d %s, want %d containing %q", resp.StatusCode, body, tc.status, tc.contains)
			}
			if tc.status == 301 {
				path, query, _ := strings.Cut(tc.path, "?")
				want := path + "/"
				if query != "" {
					want += "?" + query
				}
				if got := resp.Header.Get("Location"); got != want {
					t.Errorf("Location %q, want %q", got, want)
				}
			}
		})
	}
	t.Run("method not allowed", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, e.url+"/api/auth/login/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET login: %d", resp.StatusCode)
		}
	})
}

func TestAllowedHosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{AllowedHosts: []string{"localhost", ".jana.example"}})
	for host, want := range map[string]int{"localhost": 200, "api.jana.example": 200, "evil.example": 400, "127.0.0.1": 400} {
		req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, e.url+"/api/v1/esg/health/", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestDateTimeForms(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	// Django's DateTimeField accepts dates and naive times (UTC); an unencoded '+' arrives as a space.
	for v, want := range map[string]int{
		"2026-09-30": 8, "2026-09-30T12:00": 4, "2026-09-30T12:00:00Z": 4, "2026-09-30T14:00:00%2B02:00": 4,
		"2026-09-30T14:00:00+02:00": 4,
	} {
		resp, body := e.get(t, e.url+"/api/v1/data-sources/openaq/measurements/?location_id=2&parameter_name=pm25&date_from="+v)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("date_from=%s: %d %s", v, resp.StatusCode, body)
			continue
		}
		if got := decode[janaapi.PaginatedOpenAQMeasurementList](t, body).Count; got != want {
			t.Errorf("date_from=%s: %d readings, want %d", v, got, want)
		}
	}
}
