package drift_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/janaplatform/jana-mcp/internal/drift"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// doc is a schema as YAML maps, for tests that change it.
type doc map[string]any

func loadDoc(t *testing.T, path string) doc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := yaml.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	return doc(d)
}

func (d doc) m(keys ...string) map[string]any {
	var cur any = map[string]any(d)
	for _, k := range keys {
		next, ok := cur.(map[string]any)[k]
		if !ok {
			panic("no " + strings.Join(keys, "."))
		}
		cur = next
	}
	return cur.(map[string]any)
}

// op is the operation at path and method.
func (d doc) op(path, method string) map[string]any { return d.m("paths", path, method) }

// param is an operation's parameter by name.
func param(op map[string]any, name string) map[string]any {
	for _, p := range op["parameters"].([]any) {
		if pm := p.(map[string]any); pm["name"] == name {
			return pm
		}
	}
	panic("no parameter " + name)
}

func removeParam(op map[string]any, name string) {
	op["parameters"] = slices.DeleteFunc(op["parameters"].([]any), func(p any) bool { return p.(map[string]any)["name"] == name })
}

const (
	edgarTotals = "/api/v1/data-sources/edgar/country-totals/"
	parameters  = "/api/v1/data-sources/openaq/parameters/"
)

// TestDriftAttributesChangesByUse: each kind of change to what a tool sends or reads names that
// tool and fails the check; a change in something no tool uses names none and passes. Among the
// latter are the two cases drift used to get wrong: an optional field a tool reads removed (it
// was information; now it fails, naming list_pollutants), and a parameter no tool sends removed
// from an operation tools call (it named every tool on the operation; now none).
func TestDriftAttributesChangesByUse(t *testing.T) {
	t.Parallel()
	root := testenv.RepoRoot(t)
	base := filepath.Join(root, "api/openapi.yaml")
	tests := []struct {
		name   string
		change func(d doc)
		want   map[string]string // tool -> impact kind; empty: no tool affected
		text   string            // in the report
	}{
		{"optional field it reads removed", func(d doc) {
			delete(d.m("components", "schemas", "OpenAQParameter", "properties"), "display_name")
		}, map[string]string{"list_pollutants": drift.ImpactFieldRemoved}, "field results[].display_name, which it reads, is gone"},
		{"parameter no tool sends removed", func(d doc) {
			removeParam(d.op(edgarTotals, "get"), "provisional")
		}, nil, "deleted the `query` request parameter `provisional`"},
		{"field no tool reads removed", func(d doc) {
			delete(d.m("components", "schemas", "OpenAQParameter", "properties"), "id")
			d.m("components", "schemas", "OpenAQParameter")["required"] = []any{"name", "units"}
		}, nil, "results/items/id"},
		{"parameter it sends removed", func(d doc) {
			removeParam(d.op(edgarTotals, "get"), "gas")
		}, map[string]string{"edgar_country_totals": drift.ImpactParameterRemoved}, "parameter gas, which it sends, is gone"},
		{"parameter it sends renamed", func(d doc) {
			param(d.op(edgarTotals, "get"), "country_iso3")["name"] = "iso3"
		}, map[string]string{"edgar_country_totals": drift.ImpactParameterRemoved, "get_emissions": drift.ImpactParameterRemoved}, // both send it
			"parameter country_iso3, which it sends, is gone (new parameters: iso3)"},
		{"new required parameter", func(d doc) {
			op := d.op(parameters, "get")
			op["parameters"] = append(op["parameters"].([]any), map[string]any{
				"in": "query", "name": "dataset", "required": true, "schema": map[string]any{"type": "string"}})
		}, map[string]string{"list_pollutants": drift.ImpactNewRequiredParameter}, "now requires parameter dataset"},
		{"enum value it sends removed", func(d doc) {
			s := param(d.op(edgarTotals, "get"), "gas")["schema"].(map[string]any)
			s["enum"] = slices.DeleteFunc(s["enum"].([]any), func(v any) bool { return v == "CH4" })
		}, map[string]string{"edgar_country_totals": drift.ImpactEnumValueRemoved}, `no longer accepts "CH4"`},
		{"type of a field it reads changed", func(d doc) {
			d.m("components", "schemas", "OpenAQParameter", "properties")["units"] = map[string]any{"type": "integer"}
		}, map[string]string{"list_pollutants": drift.ImpactFieldTypeChanged}, "field results[].units, which it reads, changed from string to integer"},
		{"parameter it sends deprecated", func(d doc) {
			param(d.op(edgarTotals, "get"), "sector")["deprecated"] = true
		}, map[string]string{"edgar_country_totals": drift.ImpactParameterDeprecated, "get_emissions": drift.ImpactParameterDeprecated},
			"parameter sector, which it sends, is deprecated"},
		{"operation renamed", func(d doc) {
			d.op(parameters, "get")["operationId"] = "v1_openaq_parameters_list"
		}, map[string]string{"list_pollutants": drift.ImpactOperationRenamed}, "the operation is now v1_openaq_parameters_list"},
		{"operation removed", func(d doc) {
			delete(d.m("paths"), parameters)
		}, map[string]string{"list_pollutants": drift.ImpactOperationRemoved}, "the operation is gone"},
		{"the adapter's login operation renamed", func(d doc) {
			d.op("/api/auth/login/", "post")["operationId"] = "auth_token_create"
		}, map[string]string{"adapter login": drift.ImpactOperationRenamed}, "the operation is now auth_token_create"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := loadDoc(t, base)
			tc.change(d)
			data, err := yaml.Marshal(map[string]any(d))
			if err != nil {
				t.Fatal(err)
			}
			rev := filepath.Join(t.TempDir(), "live.yaml")
			if err := os.WriteFile(rev, data, 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			report, err := drift.Compare(ctx, drift.Options{Base: base, Revision: rev,
				Uses: filepath.Join(root, "gen/uses.gen.yaml"), Overlay: filepath.Join(root, "api/overlay.yaml"),
				SeverityLevels: filepath.Join(root, "api/oasdiff-levels.txt")})
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			report.Write(&out)
			got := map[string]string{}
			for _, i := range report.Impacts {
				got[i.Tool] = i.Kind
			}
			if len(got) != len(tc.want) || report.Failed() != (len(tc.want) > 0) {
				t.Errorf("tools affected %v, want %v:\n%s", got, tc.want, out.String())
			}
			for tool, kind := range tc.want {
				if got[tool] != kind {
					t.Errorf("%s: impact %q, want %q:\n%s", tool, got[tool], kind, out.String())
				}
			}
			if !strings.Contains(out.String(), strings.ReplaceAll(tc.text, "`", "")) && !strings.Contains(out.String(), tc.text) {
				t.Errorf("report lacks %q:\n%s", tc.text, out.String())
			}
			if len(tc.want) == 0 && len(report.Unattributed) == 0 {
				t.Errorf("the change is not listed at all:\n%s", out.String())
			}
		})
	}
}
