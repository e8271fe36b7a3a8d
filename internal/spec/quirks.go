package spec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
)

// fixQuirks rewrites, in place, what drf-spectacular emits and oapi-codegen turns into code
// that is hard to use or does not build. Each rule is found by shape.
func fixQuirks(doc *openapi3.T) []Note {
	notes := renameHashedEnums(doc)
	for _, s := range sites(doc) {
		if n, ok := fixNullableChoice(s); ok {
			notes = append(notes, n)
		} else if n, ok := fixBlankFormat(s); ok {
			notes = append(notes, n)
		}
	}
	notes = append(notes, fixAnyParameters(doc)...)
	notes = append(notes, fixPropertyCollisions(doc)...)
	notes = append(notes, fixParameterCollisions(doc)...)
	return notes
}

// JSONText marks a parameter that carries any JSON value as its JSON text (fixAnyParameters).
const JSONText = "x-jana-json-text"

// fixAnyParameters gives a parameter of any JSON value (a JSONField filter: schema {}) the
// type it has on the wire, a string holding its JSON text: oapi-codegen makes such a parameter
// an interface{} that its client cannot leave unset (it dereferences the nil value).
func fixAnyParameters(doc *openapi3.T) []Note {
	var notes []Note
	fix := func(where string, p *openapi3.Parameter) {
		if p == nil || p.Schema == nil || p.Schema.Ref != "" || p.Schema.Value == nil {
			return
		}
		v := p.Schema.Value
		if (v.Type != nil && len(v.Type.Slice()) > 0) || len(v.Properties) > 0 || v.Items != nil || len(v.Enum) > 0 ||
			len(v.AllOf)+len(v.OneOf)+len(v.AnyOf) > 0 || v.AdditionalProperties.Schema != nil {
			return
		}
		v.Type = &openapi3.Types{"string"}
		if v.Extensions == nil {
			v.Extensions = map[string]any{}
		}
		v.Extensions[JSONText] = true
		notes = append(notes, Note{where, "a parameter of any JSON value became a string holding its JSON text"})
	}
	if doc.Components != nil {
		for _, name := range slices.Sorted(maps.Keys(doc.Components.Parameters)) {
			if p := doc.Components.Parameters[name]; p != nil && p.Ref == "" {
				fix("components.parameters."+name, p.Value)
			}
		}
	}
	for _, op := range operations(doc) {
		for _, list := range []openapi3.Parameters{op.Op.Parameters, op.Item.Parameters} {
			for _, p := range list {
				if p != nil && p.Ref == "" && p.Value != nil {
					fix(op.where+".parameters."+p.Value.Name, p.Value)
				}
			}
		}
	}
	return notes
}

const schemaRefPrefix = "#/components/schemas/"

// hashedEnum is drf-spectacular's name for a choice set used under one property name by several
// components with different choices: camelized property name, the first three hex digits of a
// hash of the choices (capitalized), "Enum" (drf-spectacular hooks.postprocess_schema_enums).
var hashedEnum = regexp.MustCompile(`^([A-Z][A-Za-z0-9]*?)([0-9A-F][0-9a-f]{2})Enum$`)

// renameHashedEnums names hash-suffixed enums after what uses them. drf-spectacular names a
// choice set {Property}Enum; when the property name carries several choice sets, it names each
// {Component}{Property}Enum if one component uses it, else {Property}{hash}Enum. So a set's
// name changes as soon as another field of that name comes or goes. Here the hashed set with
// the most users (then the first user, in name order) takes {Property}Enum back, the name it
// had before the collision, when no component holds it; the others take {Component}{Property}Enum
// after their first user.
func renameHashedEnums(doc *openapi3.T) []Note {
	if doc.Components == nil {
		return nil
	}
	all := sites(doc)
	type hashed struct {
		name, prop string
		users      []string
	}
	groups := map[string][]hashed{}
	var notes []Note
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		m := hashedEnum.FindStringSubmatch(name)
		c := doc.Components.Schemas[name]
		if m == nil || c == nil || c.Value == nil || len(c.Value.Enum) == 0 {
			continue
		}
		h := hashed{name: name, prop: m[1]}
		for _, s := range all {
			if s.ref.Ref == schemaRefPrefix+name && s.component != "" && codegen.SchemaNameToTypeName(s.prop) == m[1] &&
				!slices.Contains(h.users, s.component) {
				h.users = append(h.users, s.component)
			}
		}
		if len(h.users) == 0 {
			notes = append(notes, Note{"components.schemas." + name, "hash-suffixed enum name kept: no component property named after it uses it"})
			continue
		}
		slices.Sort(h.users)
		groups[m[1]] = append(groups[m[1]], h)
	}
	rename := func(h hashed, to, why string) {
		where := "components.schemas." + h.name
		if _, taken := doc.Components.Schemas[to]; taken {
			notes = append(notes, Note{where, fmt.Sprintf("hash-suffixed enum name kept: %s is taken", to)})
			return
		}
		doc.Components.Schemas[to] = doc.Components.Schemas[h.name]
		delete(doc.Components.Schemas, h.name)
		for _, s := range all {
			if s.ref.Ref == schemaRefPrefix+h.name {
				s.ref.Ref = schemaRefPrefix + to
			}
		}
		notes = append(notes, Note{where, fmt.Sprintf("hash-suffixed enum renamed %s (%s)", to, why)})
	}
	for _, prop := range slices.Sorted(maps.Keys(groups)) {
		g := groups[prop]
		slices.SortStableFunc(g, func(a, b hashed) int {
			if len(a.users) != len(b.users) {
				return len(b.users) - len(a.users)
			}
			return strings.Compare(a.users[0], b.users[0])
		})
		for i, h := range g {
			plain := prop + "Enum"
			if _, taken := doc.Components.Schemas[plain]; i == 0 && !taken {
				rename(h, plain, fmt.Sprintf("drf-spectacular's name for it before another %s field came", lowerFirst(prop)))
				continue
			}
			rename(h, codegen.SchemaNameToTypeName(h.users[0])+prop+"Enum", fmt.Sprintf("after %s.%s", h.users[0], lowerFirst(prop)))
		}
	}
	return notes
}

// fixNullableChoice turns drf-spectacular's nullable or blankable choice field, oneOf [XEnum,
// BlankEnum, NullEnum] (either of the last two may be missing), which oapi-codegen makes an
// opaque union, into a nullable scalar of the enum's type; the choices stay in the description.
func fixNullableChoice(s site) (Note, bool) {
	v := s.ref.Value
	if s.ref.Ref != "" || v == nil || len(v.OneOf) < 2 {
		return Note{}, false
	}
	var main *openapi3.SchemaRef
	var names []string
	null := v.Nullable
	for _, m := range v.OneOf {
		names = append(names, refName(m))
		switch {
		case isBlank(m):
		case isNull(m):
			null = true
		case main == nil:
			main = m
		default:
			return Note{}, false
		}
	}
	if main == nil || main.Value == nil || len(main.Value.Enum) == 0 {
		return Note{}, false
	}
	typ := scalarType(main.Value)
	if typ == "" {
		return Note{}, false
	}
	blank := slices.ContainsFunc(v.OneOf, isBlank)
	desc := v.Description
	if choices := main.Value.Description; choices != "" && !strings.Contains(desc, choices) {
		desc = strings.TrimSpace(desc + "\n\n" + choices)
	}
	may := "May be null."
	switch {
	case blank && null:
		may = "May be blank or null."
	case blank:
		may = "May be blank."
	}
	desc = strings.TrimSpace(desc + "\n\n" + may)
	*v = openapi3.Schema{
		Extensions: v.Extensions, Type: &openapi3.Types{typ}, Nullable: null, Description: desc,
		Title: v.Title, ReadOnly: v.ReadOnly, WriteOnly: v.WriteOnly, Deprecated: v.Deprecated,
		Default: v.Default, Example: v.Example,
	}
	what := "a nullable " + typ + ": a choice field that may be null"
	switch {
	case blank && null:
		what = "a nullable " + typ + ": a choice field that may be blank or null"
	case blank:
		what = "a " + typ + ": a choice field that may be blank"
	}
	return Note{s.where, fmt.Sprintf("oneOf [%s] became %s", strings.Join(names, ", "), what)}, true
}

// nonStringFormats are the string formats oapi-codegen gives a Go type that cannot hold "".
var nonStringFormats = map[string]bool{"date": true, "date-time": true, "email": true, "uuid": true, "binary": true}

// fixBlankFormat turns drf-spectacular's blankable formatted string (an EmailField, URLField,
// ... with allow_blank), oneOf [{type: string, format: …}, {type: string, maxLength: 0}], into
// the string itself. A format whose Go type cannot hold "" (email, uuid, date, ...) is dropped.
func fixBlankFormat(s site) (Note, bool) {
	v := s.ref.Value
	if s.ref.Ref != "" || v == nil || len(v.OneOf) != 2 {
		return Note{}, false
	}
	var inner *openapi3.SchemaRef
	blanks := 0
	for _, m := range v.OneOf {
		if mv := m.Value; mv != nil && m.Ref == "" && mv.Type.Is("string") && mv.MaxLength != nil && *mv.MaxLength == 0 && mv.Format == "" {
			blanks++
		} else {
			inner = m
		}
	}
	if blanks != 1 || inner == nil || inner.Value == nil || !inner.Value.Type.Is("string") {
		return Note{}, false
	}
	fixed := *inner.Value
	fixed.Extensions = maps.Clone(inner.Value.Extensions)
	maps.Copy(fixed.Extensions, v.Extensions)
	fixed.Nullable = fixed.Nullable || v.Nullable
	fixed.ReadOnly, fixed.WriteOnly = fixed.ReadOnly || v.ReadOnly, fixed.WriteOnly || v.WriteOnly
	fixed.Deprecated = fixed.Deprecated || v.Deprecated
	if v.Description != "" {
		fixed.Description = v.Description
	}
	if v.Title != "" {
		fixed.Title = v.Title
	}
	what := "a string that may be blank"
	if nonStringFormats[fixed.Format] {
		what += fmt.Sprintf(` (format %s dropped: "" is not one)`, fixed.Format)
		fixed.Format = ""
	}
	fixed.MinLength = 0
	*v = fixed
	return Note{s.where, "oneOf [string, blank] became " + what}, true
}

// fixPropertyCollisions renames the Go fields of properties whose names differ only in what Go
// names drop (is_global and isGlobal, parameter__name and parameter_name): oapi-codegen would
// declare the field twice. See rename for who keeps the name.
func fixPropertyCollisions(doc *openapi3.T) []Note {
	var notes []Note
	for _, s := range sites(doc) {
		v := s.ref.Value
		if s.ref.Ref != "" || v == nil || len(v.Properties) < 2 {
			continue
		}
		var fields []field
		for _, name := range slices.Sorted(maps.Keys(v.Properties)) {
			p := v.Properties[name]
			if p == nil || p.Value == nil {
				continue
			}
			fields = append(fields, field{json: name, goName: goNameOf(name, p.Value.Extensions), deprecated: p.Value.Deprecated,
				pinned: p.Ref == "" && p.Value.Extensions["x-go-name"] != nil})
		}
		for _, r := range rename(fields) {
			p := v.Properties[r.json]
			if p.Ref != "" {
				// A reference cannot carry a name of its own: wrap it (allOf of one keeps its type).
				p.Value = &openapi3.Schema{AllOf: openapi3.SchemaRefs{{Ref: p.Ref, Value: p.Value}}, Nullable: p.Value.Nullable}
				p.Ref = ""
			}
			p.Value.Extensions = maps.Clone(p.Value.Extensions)
			if p.Value.Extensions == nil {
				p.Value.Extensions = map[string]any{}
			}
			p.Value.Extensions["x-go-name"] = r.goName
			notes = append(notes, Note{s.where + ".properties." + r.json, "Go field named " + r.goName + " (" + r.why + ")"})
		}
	}
	return notes
}

// fixParameterCollisions does for an operation's parameters what fixPropertyCollisions does for
// properties (oapi-codegen puts query, header and cookie parameters in one Params struct), and
// names the renamed parameter's enum type after its field, which oapi-codegen would also
// declare twice.
func fixParameterCollisions(doc *openapi3.T) []Note {
	var notes []Note
	for _, op := range operations(doc) {
		var fields []field
		byName := map[string]*openapi3.Parameter{}
		for _, p := range op.params() {
			if p.In == openapi3.ParameterInPath {
				continue
			}
			byName[p.Name] = p
			fields = append(fields, field{json: p.Name, goName: goNameOf(p.Name, p.Extensions), deprecated: p.Deprecated,
				pinned: p.Extensions["x-go-name"] != nil})
		}
		slices.SortFunc(fields, func(a, b field) int { return strings.Compare(a.json, b.json) })
		for _, r := range rename(fields) {
			p := byName[r.json]
			if p.Extensions == nil {
				p.Extensions = map[string]any{}
			}
			p.Extensions["x-go-name"] = r.goName
			if s := p.Schema; s != nil && s.Ref == "" && s.Value != nil && len(s.Value.Enum) > 0 {
				if s.Value.Extensions == nil {
					s.Value.Extensions = map[string]any{}
				}
				s.Value.Extensions["x-go-type-name"] = codegen.SchemaNameToTypeName(op.Op.OperationID) + "Params" + r.goName
			}
			notes = append(notes, Note{op.where + ".parameters." + r.json, "Go field named " + r.goName + " (" + r.why + ")"})
		}
	}
	return notes
}

// field is a property or parameter and its Go field name.
type field struct {
	json, goName       string
	deprecated, pinned bool
}

type renamed struct{ json, goName, why string }

// rename resolves the Go names that several fields share. One field keeps the name: one named
// by x-go-name, else one not deprecated, else the first by JSON name. The others get the name
// with "Alias" (deprecated ones: drf-spectacular's way of keeping an old spelling) or a number.
func rename(fields []field) []renamed {
	taken := map[string]bool{}
	groups := map[string][]field{}
	for _, f := range fields {
		taken[f.goName] = true
		groups[f.goName] = append(groups[f.goName], f)
	}
	var out []renamed
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		g := groups[name]
		if len(g) < 2 {
			continue
		}
		slices.SortStableFunc(g, func(a, b field) int {
			switch {
			case a.pinned != b.pinned:
				return boolOrder(a.pinned)
			case a.deprecated != b.deprecated:
				return boolOrder(!a.deprecated)
			}
			return strings.Compare(a.json, b.json)
		})
		for _, f := range g[1:] {
			if f.pinned {
				continue // two pins of one name: the person who wrote them decides
			}
			base, n := name+"Alias", 1
			why := fmt.Sprintf("a deprecated alias of %s, which keeps %s", g[0].json, name)
			if !f.deprecated {
				base, n = name, 2
				why = fmt.Sprintf("%s keeps %s", g[0].json, name)
			}
			candidate := base
			if n > 1 {
				candidate = base + strconv.Itoa(n)
			}
			for taken[candidate] {
				n++
				candidate = base + strconv.Itoa(n)
			}
			taken[candidate] = true
			out = append(out, renamed{json: f.json, goName: candidate, why: why})
		}
	}
	return out
}

func goNameOf(jsonName string, ext map[string]any) string {
	if n, ok := ext["x-go-name"].(string); ok && n != "" {
		return codegen.SchemaNameToTypeName(n)
	}
	return codegen.SchemaNameToTypeName(jsonName)
}

// isBlank reports whether a schema is drf-spectacular's BlankEnum (enum [""]), by shape.
func isBlank(r *openapi3.SchemaRef) bool {
	return r.Value != nil && len(r.Value.Enum) == 1 && r.Value.Enum[0] == ""
}

// isNull reports whether a schema is drf-spectacular's NullEnum (enum [null], or type null in
// OpenAPI 3.1), by shape.
func isNull(r *openapi3.SchemaRef) bool {
	v := r.Value
	return v != nil && ((len(v.Enum) == 1 && v.Enum[0] == nil) || (v.Type != nil && v.Type.Is("null")))
}

// scalarType is the JSON type of an enum's values, from its type or its values.
func scalarType(v *openapi3.Schema) string {
	for _, t := range []string{"string", "integer", "number", "boolean"} {
		if v.Type.Is(t) {
			return t
		}
	}
	kinds := map[string]bool{}
	for _, e := range v.Enum {
		switch x := e.(type) {
		case string:
			kinds["string"] = true
		case bool:
			kinds["boolean"] = true
		case float64:
			if x == float64(int64(x)) {
				kinds["integer"] = true
			} else {
				kinds["number"] = true
			}
		}
	}
	if len(kinds) == 1 {
		for k := range kinds {
			return k
		}
	}
	return ""
}

func refName(r *openapi3.SchemaRef) string {
	if r.Ref != "" {
		return r.Ref[strings.LastIndex(r.Ref, "/")+1:]
	}
	if r.Value != nil && r.Value.Type != nil {
		return "inline " + strings.Join(r.Value.Type.Slice(), "|")
	}
	return "inline"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func boolOrder(first bool) int {
	if first {
		return -1
	}
	return 1
}
