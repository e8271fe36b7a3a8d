package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/janaplatform/jana-mcp/api"
)

// apiSpec is what the sandbox derives from api/openapi.yaml at start-up, so that the request
// path never parses the schema: per-operation parameter rules and the served schema bytes.
type apiSpec struct {
	ops      map[string]*opSpec // by operationId
	routes   []routeTemplate    // every path, for APPEND_SLASH
	yaml     []byte             // served schema, YAML
	json     []byte             // served schema, JSON
	renames  map[string]string  // served name -> name in the committed schema
	original map[string]string  // committed name -> served name
}

// opSpec describes one operation.
type opSpec struct {
	ID     string
	Method string
	Path   string // OpenAPI path, e.g. /api/v1/esg/data/
	Public bool   // security allows anonymous access
	// PathParams are the path parameters whose form Django's URL converters check: a value
	// that is not an integer (<int:pk>) or a UUID (<uuid:pk>) does not route, it is a 404.
	PathParams []pathParam
	params     map[string]*paramSpec
	allowed    []string // served query parameter names, sorted
}

// paramSpec holds the schema constraints of one query parameter.
type paramSpec struct {
	Name      string // as served (after renames)
	Canonical string // as in api/openapi.yaml; the generated wrapper binds this name
	Type      string
	Format    string
	Enum      []string
	Min, Max  *float64
	MinLen    *int
	MaxLen    *int
	MinItems  *int
	MaxItems  *int
	Explode   bool
	Required  bool
	Items     *paramSpec
	// Bound is "from" or "to" for a date parameter that also takes an ISO 8601 date-time
	// (see dateTimeBound), else "".
	Bound string
}

// pathParam is a path parameter and the converter its route uses: "int", "uuid" or "str".
type pathParam struct{ Name, Converter string }

type routeTemplate []string // path segments; "{id}" matches any segment

// YAML shapes of the parts of the schema the sandbox reads.
type yDoc struct {
	Paths map[string]map[string]yOp `yaml:"paths"`
}

type yOp struct {
	OperationID string                `yaml:"operationId"`
	Parameters  []yParam              `yaml:"parameters"`
	Security    []map[string][]string `yaml:"security"`
}

type yParam struct {
	In       string  `yaml:"in"`
	Name     string  `yaml:"name"`
	Schema   ySchema `yaml:"schema"`
	Explode  *bool   `yaml:"explode"`
	Style    string  `yaml:"style"`
	Required bool    `yaml:"required"`
}

type ySchema struct {
	Type      string   `yaml:"type"`
	Format    string   `yaml:"format"`
	Enum      []string `yaml:"enum"`
	Minimum   *float64 `yaml:"minimum"`
	Maximum   *float64 `yaml:"maximum"`
	MinLength *int     `yaml:"minLength"`
	MaxLength *int     `yaml:"maxLength"`
	MinItems  *int     `yaml:"minItems"`
	MaxItems  *int     `yaml:"maxItems"`
	Items     *ySchema `yaml:"items"`
}

var paramNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// loadSpec parses the committed schema, applies parameter renames and precomputes everything
// the request path needs.
func loadSpec(renames map[string]string, privateSchema bool) (*apiSpec, error) {
	raw := api.OpenAPIYAML()
	var doc yDoc
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse api/openapi.yaml: %w", err)
	}
	s := &apiSpec{ops: map[string]*opSpec{}, renames: map[string]string{}, original: map[string]string{}}
	for old, nu := range renames {
		if !paramNameRE.MatchString(old) || !paramNameRE.MatchString(nu) || old == nu {
			return nil, fmt.Errorf("rename_params: invalid rename %q -> %q", old, nu)
		}
		s.renames[nu] = old
		s.original[old] = nu
	}
	used := map[string]bool{}
	for path, item := range doc.Paths {
		s.routes = append(s.routes, strings.Split(strings.Trim(path, "/"), "/"))
		for method, op := range item {
			o := &opSpec{ID: op.OperationID, Method: strings.ToUpper(method), Path: path, params: map[string]*paramSpec{}}
			for _, sec := range op.Security {
				if len(sec) == 0 {
					o.Public = true
				}
			}
			if o.ID == "schema_retrieve" && privateSchema {
				o.Public = false
			}
			for _, p := range op.Parameters {
				if p.In == "path" {
					conv := "str"
					switch {
					case p.Schema.Type == "integer":
						conv = "int"
					case p.Schema.Format == "uuid":
						conv = "uuid"
					}
					o.PathParams = append(o.PathParams, pathParam{Name: p.Name, Converter: conv})
					continue
				}
				if p.In != "query" {
					continue
				}
				ps := newParamSpec(p.Name, p.Schema)
				ps.Explode = p.Explode == nil || *p.Explode
				ps.Required = p.Required
				if nu, ok := s.original[p.Name]; ok {
					ps.Name = nu
					used[p.Name] = true
				}
				if _, clash := o.params[ps.Name]; clash {
					return nil, fmt.Errorf("rename_params: %q clashes with an existing parameter of %s", ps.Name, o.ID)
				}
				o.params[ps.Name] = ps
			}
			for name := range o.params {
				o.allowed = append(o.allowed, name)
			}
			slices.Sort(o.allowed)
			s.ops[o.ID] = o
		}
	}
	for old, nu := range s.original {
		if !used[old] {
			return nil, fmt.Errorf("rename_params: no operation has a query parameter %q (to rename to %q)", old, nu)
		}
	}
	if err := s.renderSchema(raw); err != nil {
		return nil, err
	}
	return s, nil
}

func newParamSpec(name string, y ySchema) *paramSpec {
	p := &paramSpec{Name: name, Canonical: name, Type: y.Type, Format: y.Format, Enum: y.Enum,
		Min: y.Minimum, Max: y.Maximum, MinLen: y.MinLength, MaxLen: y.MaxLength,
		MinItems: y.MinItems, MaxItems: y.MaxItems}
	if y.Items != nil {
		p.Items = newParamSpec(name, *y.Items)
	}
	if y.Format == "date" {
		p.Bound = dateTimeBound[name]
	}
	return p
}

// dateTimeBound names the date parameters that also take an ISO 8601 date-time: the backend's
// own date_from/date_to filters on Climate TRACE emissions (emissions/, assets/{id}/emissions/,
// the three totals) and on the unified sectors/. They compare the rows' start_time, a datetime;
// jana-eko-client sends a Python datetime there as .isoformat() ("2024-01-01T00:00:00",
// user_client.py get_climatetrace_emissions*, get_sectors). start_date/end_date (#170) and
// EDGAR's years stay dates: their clients send YYYY-MM-DD.
var dateTimeBound = map[string]string{"date_from": "from", "date_to": "to"}

// renderSchema prepares the served YAML and JSON. Without renames the YAML is the committed
// file byte for byte; with renames every matching query parameter is renamed in place.
func (s *apiSpec) renderSchema(raw []byte) error {
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return fmt.Errorf("parse api/openapi.yaml: %w", err)
	}
	if len(s.original) == 0 {
		s.yaml = raw
	} else {
		renameParams(&root, s.original)
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(&root); err != nil {
			return fmt.Errorf("render renamed schema: %w", err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("render renamed schema: %w", err)
		}
		s.yaml = buf.Bytes()
	}
	var buf bytes.Buffer
	if err := nodeJSON(&buf, &root); err != nil {
		return fmt.Errorf("render schema as JSON: %w", err)
	}
	s.json = buf.Bytes()
	return nil
}

// renameParams rewrites name: old to name: new for every query parameter under paths.
func renameParams(root *yaml.Node, renames map[string]string) {
	doc := root
	if doc.Kind == yaml.DocumentNode {
		doc = doc.Content[0]
	}
	paths := mapValue(doc, "paths")
	if paths == nil {
		return
	}
	for i := 1; i < len(paths.Content); i += 2 {
		item := paths.Content[i]
		for j := 1; j < len(item.Content); j += 2 {
			params := mapValue(item.Content[j], "parameters")
			if params == nil {
				continue
			}
			for _, p := range params.Content {
				in, name := mapValue(p, "in"), mapValue(p, "name")
				if in == nil || name == nil || in.Value != "query" {
					continue
				}
				if nu, ok := renames[name.Value]; ok {
					name.Value = nu
				}
			}
		}
	}
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// nodeJSON writes a YAML node as JSON, keeping key order so the JSON reads like the YAML.
func nodeJSON(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := nodeJSON(buf, c); err != nil {
				return err
			}
		}
	case yaml.AliasNode:
		return nodeJSON(buf, n.Alias)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, n.Content[i].Value)
			buf.WriteByte(':')
			if err := nodeJSON(buf, n.Content[i+1]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := nodeJSON(buf, c); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			buf.WriteString("null")
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return err
			}
			buf.WriteString(strconv.FormatBool(b))
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return err
			}
			b, err := json.Marshal(f)
			if err != nil {
				return err
			}
			buf.Write(b)
		default:
			writeJSONString(buf, n.Value)
		}
	}
	return nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	buf.Truncate(buf.Len() - 1)
}

// routeExists reports whether path matches a route of the schema.
func (s *apiSpec) routeExists(path string) bool {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if !strings.HasSuffix(path, "/") {
		return false
	}
	for _, r := range s.routes {
		if len(r) != len(segs) {
			continue
		}
		match := true
		for i := range r {
			if r[i] != segs[i] && !strings.HasPrefix(r[i], "{") {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
