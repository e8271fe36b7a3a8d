package toolgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Inputs are the files generation reads.
type Inputs struct {
	Manifest string // api/tools.yaml
	Schema   string // api/openapi.yaml
	Client   string // directory of the generated client (gen/janaapi)
}

// Generate checks the manifest against the schema and the generated client, and writes one
// Go file per tool plus the catalogue into outDir. Stale *.gen.go files are removed.
func Generate(in Inputs, outDir string) error {
	m, err := LoadManifest(in.Manifest)
	if err != nil {
		return err
	}
	doc, err := openapi3.NewLoader().LoadFromFile(in.Schema)
	if err != nil {
		return fmt.Errorf("loading %s: %w", in.Schema, err)
	}
	api, err := loadGoAPI(in.Client)
	if err != nil {
		return err
	}
	ops := operations(doc)
	for name, used := range m.Curated {
		for _, op := range used {
			if ops[op] == nil {
				return fmt.Errorf("%s: curated tool %q: operation %q is not in %s", in.Manifest, name, op, in.Schema)
			}
		}
	}

	files := map[string][]byte{}
	var tools []*tool
	var problems []error
	for _, e := range m.Tools {
		t, err := plan(e, ops, api)
		if err != nil {
			// Report every entry to fix, not just the first.
			problems = append(problems, fmt.Errorf("%s: tool %q (operation %s): %w", in.Manifest, e.Name, e.Operation, err))
			continue
		}
		src, err := render(t)
		if err != nil {
			return fmt.Errorf("tool %q: %w", e.Name, err)
		}
		files[e.Name+".gen.go"] = src
		tools = append(tools, t)
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	cat, err := renderCatalogue(tools, m.Curated)
	if err != nil {
		return err
	}
	files["catalogue.gen.go"] = cat

	old, _ := filepath.Glob(filepath.Join(outDir, "*.gen.go"))
	for _, f := range old {
		if _, keep := files[filepath.Base(f)]; !keep {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(outDir, name), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

type operation struct {
	method string
	op     *openapi3.Operation
}

func operations(doc *openapi3.T) map[string]*operation {
	out := map[string]*operation{}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			out[op.OperationID] = &operation{method: method, op: op}
		}
	}
	return out
}

// tool is everything the templates need for one entry.
type tool struct {
	Entry
	Func, InputType, OpID, Method, RawMethod, ParamsType, ResponseType, ResultType string
	ResultGo                                                                       string // ResultType qualified for use in gen/mcptools
	Args                                                                           []arg
	PathArgs                                                                       []string // Go expressions, in order
	Paging                                                                         string   // "", page, offset, cursor
	PageSizeField                                                                  string
	Hidden                                                                         []assign
	Rows                                                                           *rows
	Summary                                                                        []field
	Key                                                                            string
	Checks                                                                         []check
}

// check is a filter whose rows are verified (Param.Check).
type check struct {
	Param  string // the operation parameter sent
	Values string // Go expression of the values sent, a slice of strings
	Row    string // Go expression of the row's value, a string
}

type arg struct {
	Name, Field, Type string // JSON name, Go field, Go type in the input struct
	OmitEmpty         bool   // optional argument
	Param, Convert    string // operation parameter, Go statements sending it
	SchemaLines       []string
}

type assign struct{ Stmt string }

type rows struct {
	Expr   string // Go expression of the slice, e.g. out.Results
	Ptr    bool   // the slice is behind a pointer
	Fields []field
	Total  string // Go expression of the total count, or "-1"
}

type field struct {
	JSON, Go, Cell string // JSON name, Go selector, text-cell expression
	Name, Type     string // field name and qualified Go type in the generated row struct
}

func plan(e Entry, ops map[string]*operation, api *goAPI) (*tool, error) {
	o := ops[e.Operation]
	if o == nil {
		return nil, fmt.Errorf("the operation is not in the schema (check the operationId; the backend may have renamed or removed it)")
	}
	if o.method != "GET" {
		return nil, fmt.Errorf("only GET operations can become read-only tools; this one is %s", o.method)
	}
	method := goName(e.Operation) + "WithResponse"
	gm := api.methods[method]
	if gm == nil {
		return nil, fmt.Errorf("the generated client has no %s (run oapi-codegen first: make generate)", method)
	}
	t := &tool{
		Entry: e, OpID: e.Operation, Method: method, RawMethod: goName(e.Operation), ParamsType: gm.ParamsType, ResponseType: gm.Response,
		Func: lowerFirst(goName(e.Name)), InputType: goName(e.Name) + "Input", Key: e.Result.Key,
	}
	if t.Key == "" {
		t.Key = "items"
	}

	specParams := map[string]*openapi3.Parameter{}
	var names []string
	for _, p := range o.op.Parameters {
		specParams[p.Value.Name] = p.Value
		names = append(names, p.Value.Name)
	}
	sort.Strings(names)
	missing := func(p string) error {
		return fmt.Errorf("parameter %q is not a parameter of the operation (it has: %s)", p, strings.Join(names, ", "))
	}

	// Paging: the position parameter becomes `cursor`, the page size `limit`.
	position := ""
	if e.Paging {
		for _, p := range []string{"cursor", "page", "offset"} {
			if specParams[p] != nil {
				position = p
				break
			}
		}
		if position == "" {
			return nil, fmt.Errorf("paging is set but the operation has no page, offset or cursor parameter")
		}
		t.Paging = position
		if _, listed := e.Params[position]; listed {
			return nil, fmt.Errorf("parameter %q is the paging position: it becomes the cursor argument, do not list it", position)
		}
		size := "page_size"
		if position == "offset" {
			size = "limit"
		}
		if specParams[size] == nil {
			return nil, fmt.Errorf("paging is set but the operation has no %s parameter", size)
		}
		if _, listed := e.Params[size]; !listed {
			// toolkit.New sets the maximum and default: the rows that fit in a result.
			e.Params = cloneParams(e.Params)
			e.Params[size] = Param{As: "limit", Minimum: ptr(1.0), Description: "Rows per page, 1-{limit_max} (default {limit_default})."}
			e.ParamOrder = append(e.ParamOrder, size)
		}
		t.PageSizeField = api.structs[gm.ParamsType][size].Name
	}

	for _, pname := range e.ParamOrder {
		spec := e.Params[pname]
		sp := specParams[pname]
		if sp == nil {
			return nil, missing(pname)
		}
		if sp.Deprecated {
			// Jana keeps old spellings as deprecated aliases for a while, and has been seen to
			// accept one and ignore it: a tool sends the canonical name.
			return nil, fmt.Errorf("parameter %q is deprecated (%s): send the canonical parameter instead", pname, strings.TrimSuffix(sp.Description, "."))
		}
		var apiType, apiField string
		if sp.In == "path" {
			for _, pp := range gm.PathParams {
				if pp.Name == pname || strings.EqualFold(pp.Name, lowerFirst(goName(pname))) {
					apiType, apiField = pp.Type, pp.Name
				}
			}
		} else if f, ok := api.structs[gm.ParamsType][pname]; ok {
			apiType, apiField = f.Type, f.Name
		}
		if apiType == "" {
			return nil, fmt.Errorf("the generated client has no field for parameter %q (regenerate gen/janaapi)", pname)
		}
		if spec.Value != nil {
			if sp.In == "path" {
				return nil, fmt.Errorf("path parameter %q cannot be hidden with a fixed value", pname)
			}
			stmt, err := fixedValue(apiField, apiType, spec.Value, api)
			if err != nil {
				return nil, fmt.Errorf("parameter %q: %w", pname, err)
			}
			t.Hidden = append(t.Hidden, assign{stmt})
			continue
		}
		a, err := makeArg(pname, spec, sp, apiField, apiType, api)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", pname, err)
		}
		t.Args = append(t.Args, a)
		if spec.Check != "" {
			values := ""
			switch elem := strings.TrimPrefix(strings.TrimPrefix(apiType, "*"), "[]"); {
			case strings.HasPrefix(apiType, "*[]") && isStringType(elem, api):
				values = "toolkit.Deref(params." + apiField + ")"
			case strings.HasPrefix(apiType, "*") && isStringType(elem, api):
				values = "toolkit.Opt(params." + apiField + ")"
			default:
				return nil, fmt.Errorf("parameter %q: check needs a string or list-of-strings parameter, not %s", pname, apiType)
			}
			t.Checks = append(t.Checks, check{Param: pname, Values: values, Row: spec.Check})
		}
	}
	for _, pp := range gm.PathParams {
		i := slices.IndexFunc(t.Args, func(a arg) bool { return a.Param == pp.Name })
		if i < 0 {
			return nil, fmt.Errorf("path parameter %q must be exposed (list it under params)", pp.Name)
		}
		t.PathArgs = append(t.PathArgs, "in."+t.Args[i].Field)
	}

	// The answer.
	resp := api.structs[gm.Response]["go:JSON200"]
	if resp.Type == "" {
		return nil, fmt.Errorf("the operation has no JSON 200 answer in the generated client")
	}
	t.ResultType = strings.TrimPrefix(resp.Type, "*")
	t.ResultGo = qualify(t.ResultType)
	if err := planResult(t, e.Result, api); err != nil {
		return nil, err
	}
	return t, nil
}

func planResult(t *tool, r Result, api *goAPI) error {
	resultType := t.ResultType
	var itemType string
	switch {
	case r.Rows == "":
	case r.Rows == ".":
		if !strings.HasPrefix(resultType, "[]") {
			return fmt.Errorf(`result rows ".": the answer is %s, not a list`, resultType)
		}
		itemType = strings.TrimPrefix(resultType, "[]")
		t.Rows = &rows{Expr: "(*out)", Total: "-1"}
	default:
		f, ok := api.structs[resultType][r.Rows]
		if !ok {
			return fmt.Errorf("result rows %q is not a field of %s (it has: %s)", r.Rows, resultType, fieldList(api.structs[resultType]))
		}
		elem := strings.TrimPrefix(f.Type, "*")
		if !strings.HasPrefix(elem, "[]") {
			return fmt.Errorf("result rows %q is a %s, not a list", r.Rows, f.Type)
		}
		itemType = strings.TrimPrefix(elem, "[]")
		t.Rows = &rows{Expr: "out." + f.Name, Ptr: strings.HasPrefix(f.Type, "*"), Total: "-1"}
		if c, ok := api.structs[resultType]["count"]; ok && c.Type == "int" {
			t.Rows.Total = "out." + c.Name
		}
	}
	if t.Rows != nil {
		fields, err := pickFields(api, itemType, r.Fields, "it.")
		if err != nil {
			return fmt.Errorf("result fields: %w", err)
		}
		t.Rows.Fields = fields
	} else if len(r.Fields) > 0 {
		return fmt.Errorf("result fields need result rows (the answer is one object: use summary)")
	}
	if !strings.HasPrefix(resultType, "[]") {
		summary := r.Summary
		if summary == nil {
			// DRF's next and previous are absolute URLs with Jana's internal address (such as
			// http://web:8000): never shown to a model. Paging goes through our cursor.
			summary = slices.DeleteFunc(scalarFields(api, resultType), func(n string) bool { return n == "next" || n == "previous" })
		}
		if _, paged := api.structs[resultType]["results"]; paged {
			for _, n := range summary {
				if n == "next" || n == "previous" {
					return fmt.Errorf("result summary %q: DRF paging links hold Jana's internal address; use paging: true instead", n)
				}
			}
		}
		fields, err := pickFields(api, resultType, summary, "out.")
		if err != nil {
			return fmt.Errorf("result summary: %w", err)
		}
		t.Summary = fields
	} else if len(r.Summary) > 0 {
		return fmt.Errorf("result summary needs an object answer; this one is a list")
	}
	if t.Paging != "" && (t.Rows == nil || r.Rows != "results") {
		return fmt.Errorf(`paging needs result rows "results" (a paginated list)`)
	}
	for i, c := range t.Checks {
		if t.Rows == nil {
			return fmt.Errorf("parameter %q: check needs result rows", c.Param)
		}
		f, ok := api.structs[itemType][c.Row]
		if !ok {
			return fmt.Errorf("parameter %q: check %q is not a field of %s (it has: %s)", c.Param, c.Row, itemType, fieldList(api.structs[itemType]))
		}
		switch {
		case isStringType(f.Type, api):
			t.Checks[i].Row = "string(it." + f.Name + ")"
		case strings.HasPrefix(f.Type, "*") && isStringType(strings.TrimPrefix(f.Type, "*"), api):
			t.Checks[i].Row = "toolkit.Str((*string)(it." + f.Name + "))"
		default:
			return fmt.Errorf("parameter %q: check %q is a %s, not a string", c.Param, c.Row, f.Type)
		}
	}
	return nil
}

// isStringType reports whether a Go type of the generated client is a string (or a string
// enum).
func isStringType(typ string, api *goAPI) bool {
	return typ == "string" || api.strEnum[typ]
}

func pickFields(api *goAPI, typ string, names []string, recv string) ([]field, error) {
	st, ok := api.structs[typ]
	if !ok {
		return nil, fmt.Errorf("%s is not a struct of the generated client", typ)
	}
	if names == nil {
		names = scalarFields(api, typ)
	}
	var out []field
	for _, n := range names {
		f, ok := st[n]
		if !ok {
			return nil, fmt.Errorf("%q is not a field of %s (it has: %s)", n, typ, fieldList(st))
		}
		cell, ok := cellExpr(recv+f.Name, f.Type, api)
		if !ok {
			return nil, fmt.Errorf("%q of %s is a %s, not a scalar that fits in a row", n, typ, f.Type)
		}
		out = append(out, field{JSON: n, Go: recv + f.Name, Cell: cell, Name: f.Name, Type: qualify(f.Type)})
	}
	return out, nil
}

func scalarFields(api *goAPI, typ string) []string {
	var out []string
	for n, f := range api.structs[typ] {
		if strings.HasPrefix(n, "go:") {
			continue
		}
		if _, ok := cellExpr("x", f.Type, api); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func fieldList(st map[string]goField) string {
	var out []string
	for n := range st {
		if !strings.HasPrefix(n, "go:") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// cellExpr returns the expression formatting a value of Go type typ as a text cell.
func cellExpr(x, typ string, api *goAPI) (string, bool) {
	switch typ {
	case "string":
		return x, true
	case "*string":
		return "toolkit.Str(" + x + ")", true
	case "int", "int32", "int64":
		return "toolkit.Int(" + x + ")", true
	case "*int", "*int32", "*int64":
		return "toolkit.IntPtr(" + x + ")", true
	case "float64":
		return "toolkit.Num(" + x + ")", true
	case "*float64":
		return "toolkit.NumPtr(" + x + ")", true
	case "bool":
		return "toolkit.Bool(" + x + ")", true
	case "*bool":
		return "toolkit.BoolPtr(" + x + ")", true
	case "time.Time":
		return "toolkit.Time(" + x + ")", true
	case "*time.Time":
		return "toolkit.TimePtr(" + x + ")", true
	case "openapi_types.Date":
		return "toolkit.Date(" + x + ")", true
	case "*openapi_types.Date":
		return "toolkit.DatePtr(" + x + ")", true
	case "[]string":
		return "toolkit.Strings(" + x + ")", true
	case "*[]string":
		return "toolkit.StringsPtr(" + x + ")", true
	}
	if api.strEnum[typ] {
		return "toolkit.EnumText(" + x + ")", true
	}
	if e := strings.TrimPrefix(typ, "*"); api.strEnum[e] {
		return "toolkit.Str((*string)(" + x + "))", true
	}
	return "", false
}

// makeArg decides the input field for one exposed parameter and how it is sent.
func makeArg(pname string, spec Param, sp *openapi3.Parameter, apiField, apiType string, api *goAPI) (arg, error) {
	name := spec.As
	if name == "" {
		name = pname
	}
	a := arg{Name: name, Field: goName(name), Param: pname}
	required := spec.Required || sp.In == "path"
	dst := "params." + apiField
	src := "in." + a.Field
	elem := strings.TrimPrefix(apiType, "*")
	switch {
	case sp.In == "path":
		a.Type = apiType
	case apiType == "*int" || apiType == "*int64" || apiType == "*float64" || apiType == "*bool":
		a.Type = apiType
		a.Convert = fmt.Sprintf("%s = %s", dst, src)
	case apiType == "*string":
		a.Type = "string"
		a.Convert = fmt.Sprintf("if %s != \"\" {\n%s = &%s\n}", src, dst, src)
	case api.strEnum[elem]:
		a.Type = "string"
		a.Convert = fmt.Sprintf("if %s != \"\" {\nv := janaapi.%s(%s)\n%s = &v\n}", src, elem, src, dst)
	case apiType == "*time.Time":
		a.Type = "string"
		a.Convert = fmt.Sprintf("if %s, err = toolkit.ParseDateTime(%q, %s); err != nil {\nreturn nil, err\n}", dst, name, src)
	case apiType == "*openapi_types.Date":
		a.Type = "string"
		a.Convert = fmt.Sprintf("if %s, err = toolkit.ParseDate(%q, %s); err != nil {\nreturn nil, err\n}", dst, name, src)
	case apiType == "*[]string" && countryAlpha(pname, sp) != 0:
		// Every tool takes alpha-2 or alpha-3 codes: converted to the form the backend takes.
		a.Type = elem
		a.Convert = fmt.Sprintf("if len(%s) > 0 {\nv, err := toolkit.CountryCodes(%q, %s, %d)\nif err != nil {\nreturn nil, err\n}\n%s = &v\n}",
			src, name, src, countryAlpha(pname, sp), dst)
	case apiType == "*[]string" || apiType == "*[]int" || apiType == "*[]float64":
		a.Type = elem
		a.Convert = fmt.Sprintf("if len(%s) > 0 {\n%s = &%s\n}", src, dst, src)
	case strings.HasPrefix(elem, "[]") && api.strEnum[strings.TrimPrefix(elem, "[]")]:
		e := strings.TrimPrefix(elem, "[]")
		a.Type = "[]string"
		a.Convert = fmt.Sprintf("if len(%s) > 0 {\nv := make([]janaapi.%s, len(%s))\nfor i, s := range %s {\nv[i] = janaapi.%s(s)\n}\n%s = &v\n}", src, e, src, src, e, dst)
	default:
		return a, fmt.Errorf("its Go type %s is not supported by the generator", apiType)
	}
	if required && strings.HasPrefix(a.Type, "*") {
		a.Type = strings.TrimPrefix(a.Type, "*")
		a.Convert = fmt.Sprintf("%s = &%s", dst, src)
	}
	a.OmitEmpty = !required
	a.SchemaLines = schemaLines(a, spec, sp, required)
	return a, nil
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

// schemaLines adds to the derived input schema what the Go type cannot say.
func schemaLines(a arg, spec Param, sp *openapi3.Parameter, required bool) []string {
	var lines []string
	target := fmt.Sprintf("p[%q]", a.Name)
	s := sp.Schema.Value
	desc := spec.Description
	if desc == "" {
		desc = sp.Description
	}
	if desc == "" && s != nil {
		desc = s.Description
	}
	if s != nil && (s.Format == "date" || s.Format == "date-time") && !strings.Contains(desc, "ISO 8601") {
		desc = strings.TrimSpace(desc + " ISO 8601 date (2025-01-31) or date-time (2025-01-31T06:00:00Z).")
	}
	if desc != "" {
		lines = append(lines, fmt.Sprintf("%s.Description = %s", target, strconv.Quote(desc)))
	}
	num := s
	if s != nil && s.Type.Is("array") && s.Items != nil {
		num = s.Items.Value
	}
	minimum, maximum := spec.Minimum, spec.Maximum
	if minimum == nil && num != nil && num.Min != nil {
		minimum = num.Min
	}
	if maximum == nil && num != nil && num.Max != nil {
		maximum = num.Max
	}
	item := target
	if strings.HasPrefix(a.Type, "[]") {
		item = target + ".Items"
	}
	if minimum != nil {
		lines = append(lines, fmt.Sprintf("%s.Minimum = ptr(%s)", item, strconv.FormatFloat(*minimum, 'g', -1, 64)+".0"))
	}
	if maximum != nil {
		lines = append(lines, fmt.Sprintf("%s.Maximum = ptr(%s)", item, strconv.FormatFloat(*maximum, 'g', -1, 64)+".0"))
	}
	enum := spec.Enum
	if enum == nil && num != nil {
		for _, v := range num.Enum {
			enum = append(enum, fmt.Sprint(v))
		}
	}
	if len(enum) > 0 {
		quoted := make([]string, len(enum))
		for i, v := range enum {
			quoted[i] = strconv.Quote(v)
		}
		lines = append(lines, fmt.Sprintf("toolkit.Enum(%s, %s)", target, strings.Join(quoted, ", ")))
	}
	if spec.Default != nil && !required {
		data, _ := json.Marshal(spec.Default)
		lines = append(lines, fmt.Sprintf("%s.Default = json.RawMessage(%s)", target, strconv.Quote(string(data))))
	}
	return lines
}

// fixedValue is the statement sending a hidden parameter's fixed value.
func fixedValue(apiField, apiType string, v any, api *goAPI) (string, error) {
	dst := "params." + apiField
	elem := strings.TrimPrefix(apiType, "*")
	switch {
	case apiType == "*string":
		return fmt.Sprintf("%s = ptr(%s)", dst, strconv.Quote(fmt.Sprint(v))), nil
	case api.strEnum[elem]:
		return fmt.Sprintf("%s = ptr(janaapi.%s(%s))", dst, elem, strconv.Quote(fmt.Sprint(v))), nil
	case apiType == "*int" || apiType == "*int64":
		n, ok := v.(int)
		if !ok {
			return "", fmt.Errorf("value %v is not an integer", v)
		}
		return fmt.Sprintf("%s = ptr(%s(%d))", dst, elem, n), nil
	case apiType == "*bool":
		b, ok := v.(bool)
		if !ok {
			return "", fmt.Errorf("value %v is not a boolean", v)
		}
		return fmt.Sprintf("%s = ptr(%t)", dst, b), nil
	case apiType == "*float64":
		return fmt.Sprintf("%s = ptr(float64(%v))", dst, v), nil
	case apiType == "*[]string":
		list, ok := v.([]any)
		if !ok {
			return "", fmt.Errorf("value %v is not a list", v)
		}
		q := make([]string, len(list))
		for i, s := range list {
			q[i] = strconv.Quote(fmt.Sprint(s))
		}
		return fmt.Sprintf("%s = &[]string{%s}", dst, strings.Join(q, ", ")), nil
	case strings.HasPrefix(elem, "[]") && api.strEnum[strings.TrimPrefix(elem, "[]")]:
		list, ok := v.([]any)
		if !ok {
			return "", fmt.Errorf("value %v is not a list", v)
		}
		e := strings.TrimPrefix(elem, "[]")
		q := make([]string, len(list))
		for i, s := range list {
			q[i] = fmt.Sprintf("janaapi.%s(%s)", e, strconv.Quote(fmt.Sprint(s)))
		}
		return fmt.Sprintf("%s = &[]janaapi.%s{%s}", dst, e, strings.Join(q, ", ")), nil
	}
	return "", fmt.Errorf("fixed values of Go type %s are not supported", apiType)
}

func cloneParams(p map[string]Param) map[string]Param {
	out := make(map[string]Param, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func ptr[T any](v T) *T { return &v }

func gofmt(name string, src []byte) ([]byte, error) {
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("formatting generated %s: %w\n%s", name, err, numbered(src))
	}
	return out, nil
}

func numbered(src []byte) string {
	var b bytes.Buffer
	for i, line := range strings.Split(string(src), "\n") {
		fmt.Fprintf(&b, "%4d %s\n", i+1, line)
	}
	return b.String()
}

// qualify prefixes the package name to a type expression from gen/janaapi: []X -> []janaapi.X.
func qualify(typ string) string {
	prefix := ""
	for strings.HasPrefix(typ, "[]") || strings.HasPrefix(typ, "*") {
		if strings.HasPrefix(typ, "[]") {
			prefix, typ = prefix+"[]", typ[2:]
		} else {
			prefix, typ = prefix+"*", typ[1:]
		}
	}
	if typ != "" && typ[0] >= 'A' && typ[0] <= 'Z' && !strings.Contains(typ, ".") {
		typ = "janaapi." + typ
	}
	return prefix + typ
}
