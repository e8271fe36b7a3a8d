package toolgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
)

// goAPI indexes the generated client package (gen/janaapi) from its source: struct fields by
// JSON or form name, string enum types, and client methods. Reading the code oapi-codegen
// actually wrote, rather than re-deriving its naming rules, keeps the bindings exact.
type goAPI struct {
	structs map[string]map[string]goField // type -> json/form name -> field
	strEnum map[string]bool               // named types whose underlying type is string
	intEnum map[string]bool               // named types whose underlying type is an integer
	methods map[string]*goMethod          // ClientWithResponses method name -> signature
	raw     map[string][]string           // Client method name -> its parameter types after ctx
	named   map[string]string             // named list and map types -> their type expression
}

type goField struct {
	Name string // Go field name
	Type string // Go type expression, e.g. *[]string, *time.Time, *openapi_types.Date
}

type goMethod struct {
	PathParams []goField // positional parameters after ctx
	ParamsType string    // "" when the operation has no query parameters
	Response   string    // e.g. V1EsgStatisticsRetrieveResponse
}

func loadGoAPI(dir string) (*goAPI, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.gen.go"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no generated client in %s (run oapi-codegen first): %v", dir, err)
	}
	api := &goAPI{structs: map[string]map[string]goField{}, strEnum: map[string]bool{}, intEnum: map[string]bool{}, named: map[string]string{}, methods: map[string]*goMethod{}, raw: map[string][]string{}}
	aliases := map[string]string{}
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", f, err)
		}
		for _, decl := range file.Decls {
			switch d := decl.(type) {
			case *ast.GenDecl:
				api.addTypes(fset, d, aliases)
			case *ast.FuncDecl:
				api.addMethod(fset, d)
			}
		}
	}
	// A type alias (oapi-codegen writes some) is its target.
	for name, target := range aliases {
		for range 8 { // follow alias chains, not cycles
			if next, ok := aliases[target]; ok {
				target = next
			}
		}
		if st, ok := api.structs[target]; ok {
			api.structs[name] = st
		}
		api.strEnum[name] = api.strEnum[name] || api.strEnum[target] || target == "string"
		api.intEnum[name] = api.intEnum[name] || api.intEnum[target]
		if strings.HasPrefix(target, "[]") || strings.HasPrefix(target, "map[") {
			api.named[name] = target
		} else if t, ok := api.named[target]; ok {
			api.named[name] = t
		}
	}
	return api, nil
}

func (a *goAPI) addTypes(fset *token.FileSet, d *ast.GenDecl, aliases map[string]string) {
	for _, spec := range d.Specs {
		ts, ok := spec.(*ast.TypeSpec)
		if !ok {
			continue
		}
		if ts.Assign.IsValid() {
			aliases[ts.Name.Name] = exprString(fset, ts.Type)
			continue
		}
		switch t := ts.Type.(type) {
		case *ast.Ident:
			switch t.Name {
			case "string":
				a.strEnum[ts.Name.Name] = true
			case "int", "int32", "int64":
				a.intEnum[ts.Name.Name] = true
			}
		case *ast.ArrayType, *ast.MapType:
			a.named[ts.Name.Name] = exprString(fset, ts.Type)
		case *ast.StructType:
			fields := map[string]goField{}
			for _, f := range t.Fields.List {
				if len(f.Names) != 1 {
					continue
				}
				if f.Tag == nil {
					// Untagged fields (JSON200, HTTPResponse, ...) are found by Go name.
					fields["go:"+f.Names[0].Name] = goField{Name: f.Names[0].Name, Type: exprString(fset, f.Type)}
					continue
				}
				tag := reflect.StructTag(strings.Trim(f.Tag.Value, "`"))
				name := tagName(tag.Get("json"))
				if form := tagName(tag.Get("form")); form != "" {
					name = form
				}
				if name != "" && name != "-" {
					fields[name] = goField{Name: f.Names[0].Name, Type: exprString(fset, f.Type)}
				}
			}
			a.structs[ts.Name.Name] = fields
		}
	}
}

func (a *goAPI) addMethod(fset *token.FileSet, d *ast.FuncDecl) {
	if d.Recv == nil || len(d.Recv.List) != 1 {
		return
	}
	if exprString(fset, d.Recv.List[0].Type) == "*Client" {
		var params []string
		for i, p := range d.Type.Params.List {
			if i == 0 {
				continue // ctx
			}
			for range max(len(p.Names), 1) {
				params = append(params, exprString(fset, p.Type))
			}
		}
		a.raw[d.Name.Name] = params
		return
	}
	if exprString(fset, d.Recv.List[0].Type) != "*ClientWithResponses" {
		return
	}
	if !strings.HasSuffix(d.Name.Name, "WithResponse") || strings.HasSuffix(d.Name.Name, "WithBodyWithResponse") {
		return
	}
	m := &goMethod{}
	for i, p := range d.Type.Params.List {
		typ := exprString(fset, p.Type)
		switch {
		case i == 0 || strings.HasPrefix(typ, "..."):
			// ctx, reqEditors
		case strings.HasSuffix(typ, "Params") && strings.HasPrefix(typ, "*"):
			m.ParamsType = strings.TrimPrefix(typ, "*")
		default:
			for _, n := range p.Names {
				m.PathParams = append(m.PathParams, goField{Name: n.Name, Type: typ})
			}
		}
	}
	if res := d.Type.Results; res != nil && len(res.List) > 0 {
		m.Response = strings.TrimPrefix(exprString(fset, res.List[0].Type), "*")
	}
	a.methods[d.Name.Name] = m
}

// shape splits a generated-client type into pointer (optional), list and item, seeing through
// named list types.
func (a *goAPI) shape(goType string) (ptr, list bool, elem string) {
	elem = goType
	ptr = strings.HasPrefix(elem, "*")
	elem = strings.TrimPrefix(elem, "*")
	if t, ok := a.named[elem]; ok && strings.HasPrefix(t, "[]") {
		elem = t
	}
	list = strings.HasPrefix(elem, "[]")
	return ptr, list, strings.TrimPrefix(elem, "[]")
}

func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	return name
}

func exprString(fset *token.FileSet, e ast.Expr) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, fset, e)
	return b.String()
}

// goName is oapi-codegen's name for an operationId (its default ToCamelCase).
func goName(operationID string) string {
	var b strings.Builder
	up := true
	for _, r := range operationID {
		if r == '_' || r == '-' || r == ' ' || r == '.' {
			up = true
			continue
		}
		if up {
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
