package spec

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// site is one place in the document that holds a schema.
type site struct {
	where string // for notes: components.schemas.Asset.properties.unit
	ref   *openapi3.SchemaRef
	// component is the component schema the site is part of ("" outside components.schemas),
	// prop the property it is the value of (or the items of), "" when it is not one.
	component, prop string
}

// sites lists every schema site of doc in a stable order: component schemas first, then the
// other components, then the paths. A $ref is a site but is not followed: the component it
// names is a site of its own.
func sites(doc *openapi3.T) []site {
	var out []site
	var visit func(s site)
	visit = func(s site) {
		if s.ref == nil {
			return
		}
		out = append(out, s)
		v := s.ref.Value
		if s.ref.Ref != "" || v == nil {
			return
		}
		child := func(where string, r *openapi3.SchemaRef, prop string) {
			visit(site{where: s.where + "." + where, ref: r, component: s.component, prop: prop})
		}
		for _, name := range slices.Sorted(maps.Keys(v.Properties)) {
			child("properties."+name, v.Properties[name], name)
		}
		child("items", v.Items, s.prop)
		child("additionalProperties", v.AdditionalProperties.Schema, "")
		for _, group := range []struct {
			kind string
			list openapi3.SchemaRefs
		}{{"allOf", v.AllOf}, {"oneOf", v.OneOf}, {"anyOf", v.AnyOf}} {
			for i, r := range group.list {
				child(group.kind+"."+strconv.Itoa(i), r, s.prop)
			}
		}
		child("not", v.Not, "")
	}
	if c := doc.Components; c != nil {
		for _, name := range slices.Sorted(maps.Keys(c.Schemas)) {
			visit(site{where: "components.schemas." + name, ref: c.Schemas[name], component: name})
		}
		for _, name := range slices.Sorted(maps.Keys(c.Parameters)) {
			if p := c.Parameters[name]; p != nil && p.Value != nil && p.Ref == "" {
				visit(site{where: "components.parameters." + name + ".schema", ref: p.Value.Schema})
			}
		}
		for _, name := range slices.Sorted(maps.Keys(c.RequestBodies)) {
			if b := c.RequestBodies[name]; b != nil && b.Value != nil && b.Ref == "" {
				content(visit, "components.requestBodies."+name, b.Value.Content)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(c.Responses)) {
			if r := c.Responses[name]; r != nil && r.Value != nil && r.Ref == "" {
				content(visit, "components.responses."+name, r.Value.Content)
			}
		}
	}
	for _, op := range operations(doc) {
		for _, p := range op.params() {
			visit(site{where: op.where + ".parameters." + p.Name + ".schema", ref: p.Schema})
		}
		if b := op.Op.RequestBody; b != nil && b.Value != nil && b.Ref == "" {
			content(visit, op.where+".requestBody", b.Value.Content)
		}
		if op.Op.Responses != nil {
			m := op.Op.Responses.Map()
			for _, code := range slices.Sorted(maps.Keys(m)) {
				if r := m[code]; r != nil && r.Value != nil && r.Ref == "" {
					content(visit, op.where+".responses."+code, r.Value.Content)
				}
			}
		}
	}
	return out
}

func content(visit func(site), where string, c openapi3.Content) {
	for _, mt := range slices.Sorted(maps.Keys(c)) {
		if m := c[mt]; m != nil {
			visit(site{where: where + ".content." + mt + ".schema", ref: m.Schema})
		}
	}
}

// Operation is one operation of a schema, with where it is.
type Operation struct {
	Path, Method string // /api/v1/esg/health/, GET
	Op           *openapi3.Operation
	Item         *openapi3.PathItem
	where        string
}

// params returns the operation's parameters, the path item's included (an operation's own
// parameter wins over the path item's of the same name and location).
func (o Operation) params() []*openapi3.Parameter {
	var out []*openapi3.Parameter
	seen := map[string]bool{}
	for _, list := range []openapi3.Parameters{o.Op.Parameters, o.Item.Parameters} {
		for _, p := range list {
			if p == nil || p.Value == nil || seen[p.Value.In+" "+p.Value.Name] {
				continue
			}
			seen[p.Value.In+" "+p.Value.Name] = true
			out = append(out, p.Value)
		}
	}
	return out
}

// Params is params for other packages: every parameter of the operation.
func (o Operation) Params() []*openapi3.Parameter { return o.params() }

// Operations lists a schema's operations, sorted by path and method.
func Operations(doc *openapi3.T) []Operation { return operations(doc) }

func operations(doc *openapi3.T) []Operation {
	if doc.Paths == nil {
		return nil
	}
	var out []Operation
	m := doc.Paths.Map()
	for _, path := range slices.Sorted(maps.Keys(m)) {
		item := m[path]
		ops := item.Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			out = append(out, Operation{Path: path, Method: method, Op: ops[method], Item: item,
				where: "paths." + path + "." + strings.ToLower(method)})
		}
	}
	return out
}
