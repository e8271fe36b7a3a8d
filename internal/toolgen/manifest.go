// Package toolgen turns the tool manifest (api/tools.yaml) into typed Go bindings (gen/mcptools)
// that call the generated Jana client. It checks every entry against the OpenAPI schema and
// the generated client, so that an entry naming an operation, parameter or field that does not
// exist fails generation with a message naming the entry and what is missing; what it writes
// is plain typed Go, so any later mismatch is a compile error, never a run-time surprise.
package toolgen

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/janaplatform/jana-mcp/internal/spec"
)

// Manifest is api/tools.yaml.
type Manifest struct {
	Tools []Entry `yaml:"tools"`
	// Curated says, for each hand-written tool, what it sends to and reads from each operation
	// it calls (used by `make drift`; a test checks it against what the tool really does).
	Curated map[string]map[string]Usage `yaml:"curated"`
	// Adapter names the operation of each role the adapter (internal/jana) calls for itself:
	// login, refresh, user, logout, device_code, device_token, health, schema. A role left out
	// is absent: gen/janaops then answers ErrAbsent for it.
	Adapter map[string]string `yaml:"adapter"`
	// Examples are the hand-written tools' example calls, by tool (a generated tool's are in
	// its entry). The generator cannot see those tools' input schemas, so a test in
	// internal/tools checks these against them.
	Examples map[string][]Example `yaml:"examples"`
}

// Usage is what a tool sends to and reads from one operation.
type Usage struct {
	// Sends are the parameters sent, as "name", or "name=v1|v2" when only those values are.
	Sends []string `yaml:"sends"`
	// Reads are the answer's fields read, as paths: count, results[].name, [].value (an
	// answer that is a list), data.totals (an object read whole).
	Reads []string `yaml:"reads"`
}

// Entry is one generated tool.
type Entry struct {
	Name        string           `yaml:"name"`
	Operation   string           `yaml:"operation"`
	Title       string           `yaml:"title"`
	Description string           `yaml:"description"`
	Source      string           `yaml:"source"`
	Params      map[string]Param `yaml:"params"`
	// ParamOrder keeps the manifest's order of params (yaml maps are unordered in Go).
	ParamOrder []string `yaml:"-"`
	Paging     bool     `yaml:"paging"`
	Result     Result   `yaml:"result"`
	// Examples are example calls, checked against the tool's input schema; the end-to-end
	// tests make each one (gen/calls.gen.json).
	Examples []Example `yaml:"examples"`
}

// Param says how one operation parameter appears to the model.
type Param struct {
	As          string   `yaml:"as"`
	Description string   `yaml:"description"`
	Default     any      `yaml:"default"`
	Minimum     *float64 `yaml:"minimum"`
	Maximum     *float64 `yaml:"maximum"`
	Enum        []string `yaml:"enum"`
	Required    bool     `yaml:"required"`
	// Value, when set, is always sent and the parameter is hidden from the model.
	Value any `yaml:"value"`
	// Check names the row field that must hold one of the values sent: rows Jana returns
	// outside the filter (it has been seen to ignore one) are left out, and the answer says so.
	Check string `yaml:"check"`
}

// Result says how the answer is shaped.
type Result struct {
	// Rows is where the rows are: "results" (a paginated list), "." (a top-level array), or a
	// property of an object answer holding an array. Empty: the answer is one object.
	Rows string `yaml:"rows"`
	// Fields are the row fields kept, in order (default: every scalar field).
	Fields []string `yaml:"fields"`
	// Summary are top-level scalar fields of an object answer shown besides the rows
	// (default: every scalar field when there are no rows).
	Summary []string `yaml:"summary"`
	// Key names the rows in the structured content (default "items").
	Key string `yaml:"key"`
	// Flatten lists object fields (of rows or summary) shown as one column per scalar field
	// inside them (location.lat, location.lon) instead of as one JSON value. A dotted name in
	// fields or summary picks one such field.
	Flatten []string `yaml:"flatten"`
}

var nameRule = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Sources are the manifest's source values, which toolkit.SourceNamed attributes.
var Sources = []string{"openaq", "climatetrace", "edgar", "gcp", "gleif", "noaa", "all"}

// MaxNameLen matches toolkit.MaxNameLen: server name + tool name must stay within what
// Cursor shows (~60 characters).
const MaxNameLen = 40

// LoadManifest reads and checks the manifest's own rules (names, sources, required keys).
func LoadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseManifest is LoadManifest for the manifest's bytes.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	// Recover the order of params, which the Go map loses.
	var raw struct {
		Tools []struct {
			Params yaml.Node `yaml:"params"`
		} `yaml:"tools"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	for i := range m.Tools {
		m.Tools[i].ParamOrder = keys(&raw.Tools[i].Params)
	}

	seen := map[string]string{}
	for name, ops := range m.Curated {
		seen[name] = "curated"
		for op, u := range ops {
			if err := checkUsage(u); err != nil {
				return nil, fmt.Errorf("curated tool %q, operation %q: %w", name, op, err)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Examples)) {
		if _, ok := m.Curated[name]; !ok {
			return nil, fmt.Errorf("examples: %q is not a curated tool (a generated tool's examples go in its entry under tools)", name)
		}
		for i, ex := range m.Examples[name] {
			if err := checkExampleForm(i, ex); err != nil {
				return nil, fmt.Errorf("examples of curated tool %q: %w", name, err)
			}
		}
	}
	roles := map[string]bool{}
	for _, r := range adapterRoles() {
		roles[r.Key] = true
	}
	for key := range m.Adapter {
		if !roles[key] {
			return nil, fmt.Errorf("adapter: %q is not a role (roles: login, refresh, user, logout, device_code, device_token, health, schema)", key)
		}
	}
	for _, e := range m.Tools {
		where := fmt.Sprintf("tool %q", e.Name)
		switch {
		case !nameRule.MatchString(e.Name):
			return nil, fmt.Errorf("%s: name must be snake_case (a-z, 0-9, _)", where)
		case len(e.Name) > MaxNameLen:
			return nil, fmt.Errorf("%s: name is %d characters, at most %d are allowed", where, len(e.Name), MaxNameLen)
		case seen[e.Name] != "":
			return nil, fmt.Errorf("%s: name is already used by a %s tool", where, seen[e.Name])
		case e.Operation == "":
			return nil, fmt.Errorf("%s: operation is required", where)
		case e.Title == "" || e.Description == "":
			return nil, fmt.Errorf("%s: title and description are required (they are what the model reads)", where)
		case e.Source != "" && !slices.Contains(Sources, e.Source):
			return nil, fmt.Errorf("%s: source %q is not one of %s", where, e.Source, strings.Join(Sources, ", "))
		}
		seen[e.Name] = "generated"
		args := map[string]string{}
		for _, p := range e.ParamOrder {
			spec := e.Params[p]
			arg := spec.As
			if arg == "" {
				arg = p
			}
			if spec.Value != nil {
				continue
			}
			if other, dup := args[arg]; dup {
				return nil, fmt.Errorf("%s: parameters %q and %q are both exposed as %q", where, other, p, arg)
			}
			if arg == "cursor" || (e.Paging && arg == "limit" && !isPageSize(p)) {
				return nil, fmt.Errorf("%s: argument name %q is reserved for paging", where, arg)
			}
			args[arg] = p
		}
	}
	return &m, nil
}

// checkUsage checks the form of a curated tool's declaration.
func checkUsage(u Usage) error {
	for _, s := range u.Sends {
		name, values, _ := strings.Cut(s, "=")
		if name == "" || strings.ContainsAny(name, " |") || (strings.Contains(s, "=") && values == "") {
			return fmt.Errorf("sends %q: write a parameter name, or name=value|value", s)
		}
	}
	for _, r := range u.Reads {
		if _, err := spec.ParsePath(r); err != nil {
			return fmt.Errorf("reads %q: %w", r, err)
		}
	}
	return nil
}

// keys returns the keys of a YAML mapping in order, as the decoder sees them: through aliases
// (params: *other) and merge keys (<<: *other), whose keys come where the merge is written
// unless the mapping sets them itself.
func keys(n *yaml.Node) []string {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	own := map[string]bool{}
	for j := 0; j+1 < len(n.Content); j += 2 {
		if k := n.Content[j]; k.Tag != "!!merge" {
			own[k.Value] = true
		}
	}
	var out []string
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], n.Content[j+1]
		if k.Tag != "!!merge" {
			out = append(out, k.Value)
			continue
		}
		merged := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			merged = v.Content
		}
		for _, mn := range merged {
			for _, name := range keys(mn) {
				if !own[name] {
					out = append(out, name)
				}
			}
		}
	}
	seen := map[string]bool{}
	return slices.DeleteFunc(out, func(k string) bool {
		dup := seen[k]
		seen[k] = true
		return dup
	})
}

// isPageSize reports whether an operation parameter is the page-size parameter of a pagination style.
func isPageSize(param string) bool { return param == "page_size" || param == "limit" }
