package spec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Path names a field of an answer: dotted property names, "[]" after a list's name for its
// items, a leading "[]" when the answer itself is a list. count, results[].name,
// [].country_code, data.totals; "." is the whole answer.
type Path string

// Steps splits the path: results[].name is results, [], name.
func (p Path) Steps() []string {
	var out []string
	for _, seg := range strings.Split(string(p), ".") {
		name, items := strings.CutSuffix(seg, "[]")
		if name != "" {
			out = append(out, name)
		}
		if items {
			out = append(out, "[]")
		}
	}
	return out
}

// Join appends a step to a path.
func (p Path) Join(step string) Path {
	switch {
	case step == "[]":
		return p + "[]"
	case p == "":
		return Path(step)
	}
	return p + "." + Path(step)
}

// Within reports whether p is q or lies inside it (results[].name is within results).
func (p Path) Within(q Path) bool {
	return p == q || strings.HasPrefix(string(p), string(q)+".") || strings.HasPrefix(string(p), string(q)+"[]")
}

// ParsePath checks a path's form.
func ParsePath(s string) (Path, error) {
	if s == "." {
		return Path(s), nil // the whole answer
	}
	if s == "" {
		return "", errors.New("empty path")
	}
	for i, seg := range strings.Split(s, ".") {
		name, _ := strings.CutSuffix(seg, "[]")
		if (name == "" && (i > 0 || seg != "[]")) || strings.ContainsAny(name, "[] ") {
			return "", fmt.Errorf("segment %q: write names separated by dots, [] after a list (results[].name)", seg)
		}
	}
	return Path(s), nil
}

// Resolve follows a path from a schema, through references, allOf (the first member that has
// the property) and nullable oneOf or anyOf wrappers; it answers nil when the path leads
// nowhere in the schema.
func Resolve(s *openapi3.SchemaRef, p Path) *openapi3.Schema {
	cur := schemaOf(s)
	for _, step := range p.Steps() {
		if cur == nil {
			return nil
		}
		if step == "[]" {
			cur = schemaOf(cur.Items)
			continue
		}
		cur = property(cur, step)
	}
	return cur
}

// property finds a property of an object schema, also in its allOf members and in the single
// non-null member of a oneOf or anyOf.
func property(s *openapi3.Schema, name string) *openapi3.Schema {
	if p, ok := s.Properties[name]; ok {
		return schemaOf(p)
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, m := range group {
			if v := schemaOf(m); v != nil {
				if p := property(v, name); p != nil {
					return p
				}
			}
		}
	}
	return nil
}

func schemaOf(r *openapi3.SchemaRef) *openapi3.Schema {
	if r == nil {
		return nil
	}
	return r.Value
}

// TypeOf describes a schema's type for comparisons and messages: "string", "string (date-time)",
// "array of integer", "object", "string | null"; "" for a schema with no type (any JSON).
func TypeOf(s *openapi3.Schema) string {
	if s == nil {
		return ""
	}
	var t string
	switch {
	case s.Type != nil && len(s.Type.Slice()) > 0:
		var kinds []string
		for _, k := range s.Type.Slice() {
			if k != "null" {
				kinds = append(kinds, k)
			}
		}
		t = strings.Join(kinds, " | ")
	case len(s.AllOf) == 1:
		return TypeOf(schemaOf(s.AllOf[0])) + nullText(s)
	case len(s.Properties) > 0:
		t = "object"
	}
	switch {
	case t == "array":
		t = "array of " + TypeOf(schemaOf(s.Items))
	case s.Format != "" && t != "":
		t += " (" + s.Format + ")"
	}
	return t + nullText(s)
}

func nullText(s *openapi3.Schema) string {
	if s.Nullable || (s.Type != nil && s.Type.IncludesNull()) {
		return " | null"
	}
	return ""
}
