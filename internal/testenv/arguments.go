package testenv

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
)

// Tool arguments made from a tool's input schema, as seeds for fuzz targets: an example call
// that the schema accepts, variants that exercise each argument's edges, and mutations that it
// must reject.

// ExampleArguments returns the smallest arguments the input schema accepts: its required
// properties, each with an example value.
func ExampleArguments(inputSchema any) (json.RawMessage, error) {
	s, err := schemaOf(inputSchema)
	if err != nil {
		return nil, err
	}
	return marshal(required(s)), nil
}

// ArgumentSeeds returns arguments for a tool: the example (ExampleArguments), the example with
// each optional property added in turn (with its default, each enum value, its minimum and
// maximum, the fewest and most items), and mutations a server must reject with a tool error:
// null, an array, a string, unknown and nested junk properties, and each property with a
// value of the wrong kind, null, out of range, too long or with too many items.
func ArgumentSeeds(inputSchema any) ([]json.RawMessage, error) {
	s, err := schemaOf(inputSchema)
	if err != nil {
		return nil, err
	}
	// Most data tools need a location filter their schema cannot require: the valid variants
	// are made on top of a country where the tool takes one, so that they reach the backend.
	base := required(s)
	bases := []map[string]any{base}
	if _, ok := s.Properties["country_codes"]; ok && base["country_codes"] == nil {
		located := clone(base)
		located["country_codes"] = []any{"GBR"}
		bases = append(bases, located)
	}
	var out []json.RawMessage
	with := func(m map[string]any, name string, v any) {
		m = clone(m)
		m[name] = v
		out = append(out, marshal(m))
	}
	for _, b := range bases {
		out = append(out, marshal(b))
	}
	for _, name := range names(s) {
		p := s.Properties[name]
		for _, v := range valid(name, p) {
			with(bases[len(bases)-1], name, v)
		}
		for _, v := range invalid(name, p) {
			with(base, name, v)
		}
		if slices.Contains(s.Required, name) {
			m := clone(base)
			delete(m, name)
			out = append(out, marshal(m))
		}
	}
	junk := []string{
		`null`, `[]`, `"x"`, `1`, `true`, `{}`, ` { } `, `{"": 1}`,
		`{"no_such_argument": 1}`,
		`{"a": {"b": [1, {"c": null}, [[]]]}, "d": "\u0000"}`,
		`{"limit": 1, "limit": 2}`,
		`[{"limit": 1}]`,
	}
	for _, j := range junk {
		out = append(out, json.RawMessage(j))
	}
	return out, nil
}

func schemaOf(v any) (*jsonschema.Schema, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	return &s, nil
}

func names(s *jsonschema.Schema) []string {
	out := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func required(s *jsonschema.Schema) map[string]any {
	m := map[string]any{}
	for _, name := range s.Required {
		if p := s.Properties[name]; p != nil {
			m[name] = example(name, p)
		}
	}
	return m
}

// example is a value of p that a careful client would send for the argument name.
func example(name string, p *jsonschema.Schema) any {
	if len(p.Default) > 0 {
		var v any
		if json.Unmarshal(p.Default, &v) == nil {
			return v
		}
	}
	if len(p.Enum) > 0 {
		return p.Enum[0]
	}
	switch typeOf(p) {
	case "string":
		switch {
		case strings.Contains(name, "country") || strings.Contains(p.Pattern, "A-Za-z]{2,3}"):
			return "GBR"
		case strings.HasSuffix(name, "_to") || strings.HasPrefix(name, "end"):
			return "2024-03-31"
		case strings.Contains(name, "date") || strings.HasPrefix(name, "start"):
			return "2024-01-01"
		}
		return "x"
	case "integer", "number":
		switch {
		case p.Minimum != nil && p.Maximum != nil:
			return *p.Minimum + (*p.Maximum-*p.Minimum)/2
		case p.Minimum != nil:
			return *p.Minimum
		case p.Maximum != nil:
			return *p.Maximum
		}
		return 1
	case "boolean":
		return true
	case "array":
		switch name {
		case "location_bbox":
			return []any{-0.51, 51.28, 0.33, 51.69} // Greater London
		case "location_point":
			return []any{-0.1276, 51.5072}
		}
		n := 1
		if p.MinItems != nil {
			n = max(n, *p.MinItems)
		}
		items := make([]any, n)
		for i := range items {
			items[i] = example(name, itemsOf(p))
		}
		return items
	case "object":
		return required(p)
	}
	return nil
}

// valid lists values of p the schema accepts, besides the example.
func valid(name string, p *jsonschema.Schema) []any {
	out := []any{example(name, p)}
	for _, e := range p.Enum {
		out = append(out, e)
	}
	switch typeOf(p) {
	case "integer", "number":
		if p.Minimum != nil {
			out = append(out, *p.Minimum)
		}
		if p.Maximum != nil {
			out = append(out, *p.Maximum)
		}
	case "string":
		if ex, _ := example(name, p).(string); ex == "GBR" {
			out = append(out, "GB", "gbr") // alpha-2 and lower case are converted
		}
		if p.MaxLength != nil && len(p.Enum) == 0 && p.Pattern == "" {
			out = append(out, strings.Repeat("é", *p.MaxLength))
		}
	case "array":
		items := itemsOf(p)
		for _, e := range items.Enum {
			out = append(out, []any{e})
		}
		if p.MaxItems != nil && (p.MinItems == nil || *p.MaxItems > *p.MinItems) {
			more := make([]any, *p.MaxItems)
			for i := range more {
				more[i] = example(name, items)
				if len(items.Enum) > 0 {
					more[i] = items.Enum[i%len(items.Enum)]
				}
			}
			out = append(out, more, []any{})
		}
	}
	return out
}

// invalid lists values of p the schema rejects.
func invalid(name string, p *jsonschema.Schema) []any {
	out := []any{nil, map[string]any{"x": []any{1}}}
	switch typeOf(p) {
	case "string":
		out = append(out, 1, true, []any{"x"}, "")
		if len(p.Enum) > 0 {
			out = append(out, strings.ToUpper(fmt.Sprint(p.Enum[0])), fmt.Sprint(p.Enum[0])+"x")
		}
		if p.MaxLength != nil {
			out = append(out, strings.Repeat("x", *p.MaxLength+1))
		}
		if p.Pattern != "" {
			out = append(out, "1234", "G B")
		}
	case "integer", "number":
		out = append(out, "1", true, []any{1}, 1.5, -1, 1e300, json.Number("1e999"), json.Number("-0"))
		if p.Minimum != nil {
			out = append(out, *p.Minimum-1)
		}
		if p.Maximum != nil {
			out = append(out, *p.Maximum+1)
		}
	case "boolean":
		out = append(out, "true", 1)
	case "array":
		items := itemsOf(p)
		out = append(out, "x", 1, []any{nil}, []any{[]any{}}, []any{map[string]any{}})
		if p.MaxItems != nil {
			more := make([]any, *p.MaxItems+1)
			for i := range more {
				more[i] = example(name, items)
			}
			out = append(out, more)
		}
		if p.MinItems != nil && *p.MinItems > 0 {
			fewer := make([]any, *p.MinItems-1)
			for i := range fewer {
				fewer[i] = example(name, items)
			}
			out = append(out, fewer)
		}
		for _, v := range invalid(name, items)[2:] { // null and an object are above
			out = append(out, []any{v})
		}
	}
	return out
}

func typeOf(p *jsonschema.Schema) string {
	if p.Type != "" {
		return p.Type
	}
	for _, t := range p.Types {
		if t != "null" {
			return t
		}
	}
	return ""
}

func itemsOf(p *jsonschema.Schema) *jsonschema.Schema {
	if p.Items != nil {
		return p.Items
	}
	return &jsonschema.Schema{Type: "string"}
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func marshal(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshaling arguments: %v", err)) // values built here always marshal
	}
	return data
}
