package toolkit

import (
	"encoding/json"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
)

// argsSchema uses every keyword the checker enforces on its own.
func argsSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"country":   {Type: "string", Pattern: countryPattern, Description: "A country."},
			"pollutant": {Type: "string", Enum: []any{"pm25", "pm10", "no2"}},
			"name":      {Type: "string", MinLength: new(2), MaxLength: new(8)},
			"limit":     {Type: "integer", Minimum: new(1.0), Maximum: new(500.0), Default: json.RawMessage("100")},
			"ratio":     {Type: "number", Minimum: new(-1.5), Maximum: new(1.5)},
			"raw":       {Type: "boolean", Default: json.RawMessage("false")},
			"years":     {Type: "array", MinItems: new(1), MaxItems: new(3), Items: &jsonschema.Schema{Type: "integer", Minimum: new(1990.0), Maximum: new(2030.0)}},
			"codes":     {Type: "array", MaxItems: new(2), Items: &jsonschema.Schema{Type: "string", MaxLength: new(3)}},
		},
		Required:             []string{"country"},
		AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}},
	}
}

func TestCheckedSchemasSkipOnlyWhatTheCheckerEnforces(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		edit    func(*jsonschema.Schema)
		checked bool
	}{
		{"every enforced keyword", func(*jsonschema.Schema) {}, true},
		{"exclusiveMinimum", func(s *jsonschema.Schema) { s.Properties["ratio"].ExclusiveMinimum = new(0.0) }, false},
		{"an object property", func(s *jsonschema.Schema) { s.Properties["box"] = &jsonschema.Schema{Type: "object"} }, false},
		{"two types", func(s *jsonschema.Schema) {
			s.Properties["name"].Types, s.Properties["name"].Type = []string{"string", "null"}, ""
		}, false},
		{"no type", func(s *jsonschema.Schema) { s.Properties["any"] = &jsonschema.Schema{} }, false},
		{"array items with a format", func(s *jsonschema.Schema) { s.Properties["codes"].Items.Format = "date" }, false},
		{"open additional properties", func(s *jsonschema.Schema) { s.AdditionalProperties = &jsonschema.Schema{} }, false},
	} {
		s := argsSchema()
		tc.edit(s)
		a, err := newArguments(s)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if a.checked != tc.checked {
			t.Errorf("%s: checked = %v, want %v", tc.name, a.checked, tc.checked)
		}
	}
	s := argsSchema()
	s.Properties["limit"].Default = json.RawMessage("5000")
	if _, err := newArguments(s); err == nil {
		t.Error("a default above the maximum was accepted")
	}
}

func TestCheckedDecodeAppliesDefaultsAndNumbers(t *testing.T) {
	t.Parallel()
	a, err := newArguments(argsSchema())
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.decode(json.RawMessage(`{"country":"GB","pollutant":"PM2.5","years":[2020,2021.0],"ratio":1e-1}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"country": "GB", "pollutant": "pm25", "years": []any{2020.0, 2021.0}, "ratio": 0.1, "limit": 100.0, "raw": false}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("decoded %s, want %s", gotJSON, wantJSON)
	}
	for _, v := range got {
		if _, isNumber := v.(json.Number); isNumber {
			t.Errorf("a json.Number was left in %v", got)
		}
	}
}

// FuzzCheckedArguments: whatever the checker alone accepts, the library's validation accepts
// too, so skipping it lets nothing through that it would refuse.
func FuzzCheckedArguments(f *testing.F) {
	for _, seed := range []string{
		`{"country":"GBR"}`, `{"country":"gb","limit":1}`, `{"country":"FR","pollutant":"NO₂","name":"ab"}`,
		`{"country":"DE","years":[1990,2030,2000],"codes":["a","bcd"],"ratio":-1.5,"raw":true}`,
		`{"country":"US","limit":500.0}`, `{"country":"US","limit":1e2}`, `{"country":"US","ratio":15e-1}`,
		`{"country":"ES","name":"ñandúes"}`, `{}`, `null`, `{"country":"IT","years":[]}`,
	} {
		f.Add([]byte(seed))
	}
	a, err := newArguments(argsSchema())
	if err != nil {
		f.Fatal(err)
	}
	if !a.checked {
		f.Fatal("the fuzzed schema is not checked by the checker alone")
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := a.decode(raw)
		if err != nil {
			if _, ok := err.(*ArgError); !ok {
				t.Fatalf("%s: error %T %v, want an *ArgError", raw, err, err)
			}
			return
		}
		if err := a.resolved.Validate(map[string]any(got)); err != nil {
			t.Fatalf("%s: the checker accepted %v, the library refuses it: %v", raw, got, err)
		}
	})
}
