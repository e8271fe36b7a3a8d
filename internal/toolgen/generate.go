package toolgen

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/janaplatform/jana-mcp/internal/spec"
)

// Inputs are the files generating the tools reads.
type Inputs struct {
	Manifest string // api/tools.yaml
	Schema   string // api/openapi.yaml
	Overlay  string // api/overlay.yaml ("" for none)
	Client   string // directory of the generated client (gen/janaapi)
}

// Dirs locate a whole generation: api/ (openapi.yaml, overlay.yaml, codegen/, tools.yaml)
// and gen/ (janaapi, janaops, mcptools, uses.gen.yaml).
type Dirs struct {
	API, Gen string
}

// All runs the whole generation: it prepares the schema (internal/spec) once, then writes the
// client (gen/janaapi), the adapter's operations (gen/janaops), the tools (gen/mcptools) and
// what each tool uses (gen/uses.gen.yaml). Notes on what preparation fixed or skipped go to notes.
func All(d Dirs, notes io.Writer) error {
	schema := filepath.Join(d.API, "openapi.yaml")
	p, err := spec.PrepareFiles(schema, filepath.Join(d.API, "overlay.yaml"))
	if err != nil {
		return err
	}
	for _, n := range p.Notes {
		fmt.Fprintf(notes, "note: %s: %s\n", schema, n)
	}
	if err := GenerateClient(p, filepath.Join(d.API, "codegen"), filepath.Join(d.Gen, "janaapi")); err != nil {
		return err
	}
	manifest := filepath.Join(d.API, "tools.yaml")
	m, err := LoadManifest(manifest)
	if err != nil {
		return err
	}
	client := filepath.Join(d.Gen, "janaapi")
	if err := GenerateAdapter(m, manifest, p, client, filepath.Join(d.Gen, "janaops")); err != nil {
		return err
	}
	return GenerateTools(m, manifest, p, client, Outputs{
		Tools: filepath.Join(d.Gen, "mcptools"),
		Uses:  filepath.Join(d.Gen, "uses.gen.yaml"),
		Calls: filepath.Join(d.Gen, "calls.gen.json"),
	})
}

// Outputs are where GenerateTools writes: the tools' directory, and, when set, what every
// tool uses and the call table of the examples.
type Outputs struct {
	Tools string // gen/mcptools
	Uses  string // gen/uses.gen.yaml ("" for none)
	Calls string // gen/calls.gen.json ("" for none)
}

// Generate prepares the schema and writes the tools only, against an already generated client.
func Generate(in Inputs, outDir string) error {
	m, err := LoadManifest(in.Manifest)
	if err != nil {
		return err
	}
	p, err := spec.PrepareFiles(in.Schema, in.Overlay)
	if err != nil {
		return err
	}
	return GenerateTools(m, in.Manifest, p, in.Client, Outputs{Tools: outDir})
}

// GenerateTools checks the manifest against the prepared schema and the generated client, and
// writes one Go file per tool plus the catalogue into out.Tools (removing stale *.gen.go
// files), and, when set, what every tool uses and the call table.
func GenerateTools(m *Manifest, manifestPath string, p *spec.Prepared, clientDir string, out Outputs) error {
	api, err := loadGoAPI(clientDir)
	if err != nil {
		return err
	}
	ops := operationsByID(p)
	var problems []error
	for _, name := range slices.Sorted(maps.Keys(m.Curated)) {
		for _, op := range slices.Sorted(maps.Keys(m.Curated[name])) {
			if ops[op] == nil {
				problems = append(problems, fmt.Errorf("%s: curated tool %q: operation %q is not in the schema", manifestPath, name, op))
			}
		}
	}

	files := map[string][]byte{}
	var tools []*tool
	for _, e := range m.Tools {
		t, err := plan(e, ops, api)
		if err != nil {
			// Report every entry to fix, not just the first.
			problems = append(problems, fmt.Errorf("%s: tool %q (operation %s): %w", manifestPath, e.Name, e.Operation, err))
			continue
		}
		if err := checkExamples(t); err != nil {
			problems = append(problems, fmt.Errorf("%s: tool %q: %w", manifestPath, e.Name, err))
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
	uses := usesOf(tools, m)
	cat, err := renderCatalogue(tools, uses)
	if err != nil {
		return err
	}
	files["catalogue.gen.go"] = cat
	if err := writeAll(out.Tools, files, isGenerated); err != nil {
		return err
	}
	if out.Uses != "" {
		if err := writeUses(out.Uses, uses); err != nil {
			return err
		}
	}
	if out.Calls != "" {
		return writeCalls(out.Calls, callsOf(m))
	}
	return nil
}

// isGenerated reports whether a file in a gen/ directory is generated (and may be removed
// when stale).
func isGenerated(name string) bool { return strings.HasSuffix(name, ".gen.go") }

func operationsByID(p *spec.Prepared) map[string]*spec.Operation {
	out := map[string]*spec.Operation{}
	for _, o := range spec.Operations(p.Doc) {
		o := o
		out[o.Op.OperationID] = &o
	}
	return out
}

// tool is everything the templates need for one entry.
type tool struct {
	Entry
	Func, InputType, OpID, Method, RawMethod, ParamsType, ResponseType, ResultType string
	ResultGo                                                                       string // ResultType qualified for use in gen/mcptools
	Args                                                                           []arg
	PathVars                                                                       []pathVar
	PathArgs                                                                       []string // Go expressions, in order
	Paging                                                                         string   // "", page, offset, cursor
	PagePosition                                                                   string   // statement setting the position from `position`
	Hidden                                                                         []assign
	Rows                                                                           *rows
	Summary                                                                        []field
	Key                                                                            string
	Checks                                                                         []check
	NextExpr                                                                       string // Go expression of the next link, a *string

	sends []sent // what the tool sends, for uses
	reads []spec.Path
}

// sent is one parameter a tool sends, and the values it may send ("" values: any).
type sent struct {
	name   string
	values []string
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
	Dst               string // the client's value the statements set
	SchemaLines       []string
	limits            limits // range and enum, for checking examples
}

// pathVar is a local variable holding a path parameter's client value.
type pathVar struct{ Name, Type string }

type assign struct{ Stmt string }

func plan(e Entry, ops map[string]*spec.Operation, api *goAPI) (*tool, error) {
	o := ops[e.Operation]
	if o == nil {
		return nil, fmt.Errorf("the operation is not in the schema (check the operationId; the backend may have renamed or removed it)")
	}
	if o.Method != "GET" {
		return nil, fmt.Errorf("only GET operations can become read-only tools; this one is %s", o.Method)
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
	for _, p := range o.Params() {
		specParams[p.Name] = p
		names = append(names, p.Name)
	}
	sort.Strings(names)
	missing := func(p string) error {
		return fmt.Errorf("parameter %q is not a parameter of the operation (it has: %s)", p, strings.Join(names, ", "))
	}
	paramsStruct := api.structs[gm.ParamsType]

	// Paging: the position parameter becomes `cursor`, the page size `limit`.
	if e.Paging {
		position := ""
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
			e.Params = maps.Clone(e.Params)
			if e.Params == nil {
				e.Params = map[string]Param{}
			}
			// toolkit.New sets the maximum and default: the rows that fit in a result.
			e.Params[size] = Param{As: "limit", Minimum: new(1.0), Description: "Rows per page, 1-{limit_max} (default {limit_default})."}
			e.ParamOrder = append(slices.Clone(e.ParamOrder), size)
		}
		f, ok := paramsStruct[position]
		if !ok {
			return nil, fmt.Errorf("the generated client has no field for parameter %q (regenerate gen/janaapi)", position)
		}
		stmt, err := positionStmt(position, f, api)
		if err != nil {
			return nil, err
		}
		t.PagePosition = stmt
		t.sends = append(t.sends, sent{name: position})
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
		if sp.In == openapi3.ParameterInPath {
			for _, pp := range gm.PathParams {
				if pp.Name == pname || strings.EqualFold(pp.Name, lowerFirst(goName(pname))) {
					apiType, apiField = pp.Type, pp.Name
				}
			}
		} else if f, ok := paramsStruct[pname]; ok {
			apiType, apiField = f.Type, f.Name
		}
		if apiType == "" {
			return nil, fmt.Errorf("the generated client has no field for parameter %q (regenerate gen/janaapi)", pname)
		}
		if spec.Value != nil {
			if sp.In == openapi3.ParameterInPath {
				return nil, fmt.Errorf("path parameter %q cannot be hidden with a fixed value", pname)
			}
			stmt, err := fixedValue(apiField, apiType, spec.Value, api)
			if err != nil {
				return nil, fmt.Errorf("parameter %q: %w", pname, err)
			}
			t.Hidden = append(t.Hidden, assign{stmt})
			t.sends = append(t.sends, sent{name: pname, values: valuesOf(spec.Value)})
			continue
		}
		dst := "params." + apiField
		if sp.In == openapi3.ParameterInPath {
			dst = fmt.Sprintf("path%d", len(t.PathVars))
			t.PathVars = append(t.PathVars, pathVar{Name: dst, Type: qualify(apiType)})
		}
		a, err := makeArg(pname, spec, sp, dst, apiType, api)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", pname, err)
		}
		if sp.In == openapi3.ParameterInPath && a.Convert == dst+" = in."+a.Field {
			// Passed as it is: no variable.
			t.PathVars = t.PathVars[:len(t.PathVars)-1]
			a.Convert, a.Dst = "", "in."+a.Field
		}
		t.Args = append(t.Args, a)
		if sp.In != openapi3.ParameterInPath {
			t.sends = append(t.sends, sent{name: pname, values: offered(spec, sp)})
		}
		if spec.Check != "" {
			values := ""
			ptr, list, elem := api.shape(apiType)
			switch {
			case !isStringType(elem, api):
				return nil, fmt.Errorf("parameter %q: check needs a string or list-of-strings parameter, not %s", pname, apiType)
			case list && ptr:
				values = "toolkit.Value(params." + apiField + ")"
			case list:
				values = "params." + apiField
			case ptr:
				values = "toolkit.Opt(params." + apiField + ")"
			default:
				values = "[]" + qualify(elem) + "{params." + apiField + "}"
			}
			t.Checks = append(t.Checks, check{Param: pname, Values: values, Row: spec.Check})
		}
	}
	// Every parameter the operation requires must be sent.
	for _, name := range names {
		sp := specParams[name]
		if sp.Required && sp.In != openapi3.ParameterInPath && !slices.ContainsFunc(t.sends, func(s sent) bool { return s.name == name }) {
			return nil, fmt.Errorf("parameter %q is required by the operation: list it under params, or give it a value", name)
		}
	}
	for _, pp := range gm.PathParams {
		i := slices.IndexFunc(t.Args, func(a arg) bool { return a.Param == pp.Name || strings.EqualFold(pp.Name, lowerFirst(goName(a.Param))) })
		if i < 0 {
			return nil, fmt.Errorf("path parameter %q must be exposed (list it under params)", pp.Name)
		}
		t.PathArgs = append(t.PathArgs, t.Args[i].Dst)
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

// positionStmt sets the client's paging position from the int `position` (page, offset) or
// the string cursor.
func positionStmt(param string, f goField, api *goAPI) (string, error) {
	ptr, _, elem := api.shape(f.Type)
	switch {
	case param == "cursor" && elem == "string" && ptr:
		return "if pos.At != \"\" {\nparams." + f.Name + " = &pos.At\n}", nil
	case param == "cursor" && elem == "string":
		return "params." + f.Name + " = pos.At", nil
	case param == "cursor":
	case elem == "int" && ptr:
		return "params." + f.Name + " = &position", nil
	case elem == "int":
		return "params." + f.Name + " = position", nil
	case (elem == "int32" || elem == "int64") && ptr:
		return "params." + f.Name + " = new(" + elem + "(position))", nil
	case elem == "int32" || elem == "int64":
		return "params." + f.Name + " = " + elem + "(position)", nil
	}
	return "", fmt.Errorf("the paging parameter %s is a %s, not an integer (page, offset) or a string (cursor)", param, f.Type)
}

// offered is the values a tool may send for a parameter: the manifest's enum, else the
// schema's, else any (nil).
func offered(p Param, sp *openapi3.Parameter) []string {
	if len(p.Enum) > 0 {
		return p.Enum
	}
	if sp.Schema == nil || sp.Schema.Value == nil {
		return nil
	}
	s := sp.Schema.Value
	if s.Type.Is("array") && s.Items != nil && s.Items.Value != nil {
		s = s.Items.Value
	}
	var out []string
	for _, v := range s.Enum {
		if v != nil {
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}

// valuesOf lists a fixed value's values as text.
func valuesOf(v any) []string {
	if list, ok := v.([]any); ok {
		out := make([]string, len(list))
		for i, x := range list {
			out[i] = fmt.Sprint(x)
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

// isStringType reports whether a Go type of the generated client is a string (or a string
// enum).
func isStringType(typ string, api *goAPI) bool {
	return typ == "string" || api.strEnum[typ]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
