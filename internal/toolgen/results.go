package toolgen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/janaplatform/jana-mcp/internal/spec"
)

type rows struct {
	Expr   string // Go expression of the slice, e.g. out.Results
	Ptr    bool   // the slice is behind a pointer
	Fields []field
	Total  string // Go expression of the total count, or "-1"
}

type field struct {
	JSON, Go, Cell string // JSON name (dotted when flattened), Go expression, text-cell expression
	Name, Type     string // field name and qualified Go type in the generated row struct
}

func planResult(t *tool, r Result, api *goAPI) error {
	resultType := t.ResultType
	var itemType string
	var rowsPath spec.Path
	switch {
	case r.Rows == "":
	case r.Rows == ".":
		_, list, elem := api.shape(resultType)
		if !list {
			return fmt.Errorf(`result rows ".": the answer is %s, not a list`, resultType)
		}
		itemType = elem
		t.Rows = &rows{Expr: "(*out)", Total: "-1"}
		rowsPath = "[]"
	default:
		f, ok := api.structs[resultType][r.Rows]
		if !ok {
			return fmt.Errorf("result rows %q is not a field of %s (it has: %s)", r.Rows, resultType, fieldList(api.structs[resultType]))
		}
		_, list, elem := api.shape(f.Type)
		if !list {
			return fmt.Errorf("result rows %q is a %s, not a list", r.Rows, f.Type)
		}
		itemType = elem
		t.Rows = &rows{Expr: "out." + f.Name, Ptr: strings.HasPrefix(f.Type, "*"), Total: "-1"}
		rowsPath = spec.Path(r.Rows).Join("[]")
		if c, ok := api.structs[resultType]["count"]; ok {
			switch c.Type {
			case "int":
				t.Rows.Total = "out." + c.Name
			case "int32", "int64":
				t.Rows.Total = "int(out." + c.Name + ")"
			}
			if t.Rows.Total != "-1" {
				t.reads = append(t.reads, "count")
			}
		}
	}
	if t.Rows != nil {
		t.reads = append(t.reads, rowsPath)
		if api.structs[itemType] != nil {
			fields, reads, err := pickFields(api, itemType, r.Fields, "it", rowsPath, r.Flatten)
			if err != nil {
				return fmt.Errorf("result fields: %w", err)
			}
			t.Rows.Fields, t.reads = fields, append(t.reads, reads...)
		} else {
			// A list of scalars (or of lists, or of any JSON): one column.
			if len(r.Fields) > 0 {
				return fmt.Errorf("result fields: the rows are %s, not objects with fields", itemType)
			}
			t.Rows.Fields = []field{{JSON: "value", Go: "it", Cell: cellExpr("it", itemType, api), Name: "Value", Type: qualify(itemType)}}
		}
	} else if len(r.Fields) > 0 {
		return fmt.Errorf("result fields need result rows (the answer is one object: use summary)")
	}
	_, answerList, _ := api.shape(resultType)
	switch {
	case answerList:
		if len(r.Summary) > 0 {
			return fmt.Errorf("result summary needs an object answer; this one is a list")
		}
	case api.structs[resultType] != nil:
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
		fields, reads, err := pickFields(api, resultType, summary, "out", "", r.Flatten)
		if err != nil {
			return fmt.Errorf("result summary: %w", err)
		}
		t.Summary, t.reads = fields, append(t.reads, reads...)
	default:
		// Not an object: a JSON value of any shape, shown whole.
		if len(r.Summary) > 0 {
			return fmt.Errorf("result summary needs an object answer; this one is %s", resultType)
		}
		if t.Rows == nil {
			t.Summary = []field{{JSON: "value", Go: "(*out)", Cell: cellExpr("(*out)", resultType, api)}}
			t.reads = append(t.reads, ".")
		}
	}
	if t.Paging != "" {
		if t.Rows == nil || r.Rows != "results" {
			return fmt.Errorf(`paging needs result rows "results" (a paginated list)`)
		}
		next, ok := api.structs[resultType]["next"]
		switch {
		case !ok:
			return fmt.Errorf("paging needs the answer's next link, and %s has no next", resultType)
		case next.Type == "*string":
			t.NextExpr = "out." + next.Name
		case next.Type == "string":
			t.NextExpr = "&out." + next.Name
		default:
			return fmt.Errorf("paging needs the answer's next link to be a string, not %s", next.Type)
		}
		t.reads = append(t.reads, "next")
	}
	for i, c := range t.Checks {
		if t.Rows == nil {
			return fmt.Errorf("parameter %q: check needs result rows", c.Param)
		}
		f, ok := api.structs[itemType][c.Row]
		if !ok {
			return fmt.Errorf("parameter %q: check %q is not a field of %s (it has: %s)", c.Param, c.Row, itemType, fieldList(api.structs[itemType]))
		}
		switch ptr, list, elem := api.shape(f.Type); {
		case list || !isStringType(elem, api):
			return fmt.Errorf("parameter %q: check %q is a %s, not a string", c.Param, c.Row, f.Type)
		case ptr:
			t.Checks[i].Row = "toolkit.Str((*string)(it." + f.Name + "))"
		default:
			t.Checks[i].Row = "string(it." + f.Name + ")"
		}
		t.reads = append(t.reads, rowsPath.Join(c.Row))
	}
	return nil
}

// pickFields picks fields of a struct type of the generated client: names as given (dotted
// ones, and those under flatten, reach inside objects), or every scalar field. It also answers
// the paths read, under base.
func pickFields(api *goAPI, typ string, names []string, recv string, base spec.Path, flatten []string) ([]field, []spec.Path, error) {
	st, ok := api.structs[typ]
	if !ok {
		return nil, nil, fmt.Errorf("%s is not a struct of the generated client", typ)
	}
	if names == nil {
		names = scalarFields(api, typ)
	}
	var out []field
	var reads []spec.Path
	taken := map[string]bool{}
	add := func(steps []string) error {
		expr, ftype, err := via(recv, typ, steps, api)
		if err != nil {
			return err
		}
		json := strings.Join(steps, ".")
		p := base
		for _, s := range steps {
			p = p.Join(s)
		}
		reads = append(reads, p)
		// The row's Go field is named after the client's fields on the way, which are distinct
		// where JSON names differ only in what Go names drop (internal/spec).
		name := fieldNames(typ, steps, api)
		for n := 2; taken[name]; n++ {
			name = fieldNames(typ, steps, api) + strconv.Itoa(n)
		}
		taken[name] = true
		out = append(out, field{JSON: json, Go: expr, Cell: cellExpr(expr, ftype, api), Name: name, Type: qualify(ftype)})
		return nil
	}
	for _, n := range names {
		steps := strings.Split(n, ".")
		if _, ok := st[steps[0]]; !ok {
			return nil, nil, fmt.Errorf("%q is not a field of %s (it has: %s)", steps[0], typ, fieldList(st))
		}
		if !slices.Contains(flatten, n) {
			if err := add(steps); err != nil {
				return nil, nil, fmt.Errorf("%q: %w", n, err)
			}
			continue
		}
		leaves, err := leafPaths(api, typ, steps, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("flatten %q: %w", n, err)
		}
		for _, l := range leaves {
			if err := add(l); err != nil {
				return nil, nil, fmt.Errorf("%q: %w", strings.Join(l, "."), err)
			}
		}
	}
	return out, reads, nil
}

// fieldNames joins the client's Go field names along a path: Point, Lat is PointLat.
func fieldNames(typ string, steps []string, api *goAPI) string {
	var b strings.Builder
	for _, s := range steps {
		f := api.structs[typ][s]
		b.WriteString(f.Name)
		_, _, typ = api.shape(f.Type)
	}
	return b.String()
}

// leafPaths expands an object field into the paths of its scalar fields, through nested
// objects (to a depth that keeps a cycle from going on).
func leafPaths(api *goAPI, typ string, steps []string, depth int) ([][]string, error) {
	_, ftype, err := via("x", typ, steps, api)
	if err != nil {
		return nil, err
	}
	_, list, elem := api.shape(ftype)
	inner := api.structs[elem]
	if list || inner == nil {
		return nil, fmt.Errorf("it is a %s, not an object", ftype)
	}
	var out [][]string
	for _, name := range slices.Sorted(maps.Keys(inner)) {
		if strings.HasPrefix(name, "go:") {
			continue
		}
		sub := append(slices.Clone(steps), name)
		_, subType, _ := via("x", typ, sub, api)
		_, subList, subElem := api.shape(subType)
		switch {
		case !subList && api.structs[subElem] != nil && depth < 3:
			deeper, err := leafPaths(api, typ, sub, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, deeper...)
		case isScalar(subType, api):
			out = append(out, sub)
		}
	}
	return out, nil
}

// via is the Go expression of a field path from x, a value of struct type typ, and its Go type.
// An object behind a pointer on the way makes the result a pointer, nil when that one is.
func via(x, typ string, steps []string, api *goAPI) (string, string, error) {
	f, ok := api.structs[typ][steps[0]]
	if !ok {
		return "", "", fmt.Errorf("%q is not a field of %s (it has: %s)", steps[0], typ, fieldList(api.structs[typ]))
	}
	expr := x + "." + f.Name
	if len(steps) == 1 {
		return expr, f.Type, nil
	}
	ptr, list, elem := api.shape(f.Type)
	if list || api.structs[elem] == nil {
		return "", "", fmt.Errorf("%q is a %s, not an object with fields", steps[0], f.Type)
	}
	if !ptr {
		return via(expr, elem, steps[1:], api)
	}
	inner, innerType, err := via("v", elem, steps[1:], api)
	if err != nil {
		return "", "", err
	}
	if !strings.HasPrefix(innerType, "*") {
		innerType, inner = "*"+innerType, "&"+inner
	}
	return fmt.Sprintf("toolkit.Via(%s, func(v *%s) %s { return %s })", expr, qualify(elem), qualify(innerType), inner), innerType, nil
}

func scalarFields(api *goAPI, typ string) []string {
	var out []string
	for n, f := range api.structs[typ] {
		if strings.HasPrefix(n, "go:") {
			continue
		}
		if isScalar(f.Type, api) {
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

// scalarCells are the text cells of the Go types that fit in one cell as themselves; the
// table in api/README.md ("Types") lists them.
var scalarCells = map[string]string{
	"string": "%s", "*string": "toolkit.Str(%s)",
	"int": "toolkit.Int(%s)", "int32": "toolkit.Int(%s)", "int64": "toolkit.Int(%s)",
	"*int": "toolkit.IntPtr(%s)", "*int32": "toolkit.IntPtr(%s)", "*int64": "toolkit.IntPtr(%s)",
	"float64": "toolkit.Num(%s)", "*float64": "toolkit.NumPtr(%s)",
	"float32": "toolkit.Num(float64(%s))", "*float32": "toolkit.Num32Ptr(%s)",
	"bool": "toolkit.Bool(%s)", "*bool": "toolkit.BoolPtr(%s)",
	"time.Time": "toolkit.Time(%s)", "*time.Time": "toolkit.TimePtr(%s)",
	"openapi_types.Date": "toolkit.Date(%s)", "*openapi_types.Date": "toolkit.DatePtr(%s)",
	"openapi_types.UUID": "%s.String()", "*openapi_types.UUID": "toolkit.TextPtr(%s)",
	"openapi_types.Email": "string(%s)", "*openapi_types.Email": "toolkit.Str((*string)(%s))",
	"[]string": "toolkit.Strings(%s)", "*[]string": "toolkit.StringsPtr(%s)",
}

// isScalar reports whether values of a Go type fit in a text cell as themselves (anything
// else is shown as JSON).
func isScalar(typ string, api *goAPI) bool {
	if _, ok := scalarCells[typ]; ok {
		return true
	}
	_, list, elem := api.shape(typ)
	return !list && (api.strEnum[elem] || api.intEnum[elem])
}

// cellExpr returns the expression formatting a value of Go type typ as a text cell: scalars as
// themselves, lists of scalars joined with ";", everything else (objects, JSONFields, lists
// of objects) as compact JSON.
func cellExpr(x, typ string, api *goAPI) string {
	if f, ok := scalarCells[typ]; ok {
		return fmt.Sprintf(f, x)
	}
	ptr, list, elem := api.shape(typ)
	switch {
	case list && (api.strEnum[elem] || api.intEnum[elem] || isScalar(elem, api)):
		if ptr {
			return "toolkit.List(toolkit.Value(" + x + "))"
		}
		return "toolkit.List(" + x + ")"
	case !list && api.strEnum[elem] && !ptr:
		return "toolkit.EnumText(" + x + ")"
	case !list && api.strEnum[elem]:
		return "toolkit.Str((*string)(" + x + "))"
	case !list && api.intEnum[elem] && !ptr:
		return "toolkit.Int(" + x + ")"
	case !list && api.intEnum[elem]:
		return "toolkit.IntPtr(" + x + ")"
	}
	return "toolkit.JSON(" + x + ")"
}

// qualify prefixes the package name to the generated-client types in a type expression:
// []X -> []janaapi.X, map[string]X -> map[string]janaapi.X.
func qualify(typ string) string {
	e, err := parser.ParseExpr(typ)
	if err != nil {
		return typ
	}
	var walk func(n ast.Expr) ast.Expr
	walk = func(n ast.Expr) ast.Expr {
		switch v := n.(type) {
		case *ast.Ident:
			if ast.IsExported(v.Name) {
				return &ast.SelectorExpr{X: ast.NewIdent("janaapi"), Sel: v}
			}
		case *ast.StarExpr:
			v.X = walk(v.X)
		case *ast.ArrayType:
			v.Elt = walk(v.Elt)
		case *ast.MapType:
			v.Key, v.Value = walk(v.Key), walk(v.Value)
		}
		return n
	}
	var b strings.Builder
	if err := printer.Fprint(&b, token.NewFileSet(), walk(e)); err != nil {
		return typ
	}
	return b.String()
}
