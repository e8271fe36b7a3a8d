package toolkit

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
)

// An OutputPart is one top-level key of a tool's structured content, for its output schema:
// a table of rows (Rows) or another field (Field).
type OutputPart struct {
	name   string
	schema *jsonschema.Schema
	row    reflect.Type // the row type of a table, for the size of a row
}

// Rows declares a table of the structured content: key name holds a list of T.
func Rows[T any](name, description string) OutputPart {
	item := looseSchema(reflect.TypeFor[T]())
	return OutputPart{name: name, row: reflect.TypeFor[T](),
		schema: &jsonschema.Schema{Type: "array", Description: description, Items: item}}
}

// Field declares another key of the structured content, holding a T.
func Field[T any](name, description string) OutputPart {
	s := looseSchema(reflect.TypeFor[T]())
	s.Description = description
	return OutputPart{name: name, schema: s}
}

// Output builds a tool's output schema from the keys its structured content has. The schema
// documents the shape (every key, each row's fields and their types) but is loose: nothing is
// required, no enum is checked and other keys may appear, so that data Jana adds or leaves
// out never makes a client reject a result. Every result also has the keys common to all
// tools (title, notes, attribution, paging and truncation).
func Output(parts ...OutputPart) *Outputs {
	o := &Outputs{schema: &jsonschema.Schema{Type: "object", Properties: map[string]*jsonschema.Schema{}}}
	for _, p := range append(commonParts(), parts...) {
		o.schema.Properties[p.name] = p.schema
		if p.row != nil {
			o.rowBytes = max(o.rowBytes, rowBytes(p.row))
		}
	}
	return o
}

// commonParts are the keys render adds to every result.
func commonParts() []OutputPart {
	return []OutputPart{
		Field[string]("title", ""),
		Field[[]string]("notes", ""),
		Field[[]Source]("attribution", ""),
		Field[string]("next_cursor", "Pass as cursor for the next page."),
		Field[bool]("truncated", ""),
		Field[string]("truncation_hint", ""),
		Field[int]("data_age_seconds", ""),
		Field[[]string]("filter_not_applied", ""),
	}
}

// OutputKeys lists the keys an output schema declares.
func OutputKeys(s *jsonschema.Schema) []string {
	keys := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var timeType = reflect.TypeFor[time.Time]()

// looseSchema describes values of t for an output schema: types as Go marshals them, with
// null allowed wherever Go can write null (pointers, slices, maps, interfaces).
func looseSchema(t reflect.Type) *jsonschema.Schema {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s *jsonschema.Schema
	switch {
	case t == timeType:
		s = &jsonschema.Schema{Type: "string", Format: "date-time"}
	case t.Kind() == reflect.Struct:
		s = &jsonschema.Schema{Type: "object", Properties: map[string]*jsonschema.Schema{}}
		for i := range t.NumField() {
			f := t.Field(i)
			name, omit := jsonName(f)
			if name == "" {
				continue
			}
			if f.Anonymous && f.Type.Kind() == reflect.Struct && name == f.Name && f.Tag.Get("json") == "" {
				for k, v := range looseSchema(f.Type).Properties {
					s.Properties[k] = v
				}
				continue
			}
			p := looseSchema(f.Type)
			if d := f.Tag.Get("jsonschema"); d != "" {
				p.Description = d
			}
			_ = omit // optional or not, nothing is required
			s.Properties[name] = p
		}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		s = &jsonschema.Schema{Type: "array", Items: looseSchema(t.Elem())}
		nullable = nullable || t.Kind() == reflect.Slice
	case t.Kind() == reflect.Map:
		s = &jsonschema.Schema{Type: "object", AdditionalProperties: looseSchema(t.Elem())}
		nullable = true
	case t.Kind() == reflect.Interface:
		// Any JSON value: say so with a union of every type rather than a bare true schema,
		// which clients' schema linters reject.
		return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
			{Type: "object"}, {Type: "array"}, {Type: "string"}, {Type: "number"}, {Type: "boolean"}, {Type: "null"}}}
	case t.Kind() == reflect.String:
		s = &jsonschema.Schema{Type: "string"}
	case t.Kind() == reflect.Bool:
		s = &jsonschema.Schema{Type: "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = &jsonschema.Schema{Type: "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = &jsonschema.Schema{Type: "number"}
	default:
		panic(fmt.Sprintf("output schema: %s has no JSON form", t))
	}
	if nullable {
		// A type list, the shortest way to say "or null": tools/list is read into every
		// conversation.
		s.Types, s.Type = []string{s.Type, "null"}, ""
	}
	return s
}

func jsonName(f reflect.StructField) (name string, omitempty bool) {
	if !f.IsExported() {
		return "", false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, strings.Contains(opts, "omitempty")
}

// rowBytes estimates the bytes one row of t takes in a result: its JSON object in the
// structured content and its CSV line in the text. Strings count as 22 characters (codes and
// units are shorter, names longer); the estimate only sets how many rows a page may ask for
// (limit's maximum), and a page over the bound is still cut, and resumes, at render. The
// tools' tests check that a page of the maximum fits for each.
func rowBytes(t reflect.Type) int {
	jsonBytes, textBytes := fieldBytes(t)
	return jsonBytes + textBytes
}

func fieldBytes(t reflect.Type) (jsonBytes, textBytes int) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return 22, 21
	case t.Kind() == reflect.Struct:
		jsonBytes = 2
		for i := range t.NumField() {
			f := t.Field(i)
			name, _ := jsonName(f)
			if name == "" {
				continue
			}
			j, x := fieldBytes(f.Type)
			jsonBytes += len(name) + 4 + j
			textBytes += x + 1
		}
		return jsonBytes, textBytes
	case t.Kind() == reflect.String:
		return 24, 22
	case t.Kind() == reflect.Bool:
		return 5, 5
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return 7, 6
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return 14, 7
	}
	return 40, 32 // lists and objects inside a row: rare, short
}
