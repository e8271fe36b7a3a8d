package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/janaplatform/jana-mcp/api"
	"github.com/janaplatform/jana-mcp/gen/janaapi"
)

// normalise turns YAML- or JSON-decoded documents into the same Go shapes.
func normalise(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func committedSchema(t *testing.T) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(api.OpenAPIYAML(), &v); err != nil {
		t.Fatal(err)
	}
	return normalise(t, v)
}

func TestSchemaMatchesCommittedFile(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	want := committedSchema(t)
	tests := []struct {
		name        string
		params      *janaapi.SchemaRetrieveParams
		accept      string
		contentType string
	}{
		{"default yaml", nil, "", "application/vnd.oai.openapi; charset=utf-8"},
		{"format=yaml", &janaapi.SchemaRetrieveParams{Format: new(janaapi.SchemaRetrieveParamsFormatYaml)}, "", "application/vnd.oai.openapi; charset=utf-8"},
		{"format=json", &janaapi.SchemaRetrieveParams{Format: new(janaapi.SchemaRetrieveParamsFormatJson)}, "", "application/vnd.oai.openapi+json"},
		{"accept openapi+json", nil, "application/vnd.oai.openapi+json", "application/vnd.oai.openapi+json"},
		{"accept json", nil, "application/json", "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.anon.SchemaRetrieveWithResponse(ctx(t), tc.params, func(_ context.Context, r *http.Request) error {
				if tc.accept != "" {
					r.Header.Set("Accept", tc.accept)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.HTTPResponse.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, want %q", got, tc.contentType)
			}
			var got any
			if strings.Contains(tc.contentType, "json") {
				err = json.Unmarshal(resp.Body, &got)
			} else {
				err = yaml.Unmarshal(resp.Body, &got)
				if string(resp.Body) != string(api.OpenAPIYAML()) {
					t.Error("YAML differs from api/openapi.yaml byte for byte")
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, normalise(t, got)); diff != "" {
				t.Errorf("served schema differs (-committed +served):\n%s", diff)
			}
		})
	}
}

func TestRenameParams(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{RenameParams: map[string]string{"country_iso3": "iso3", "date_from": "from_date"}})

	// The served schema is the committed one with the parameter renamed everywhere.
	want := committedSchema(t).(map[string]any)
	renamed := 0
	for _, item := range want["paths"].(map[string]any) {
		for _, op := range item.(map[string]any) {
			params, _ := op.(map[string]any)["parameters"].([]any)
			for _, p := range params {
				pm := p.(map[string]any)
				switch pm["name"] {
				case "country_iso3":
					pm["name"] = "iso3"
					renamed++
				case "date_from":
					pm["name"] = "from_date"
					renamed++
				}
			}
		}
	}
	if renamed < 15 {
		t.Fatalf("only %d parameters renamed", renamed)
	}
	for _, format := range []janaapi.SchemaRetrieveParamsFormat{"yaml", "json"} {
		resp, err := e.anon.SchemaRetrieveWithResponse(ctx(t), &janaapi.SchemaRetrieveParams{Format: &format})
		if err != nil {
			t.Fatal(err)
		}
		var got any
		if err := yaml.Unmarshal(resp.Body, &got); err != nil { // JSON is YAML too
			t.Fatal(err)
		}
		if diff := cmp.Diff(any(want), normalise(t, got)); diff != "" {
			t.Errorf("%s schema (-want +got):\n%s", format, diff)
		}
		if strings.Contains(string(resp.Body), "name: country_iso3\n") || strings.Contains(string(resp.Body), `"name":"country_iso3"`) {
			t.Errorf("%s schema still names country_iso3", format)
		}
	}

	// The new name filters; the old one is unknown.
	resp, body := e.get(t, e.url+"/api/v1/data-sources/climatetrace/assets/?iso3=NOR&page_size=50")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("new name: %d %s", resp.StatusCode, body)
	}
	page := decode[janaapi.PaginatedClimateTraceAssetList](t, body)
	if len(page.Results) == 0 {
		t.Fatal("no Norwegian assets")
	}
	for _, a := range page.Results {
		if a.CountryCode != "NOR" {
			t.Errorf("asset %d in %s: renamed filter ignored", a.Id, a.CountryCode)
		}
	}
	if page.Next != nil && queryOf(t, page.Next, "iso3") != "NOR" {
		t.Errorf("next link %s lost the renamed parameter", *page.Next)
	}
	resp, body = e.get(t, e.url+"/api/v1/data-sources/openaq/measurements/?from_date=2026-09-30T00:00:00Z&location_id=1&page_size=1")
	if resp.StatusCode != http.StatusOK || decode[janaapi.PaginatedOpenAQMeasurementList](t, body).Count > 8*len(e.sb.Dataset().Locations[0].Sensors) {
		t.Errorf("from_date: %d %s", resp.StatusCode, body)
	}

	resp, body = e.get(t, e.url+"/api/v1/data-sources/climatetrace/assets/?country_iso3=NOR")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("old name: %d %s", resp.StatusCode, body)
	}
	ve := decode[map[string]any](t, body)
	if ve["detail"] != "Unknown query parameter(s): country_iso3" {
		t.Errorf("detail %v", ve["detail"])
	}
	allowed := ve["allowed_params"].([]any)
	if !slices.Contains(allowed, any("iso3")) || slices.Contains(allowed, any("country_iso3")) {
		t.Errorf("allowed_params %v", allowed)
	}
}
