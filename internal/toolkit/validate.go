package toolkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
)

// arguments decodes and validates a tools/call's arguments against a tool's input schema. The
// SDK's own validation (mcp.AddTool) panics on "arguments": null when the schema has defaults
// and words its errors for programmers ("validating root: maximum: 1000/1 is greater than
// 500.000000", Go type names); tools are registered raw and validated here instead.
type arguments struct {
	schema   *jsonschema.Schema
	resolved *jsonschema.Resolved
	names    []string // the schema's properties, sorted, for "this tool takes …"
	patterns map[string]*regexp.Regexp
	// checked: check enforces every keyword the schema uses, so the library's validation could
	// refuse nothing more and decode skips it (with the round trip it needs, it was a fifth of
	// a light call's time in the server).
	checked bool
	// defaults are the optional arguments' defaults, checked and decoded once; decode gives
	// them to calls that leave the argument out (when checked).
	defaults map[string]any
}

func newArguments(s *jsonschema.Schema) (*arguments, error) {
	resolved, err := s.Resolve(nil)
	if err != nil {
		return nil, fmt.Errorf("resolving input schema: %w", err)
	}
	a := &arguments{schema: s, resolved: resolved, patterns: map[string]*regexp.Regexp{}}
	for name := range s.Properties {
		a.names = append(a.names, name)
	}
	slices.Sort(a.names)
	var walk func(*jsonschema.Schema) error
	walk = func(s *jsonschema.Schema) error {
		if s == nil {
			return nil
		}
		if s.Pattern != "" {
			re, err := regexp.Compile(s.Pattern)
			if err != nil {
				return fmt.Errorf("pattern %q: %w", s.Pattern, err)
			}
			a.patterns[s.Pattern] = re
		}
		for _, p := range s.Properties {
			if err := walk(p); err != nil {
				return err
			}
		}
		return walk(s.Items)
	}
	if err := walk(s); err != nil {
		return nil, err
	}
	a.checked = checkedTop(s)
	// A default is given to every call that leaves the argument out, unchecked: it must pass.
	a.defaults = map[string]any{}
	for _, name := range a.names {
		p := s.Properties[name]
		if len(p.Default) == 0 {
			continue
		}
		v, err := decodeValue(p.Default)
		if err == nil {
			v, err = a.checkValue(name, p, v)
		}
		if err != nil {
			return nil, fmt.Errorf("default of %q: %w", name, err)
		}
		if !slices.Contains(s.Required, name) { // a required argument's default is never used
			a.defaults[name] = v
		}
	}
	return a, nil
}

// Keywords check enforces, or that say nothing to validation. A schema using any other is
// validated by the library as well.
var (
	topKeywords      = map[string]bool{"type": true, "properties": true, "required": true, "additionalProperties": true, "description": true, "title": true}
	propertyKeywords = map[string]bool{
		"type": true, "description": true, "title": true, "default": true, "examples": true,
		"enum": true, "minimum": true, "maximum": true, "minLength": true, "maxLength": true, "pattern": true,
		"items": true, "minItems": true, "maxItems": true,
	}
)

// checkedTop reports whether check enforces all of an input schema: an object whose unknown
// properties check refuses anyway, and properties that checkedProperty accepts.
func checkedTop(s *jsonschema.Schema) bool {
	if s.Type != "object" || !onlyKeywords(s, topKeywords) {
		return false
	}
	if s.AdditionalProperties != nil && !isFalse(s.AdditionalProperties) {
		return false
	}
	for _, p := range s.Properties {
		if !checkedProperty(p) {
			return false
		}
	}
	return true
}

// checkedProperty reports whether check enforces all of a property's schema: one type that
// checkValue checks, and keywords it enforces.
func checkedProperty(s *jsonschema.Schema) bool {
	if s == nil || len(s.Types) > 0 || !onlyKeywords(s, propertyKeywords) {
		return false
	}
	switch s.Type {
	case "string", "integer", "number", "boolean":
		return true
	case "array":
		return s.Items == nil || checkedProperty(s.Items)
	}
	return false
}

func onlyKeywords(s *jsonschema.Schema, allowed map[string]bool) bool {
	data, err := json.Marshal(s)
	if err != nil {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	for k := range m {
		if !allowed[k] {
			return false
		}
	}
	return true
}

func isFalse(s *jsonschema.Schema) bool {
	data, err := json.Marshal(s)
	return err == nil && string(data) == "false"
}

// decodeValue decodes JSON with numbers as json.Number, as decode reads arguments.
func decodeValue(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// decode turns raw arguments into a valid input, with the schema's defaults applied and
// enum values spelled as the schema spells them. Absent or null arguments mean {}. Errors are
// *ArgError.
func (a *arguments) decode(raw json.RawMessage) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	if raw[0] != '{' {
		return nil, Invalid("arguments", "must be a JSON object of named arguments, such as {%s}, not %s", a.example(), jsonKind(raw))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, Invalid("arguments", "are not valid JSON; send a JSON object of named arguments")
	}
	if m == nil {
		m = map[string]any{}
	}
	if err := a.check(m); err != nil {
		return nil, err
	}
	if a.checked {
		for name, v := range a.defaults {
			if _, given := m[name]; !given {
				if list, ok := v.([]any); ok {
					v = slices.Clone(list) // each call's own, as checks may rewrite it
				}
				m[name] = v
			}
		}
		return m, nil
	}
	var v any = m
	if err := a.resolved.ApplyDefaults(&v); err != nil {
		return nil, fmt.Errorf("applying defaults: %w", err)
	}
	if err := a.resolved.Validate(v); err != nil {
		// A rule this checker does not know; say it without echoing the value.
		return nil, Invalid("arguments", "do not match the tool's input schema (%s); check each argument against the tool's description", bound(firstLine(err.Error()), 120))
	}
	out, _ := v.(map[string]any)
	return out, nil
}

// check validates an object against the schema's properties, naming the argument at fault.
func (a *arguments) check(m map[string]any) error {
	s := a.schema
	for _, name := range slices.Sorted(maps.Keys(m)) {
		prop, ok := s.Properties[name]
		if !ok {
			if len(a.names) == 0 {
				return Invalid(bound(name, 40), "is not an argument of this tool, which takes none; call it with {}")
			}
			hint := ""
			if near := nearest(name, a.names); near != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", near)
			}
			return Invalid(bound(name, 40), "is not an argument of this tool%s; it takes: %s", hint, strings.Join(a.names, ", "))
		}
		v, err := a.checkValue(name, prop, m[name])
		if err != nil {
			return err
		}
		m[name] = v
	}
	for _, name := range s.Required {
		if _, ok := m[name]; !ok {
			return Invalid(name, "is required: %s", requiredHint(s.Properties[name]))
		}
	}
	return nil
}

// requiredHint says what a required argument holds, from its description.
func requiredHint(p *jsonschema.Schema) string {
	if p == nil || p.Description == "" {
		return "add it to the call"
	}
	return "add it to the call — " + strings.TrimSuffix(bound(p.Description, 160), ".")
}

// checkValue checks one value and returns it as the tool reads it: enum strings spelled as
// the schema spells them (PM2.5 is pm25; CO2 is co2 where the enum says so).
func (a *arguments) checkValue(name string, s *jsonschema.Schema, v any) (any, error) {
	want := s.Type
	if want == "" && len(s.Types) > 0 {
		want = s.Types[0]
	}
	if v == nil {
		if slices.Contains(s.Types, "null") {
			return v, nil
		}
		return nil, Invalid(name, "must not be null; omit it to use the default")
	}
	switch want {
	case "string":
		str, ok := v.(string)
		if !ok {
			return nil, Invalid(name, "must be a string, not %s", kindOf(v))
		}
		return a.checkString(name, s, str)
	case "integer", "number":
		n, ok := v.(json.Number)
		if !ok {
			return nil, Invalid(name, "must be a number, not %s", kindOf(v))
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, Invalid(name, "%s is not a usable number; give a plain decimal number", bound(n.String(), 30))
		}
		if want == "integer" && (f != math.Trunc(f) || math.Abs(f) > 1<<53) {
			return nil, Invalid(name, "must be a whole number, not %s", bound(n.String(), 30))
		}
		if s.Minimum != nil && f < *s.Minimum {
			return nil, Invalid(name, "%s is below the minimum %s%s", bound(n.String(), 30), fmtNum(*s.Minimum), rangeHint(s))
		}
		if s.Maximum != nil && f > *s.Maximum {
			return nil, Invalid(name, "%s is above the maximum %s%s", bound(n.String(), 30), fmtNum(*s.Maximum), rangeHint(s))
		}
		if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { ef, ok := e.(float64); return ok && ef == f }) {
			return nil, Invalid(name, "%s is not one of %s", bound(n.String(), 30), enumText(s.Enum))
		}
		return f, nil // as the library and the tool's input read it
	case "boolean":
		if _, ok := v.(bool); !ok {
			return nil, Invalid(name, "must be true or false, not %s", kindOf(v))
		}
	case "array":
		items, ok := v.([]any)
		if !ok {
			return nil, Invalid(name, "must be an array (a JSON list such as [%s]), not %s", exampleItem(s.Items), kindOf(v))
		}
		if s.MinItems != nil && len(items) < *s.MinItems {
			return nil, Invalid(name, "has %d items; it needs %s", len(items), countText2(s))
		}
		if s.MaxItems != nil && len(items) > *s.MaxItems {
			return nil, Invalid(name, "has %d items; it takes %s", len(items), countText2(s))
		}
		if s.Items != nil {
			out := make([]any, len(items))
			for i, it := range items {
				c, err := a.checkValue(fmt.Sprintf("%s[%d]", name, i), s.Items, it)
				if err != nil {
					return nil, err
				}
				out[i] = c
			}
			return out, nil
		}
	case "object":
		if _, ok := v.(map[string]any); !ok {
			return nil, Invalid(name, "must be a JSON object, not %s", kindOf(v))
		}
	}
	if p, ok := plain(v); ok {
		return p, nil
	}
	return nil, Invalid(name, "holds a number that is not usable; give plain decimal numbers")
}

// plain returns v with its json.Numbers as float64, as the library and the tool's input read
// them; false if one is out of range.
func plain(v any) (any, bool) {
	ok := true
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil && !math.IsInf(f, 0)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			if out[i], ok = plain(e); !ok {
				return nil, false
			}
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if out[k], ok = plain(e); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return v, ok
}

func (a *arguments) checkString(name string, s *jsonschema.Schema, str string) (any, error) {
	if s.MaxLength != nil && utf8.RuneCountInString(str) > *s.MaxLength {
		return nil, Invalid(name, "is %d characters long; at most %d are accepted", utf8.RuneCountInString(str), *s.MaxLength)
	}
	if s.MinLength != nil && utf8.RuneCountInString(str) < *s.MinLength {
		return nil, Invalid(name, "must be at least %d characters long", *s.MinLength)
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, any(str)) {
		values := make([]string, 0, len(s.Enum))
		for _, e := range s.Enum {
			if es, ok := e.(string); ok {
				values = append(values, es)
			}
		}
		if c, ok := Canonical(str, values); ok {
			return c, nil
		}
		hint := ""
		if near := nearest(str, values); near != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", near)
		}
		return nil, Invalid(name, "%q is not one of %s%s", bound(str, 40), enumText(s.Enum), hint)
	}
	if re := a.patterns[s.Pattern]; re != nil && !re.MatchString(str) {
		return nil, Invalid(name, "%q does not have the expected form%s", bound(str, 40), patternHint(name, s))
	}
	return str, nil
}

// Canonical finds the one value of values that s names in another spelling: any case, with
// or without dots and spaces (PM2.5 and pm 2.5 are pm25).
func Canonical(s string, values []string) (string, bool) {
	key := nameKey(s)
	found, n := "", 0
	for _, v := range values {
		if nameKey(v) == key {
			found, n = v, n+1
		}
	}
	return found, n == 1
}

func nameKey(s string) string {
	return strings.NewReplacer(".", "", " ", "", "₂", "2", "₃", "3").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// patternHint says in words what a pattern asks for, where the schema's description does not.
func patternHint(name string, s *jsonschema.Schema) string {
	if s.Pattern == countryPattern {
		return "; use an ISO 3166-1 country code, alpha-3 like GBR or alpha-2 like GB"
	}
	return "; it must match " + bound(s.Pattern, 60)
}

func rangeHint(s *jsonschema.Schema) string {
	if s.Minimum != nil && s.Maximum != nil {
		return fmt.Sprintf(" (accepted: %s to %s)", fmtNum(*s.Minimum), fmtNum(*s.Maximum))
	}
	return ""
}

func countText2(s *jsonschema.Schema) string {
	switch {
	case s.MinItems != nil && s.MaxItems != nil && *s.MinItems == *s.MaxItems:
		return fmt.Sprintf("exactly %d", *s.MinItems)
	case s.MinItems != nil && s.MaxItems != nil:
		return fmt.Sprintf("%d to %d", *s.MinItems, *s.MaxItems)
	case s.MaxItems != nil:
		return fmt.Sprintf("at most %d", *s.MaxItems)
	}
	return fmt.Sprintf("at least %d", *s.MinItems)
}

func (a *arguments) example() string {
	for _, name := range a.names {
		return fmt.Sprintf("%q: …", name)
	}
	return ""
}

func exampleItem(s *jsonschema.Schema) string {
	if s != nil && (s.Type == "number" || s.Type == "integer") {
		return "1, 2"
	}
	return `"a", "b"`
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func enumText(values []any) string {
	parts := make([]string, 0, len(values))
	for _, v := range values {
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, ", ")
}

// kindOf names a decoded JSON value's kind for a model.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case nil:
		return "null"
	}
	return "another kind of value"
}

func jsonKind(raw []byte) string {
	switch raw[0] {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number or other value"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// bound shortens model-supplied text that is echoed in an error.
func bound(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// nearest returns the candidate closest to s (case-insensitive edit distance at most a
// third of its length), or "".
func nearest(s string, candidates []string) string {
	best, bestD := "", math.MaxInt
	ls := strings.ToLower(bound(s, 64))
	for _, c := range candidates {
		d := editDistance(ls, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD == 0 || bestD > max(1, len(best)/3) {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// unmarshalInput decodes validated arguments into a tool's input type. The schema was derived
// from that type, so a failure means the two disagree (a number too large for its Go type,
// say); the error names the argument, never the Go type.
func unmarshalInput[In any](data []byte) (In, error) {
	var in In
	if err := json.Unmarshal(data, &in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return in, Invalid(te.Field, "is out of range or of the wrong kind")
		}
		return in, Invalid("arguments", "could not be read; check each argument's type against the tool's schema")
	}
	return in, nil
}

// Nearest returns the candidate closest to s in spelling (case-insensitive, at most a third
// of its letters apart), or "": what a "did you mean" names.
func Nearest(s string, candidates []string) string { return nearest(s, candidates) }
