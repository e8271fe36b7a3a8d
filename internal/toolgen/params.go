package toolgen

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/janaplatform/jana-mcp/internal/spec"
)

// conversion turns an argument's value into the value of one generated-client parameter (or of
// one item of a list parameter). The table in api/README.md ("Types") says the same in words.
type conversion struct {
	in       string // Go type of the argument (of an item, for a list)
	expr     string // Go expression of the client's value: %[1]s is the argument's value, %[2]q its name
	fallible bool   // expr returns (value, error)
	format   string // JSON-schema format shown to the model, if any
}

// convert finds the conversion for a generated-client type (no pointer, no list).
func convert(elem string, api *goAPI) (conversion, bool) {
	switch elem {
	case "string":
		return conversion{in: "string", expr: "%[1]s"}, true
	case "int", "int32", "int64", "float32", "float64", "bool":
		return conversion{in: elem, expr: "%[1]s"}, true
	case "openapi_types.Email":
		return conversion{in: "string", expr: "openapi_types.Email(%[1]s)", format: "email"}, true
	case "openapi_types.UUID":
		return conversion{in: "string", expr: "toolkit.ParseUUID(%[2]q, %[1]s)", fallible: true, format: "uuid"}, true
	case "openapi_types.Date":
		return conversion{in: "string", expr: "toolkit.DateOf(%[2]q, %[1]s)", fallible: true}, true
	case "time.Time":
		return conversion{in: "string", expr: "toolkit.DateTimeOf(%[2]q, %[1]s)", fallible: true}, true
	case "interface{}":
		// A JSONField: any JSON value, sent as its JSON text.
		return conversion{in: "any", expr: "toolkit.JSONText(%[1]s)"}, true
	case "map[string]interface{}":
		return conversion{in: "map[string]any", expr: "%[1]s"}, true
	}
	switch {
	case api.strEnum[elem]:
		return conversion{in: "string", expr: "janaapi." + elem + "(%[1]s)"}, true
	case api.intEnum[elem]:
		return conversion{in: "int", expr: "janaapi." + elem + "(%[1]s)"}, true
	case api.structs[elem] != nil:
		// A nested object, passed as JSON: the argument has the object's fields.
		return conversion{in: "janaapi." + elem, expr: "%[1]s"}, true
	}
	return conversion{}, false
}

// makeArg decides the input field for one exposed parameter and the statements setting dst,
// the client's value (params.Field, or a local variable for a path parameter), from it.
func makeArg(pname string, p Param, sp *openapi3.Parameter, dst, apiType string, api *goAPI) (arg, error) {
	name := p.As
	if name == "" {
		name = pname
	}
	a := arg{Name: name, Field: goName(name), Param: pname, Dst: dst}
	ptr, list, elem := api.shape(apiType)
	c, ok := convert(elem, api)
	if !ok {
		return a, fmt.Errorf("its Go type %s is not supported by the generator", apiType)
	}
	if s := sp.Schema; s != nil && s.Value != nil && s.Value.Extensions[spec.JSONText] != nil && elem == "string" {
		c = conversion{in: "any", expr: "toolkit.JSONText(%[1]s)"} // internal/spec fixAnyParameters
	}
	identity := c.expr == "%[1]s"
	// An argument is required when the model must give it: a path parameter, one the manifest
	// requires, or one the operation requires without a default to send instead.
	defaulted := p.Default != nil
	required := sp.In == openapi3.ParameterInPath || p.Required || (sp.Required && !defaulted)
	src := "in." + a.Field
	conv := func(v string) string { return fmt.Sprintf(c.expr, v, name) }
	// set is the statements setting dst from a value of the item type.
	set := func(value string) string {
		switch {
		case c.fallible && ptr:
			return fmt.Sprintf("v, err := %s\nif err != nil {\nreturn nil, err\n}\n%s = &v", value, dst)
		case c.fallible:
			return fmt.Sprintf("if %s, err = %s; err != nil {\nreturn nil, err\n}", dst, value)
		case ptr:
			return fmt.Sprintf("v := %s\n%s = &v", value, dst)
		}
		return dst + " = " + value
	}
	block := func(stmts string) string { // a scope for the v it declares
		if strings.Contains(stmts, "v :=") || strings.Contains(stmts, "v, err :=") {
			return "{\n" + stmts + "\n}"
		}
		return stmts
	}

	switch {
	case list && elem == "string" && countryAlpha(pname, sp) != 0:
		// Every tool takes alpha-2 or alpha-3 codes, converted to the form the backend takes.
		a.Type = "[]string"
		amp := ""
		if ptr {
			amp = "&"
		}
		a.Convert = fmt.Sprintf("v, err := toolkit.CountryCodes(%q, %s, %d)\nif err != nil {\nreturn nil, err\n}\n%s = %sv",
			name, src, countryAlpha(pname, sp), dst, amp)
		if !required {
			a.Convert = fmt.Sprintf("if len(%s) > 0 {\n%s\n}", src, a.Convert)
		} else {
			a.Convert = block(a.Convert)
		}
	case list:
		a.Type = "[]" + c.in
		value := src
		var b strings.Builder
		if !identity {
			value = "v"
			item := "v[i] = " + conv("s")
			if c.fallible {
				item = fmt.Sprintf("if v[i], err = %s; err != nil {\nreturn nil, err\n}", conv("s"))
			}
			fmt.Fprintf(&b, "v := make([]%s, len(%s))\nfor i, s := range %s {\n%s\n}\n", qualify(elem), src, src, item)
		}
		if ptr {
			b.WriteString(dst + " = &" + value)
		} else {
			b.WriteString(dst + " = " + value)
		}
		a.Convert = b.String()
		if !required {
			a.Convert = fmt.Sprintf("if len(%s) > 0 {\n%s\n}", src, a.Convert)
		} else {
			a.Convert = block(a.Convert)
		}
	case required:
		a.Type = c.in
		switch {
		case identity && ptr:
			a.Convert = dst + " = &" + src
		case identity:
			a.Convert = dst + " = " + src
		default:
			a.Convert = block(set(conv(src)))
		}
	default:
		// Optional. A string argument left empty is not sent; numbers and booleans are
		// pointers, so that 0 and false can be sent. When the operation requires the
		// parameter, the manifest's default is sent in its place.
		a.Type, a.Convert = c.in, ""
		value, test := src, src+` != ""`
		switch c.in {
		case "string":
		case "any", "map[string]any":
			test = src + " != nil"
		default:
			a.Type = "*" + c.in
			value, test = "*"+src, src+" != nil"
		}
		switch {
		case identity && ptr && a.Type[0] == '*':
			a.Convert = dst + " = " + src
		case identity && ptr:
			a.Convert = fmt.Sprintf("if %s {\n%s = &%s\n}", test, dst, src)
		default:
			a.Convert = fmt.Sprintf("if %s {\n%s\n}", test, set(conv(value)))
		}
		if sp.Required && defaulted {
			lit, err := literal(p.Default, elem, c, name)
			if err != nil {
				return a, fmt.Errorf("default: %w", err)
			}
			if a.Convert == dst+" = "+src {
				a.Convert = fmt.Sprintf("if %s {\n%s\n}", test, a.Convert)
			}
			a.Convert += " else {\n" + fixedStmt(dst, ptr, lit) + "\n}"
		}
	}
	a.OmitEmpty = !required
	a.limits = limitsOf(p, sp)
	a.SchemaLines = schemaLines(a, p, sp, required, c)
	return a, nil
}

// literal is the Go statement block computing v, the client's value of a fixed manifest value
// (a hidden parameter's value, or the default sent for a required one).
func literal(v any, elem string, c conversion, arg string) (string, error) {
	var lit string
	switch c.in {
	case "string":
		lit = strconv.Quote(fmt.Sprint(v))
	case "int", "int32", "int64":
		n, ok := v.(int)
		if !ok {
			return "", fmt.Errorf("%v is not an integer", v)
		}
		lit = fmt.Sprintf("%s(%d)", c.in, n)
	case "float32", "float64":
		switch n := v.(type) {
		case int:
			lit = fmt.Sprintf("%s(%d)", c.in, n)
		case float64:
			lit = fmt.Sprintf("%s(%s)", c.in, strconv.FormatFloat(n, 'g', -1, 64))
		default:
			return "", fmt.Errorf("%v is not a number", v)
		}
	case "bool":
		b, ok := v.(bool)
		if !ok {
			return "", fmt.Errorf("%v is not a boolean", v)
		}
		lit = strconv.FormatBool(b)
	case "any":
		data, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		lit = "json.RawMessage(" + strconv.Quote(string(data)) + ")"
	default:
		return "", fmt.Errorf("fixed values of Go type %s are not supported", elem)
	}
	expr := fmt.Sprintf(c.expr, lit, arg)
	if c.fallible {
		return fmt.Sprintf("v, err := %s\nif err != nil {\nreturn nil, err\n}", expr), nil
	}
	return "v := " + expr, nil
}

// fixedStmt sets dst from the v that a literal block computes.
func fixedStmt(dst string, ptr bool, block string) string {
	if expr, ok := strings.CutPrefix(block, "v := "); ok {
		if ptr {
			return dst + " = new(" + expr + ")"
		}
		return dst + " = " + expr
	}
	value := "v"
	if ptr {
		value = "&v"
	}
	return "{\n" + block + "\n" + dst + " = " + value + "\n}"
}

// fixedValue is the statement sending a hidden parameter's fixed value.
func fixedValue(apiField, apiType string, v any, api *goAPI) (string, error) {
	ptr, list, elem := api.shape(apiType)
	c, ok := convert(elem, api)
	if !ok {
		return "", fmt.Errorf("fixed values of Go type %s are not supported", apiType)
	}
	dst := "params." + apiField
	if !list {
		block, err := literal(v, elem, c, apiField)
		if err != nil {
			return "", fmt.Errorf("value %w", err)
		}
		return fixedStmt(dst, ptr, block), nil
	}
	values, ok := v.([]any)
	if !ok {
		return "", fmt.Errorf("value %v is not a list", v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "{\nvar list []%s\n", qualify(elem))
	for _, item := range values {
		block, err := literal(item, elem, c, apiField)
		if err != nil {
			return "", fmt.Errorf("value %w", err)
		}
		fmt.Fprintf(&b, "{\n%s\nlist = append(list, v)\n}\n", block)
	}
	if ptr {
		fmt.Fprintf(&b, "%s = &list\n}", dst)
	} else {
		fmt.Fprintf(&b, "%s = list\n}", dst)
	}
	return b.String(), nil
}

// limits are an argument's range and enum (of its items, for a list): the manifest's, else
// the schema's.
type limits struct {
	minimum, maximum *float64
	enum             []string
}

func limitsOf(mp Param, sp *openapi3.Parameter) limits {
	item := itemSchema(sp)
	l := limits{minimum: mp.Minimum, maximum: mp.Maximum, enum: mp.Enum}
	if l.minimum == nil && item != nil && item.Min != nil {
		l.minimum = item.Min
	}
	if l.maximum == nil && item != nil && item.Max != nil {
		l.maximum = item.Max
	}
	if l.enum == nil && item != nil {
		for _, v := range item.Enum {
			if v != nil && v != "" {
				l.enum = append(l.enum, fmt.Sprint(v))
			}
		}
	}
	return l
}

// itemSchema is a parameter's schema, or its items' for a list.
func itemSchema(sp *openapi3.Parameter) *openapi3.Schema {
	if sp.Schema == nil || sp.Schema.Value == nil {
		return nil
	}
	s := sp.Schema.Value
	if s.Type.Is("array") && s.Items != nil {
		return s.Items.Value
	}
	return s
}

// schemaLines adds to the derived input schema what the Go type cannot say.
func schemaLines(a arg, mp Param, sp *openapi3.Parameter, required bool, c conversion) []string {
	var lines []string
	target := fmt.Sprintf("p[%q]", a.Name)
	var s *openapi3.Schema
	if sp.Schema != nil {
		s = sp.Schema.Value
	}
	l := a.limits
	desc := mp.Description
	if desc == "" {
		desc = sp.Description
	}
	if desc == "" && s != nil {
		desc = s.Description
	}
	item := itemSchema(sp)
	if item != nil && (item.Format == "date" || item.Format == "date-time") && !strings.Contains(desc, "ISO 8601") {
		desc = strings.TrimSpace(desc + " ISO 8601 date (2025-01-31) or date-time (2025-01-31T06:00:00Z).")
	}
	if c.in == "any" && desc == "" {
		desc = "Any JSON value."
	}
	if desc != "" {
		lines = append(lines, fmt.Sprintf("%s.Description = %s", target, strconv.Quote(desc)))
	}
	elem := target
	if strings.HasPrefix(a.Type, "[]") {
		elem = target + ".Items"
	}
	if format := c.format; format != "" || (item != nil && c.in == "string" && item.Format != "" && !noFormatHint[item.Format]) {
		if format == "" {
			format = item.Format
		}
		lines = append(lines, fmt.Sprintf("%s.Format = %q", elem, format))
	}
	if item != nil && c.in == "string" && item.Pattern != "" && len(mp.Enum) == 0 {
		if _, err := regexp.Compile(item.Pattern); err == nil {
			lines = append(lines, fmt.Sprintf("%s.Pattern = %s", elem, strconv.Quote(item.Pattern)))
		}
	}
	if l.minimum != nil {
		lines = append(lines, fmt.Sprintf("%s.Minimum = new(%s)", elem, floatLit(*l.minimum)))
	}
	if l.maximum != nil {
		lines = append(lines, fmt.Sprintf("%s.Maximum = new(%s)", elem, floatLit(*l.maximum)))
	}
	if enum := l.enum; len(enum) > 0 && (c.in == "string" || strings.HasSuffix(a.Type, "string")) {
		quoted := make([]string, len(enum))
		for i, v := range enum {
			quoted[i] = strconv.Quote(v)
		}
		lines = append(lines, fmt.Sprintf("toolkit.Enum(%s, %s)", target, strings.Join(quoted, ", ")))
	}
	if mp.Default != nil && !required {
		data, _ := json.Marshal(mp.Default)
		lines = append(lines, fmt.Sprintf("%s.Default = json.RawMessage(%s)", target, strconv.Quote(string(data))))
	}
	return lines
}

// noFormatHint are formats not passed to the model: dates are described in words (both forms
// are accepted), binary is no argument.
var noFormatHint = map[string]bool{"date": true, "date-time": true, "binary": true, "byte": true}

func floatLit(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// countryAlpha is 2 or 3 when a parameter takes ISO 3166-1 country codes of that length (by
// its name, or the length of its items), 0 otherwise.
func countryAlpha(pname string, sp *openapi3.Parameter) int {
	if !strings.Contains(pname, "country") {
		return 0
	}
	switch {
	case strings.Contains(pname, "iso2"):
		return 2
	case strings.Contains(pname, "iso3"):
		return 3
	}
	if s := sp.Schema; s != nil && s.Value != nil && s.Value.Items != nil && s.Value.Items.Value != nil {
		if m := s.Value.Items.Value.MaxLength; m != nil && (*m == 2 || *m == 3) {
			return int(*m)
		}
	}
	return 0
}
