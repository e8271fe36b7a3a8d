package toolgen_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// TestLargeSchemaGeneratesAndBuilds: a schema the size of a large drf-spectacular project — 100
// model viewsets of 6 operations each, 600 operations, with the quirks of the corpus repeated
// across them (shared choice sets under hashed names, nullable choices, blankable URLs,
// JSONFields, split request components) — generates and builds, with tools over some of its
// operations. It logs how long each step took (issue 13 asks ≤ 90 s on the 2-core CI machine;
// measure with `go test -run TestLargeSchemaGeneratesAndBuilds -v ./internal/toolgen/`); it
// asserts no time, which a busy machine would break.
func TestLargeSchemaGeneratesAndBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and builds a 600-operation client")
	}
	t.Parallel()
	resources := 100
	if n, err := strconv.Atoi(os.Getenv("JANA_LARGE_RESOURCES")); err == nil && n > 0 {
		resources = n
	}
	repo := testenv.CopyRepo(t)
	schema, err := json.MarshalIndent(largeSchema(resources), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "api/openapi.yaml"), schema, 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := "tools:\n"
	for _, i := range []int{0, resources / 2, resources - 1} {
		manifest += fmt.Sprintf(`  - name: things_%[1]d
    operation: things%[1]d_list
    title: Things %[1]d
    description: The things of kind %[1]d.
    paging: true
    params:
      status: {}
      search: {}
      created__gte: {as: created_from}
    result:
      rows: results
      fields: [id, name, status, kind, website, ratio, created, owner.name, metadata]
  - name: thing_%[1]d
    operation: things%[1]d_retrieve
    title: A thing %[1]d
    description: One thing of kind %[1]d.
    params:
      id: {as: thing_id}
    result:
      flatten: [owner]
`, i)
	}
	if err := os.WriteFile(filepath.Join(repo, "api/tools.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	// The generator itself is built first, so that the timings are of generating and building.
	if out, err := testenv.Run(t, repo, 10*time.Minute, "go", "build", "-o", filepath.Join(t.TempDir(), "toolgen"), "./cmd/jana-mcp-toolgen"); err != nil {
		t.Fatalf("building the generator: %v\n%s", err, out)
	}
	start := time.Now()
	if out, err := testenv.Run(t, repo, 20*time.Minute, "go", "generate", "./gen/"); err != nil {
		t.Fatalf("go generate: %v\n%s", err, out)
	}
	generated := time.Since(start)
	start = time.Now()
	if out, err := testenv.Run(t, repo, 30*time.Minute, "go", "build", "./gen/..."); err != nil {
		t.Fatalf("go build ./gen/...: %v\n%s", err, out)
	}
	built := time.Since(start)
	var size int64
	files, _ := filepath.Glob(filepath.Join(repo, "gen/janaapi/*.gen.go"))
	for _, f := range files {
		if info, err := os.Stat(f); err == nil {
			size += info.Size()
		}
	}
	t.Logf("%d operations: go generate %s, go build ./gen/... %s (%d MB of client code)",
		resources*6, generated.Round(100*time.Millisecond), built.Round(100*time.Millisecond), size>>20)
}

// largeSchema is a drf-spectacular schema of n model viewsets (list, create, retrieve, update,
// partial_update, destroy), as COMPONENT_SPLIT_REQUEST and postprocess_schema_enums write them.
func largeSchema(n int) map[string]any {
	str := map[string]any{"type": "string"}
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	content := func(s any) map[string]any {
		return map[string]any{"application/json": map[string]any{"schema": s}}
	}
	schemas := map[string]any{
		"BlankEnum": map[string]any{"enum": []any{""}},
		"NullEnum":  map[string]any{"enum": []any{nil}},
		"Owner": map[string]any{"type": "object", "required": []any{"id", "name"}, "properties": map[string]any{
			"id": map[string]any{"type": "integer", "readOnly": true}, "name": str,
			"email": map[string]any{"type": "string", "format": "email"}}},
	}
	paths := map[string]any{}
	for i := range n {
		name := fmt.Sprintf("Thing%d", i)
		// Every fourth viewset shares a status choice set with the next, so hashed names appear.
		hash := fmt.Sprintf("%03x", 0xa00+i/4)
		status := "Status" + strings.ToUpper(hash[:1]) + hash[1:] + "Enum"
		schemas[status] = map[string]any{"type": "string", "enum": []any{"new", "active", fmt.Sprintf("retired%d", i/4)}}
		kind := fmt.Sprintf("Kind%dEnum", i)
		schemas[kind] = map[string]any{"type": "string", "enum": []any{"a", "b", "c"}}
		props := map[string]any{
			"id":       map[string]any{"type": "integer", "readOnly": true},
			"name":     map[string]any{"type": "string", "maxLength": 200},
			"slug":     map[string]any{"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
			"status":   ref(status),
			"kind":     map[string]any{"nullable": true, "oneOf": []any{ref(kind), ref("BlankEnum"), ref("NullEnum")}},
			"website":  map[string]any{"oneOf": []any{map[string]any{"type": "string", "format": "uri"}, map[string]any{"type": "string", "maxLength": 0}}},
			"ratio":    map[string]any{"type": "number", "format": "double", "nullable": true},
			"amount":   map[string]any{"type": "string", "format": "decimal", "pattern": `^-?\d{0,10}(?:\.\d{0,2})?$`},
			"created":  map[string]any{"type": "string", "format": "date-time", "readOnly": true},
			"due":      map[string]any{"type": "string", "format": "date", "nullable": true},
			"uid":      map[string]any{"type": "string", "format": "uuid", "readOnly": true},
			"owner":    ref("Owner"),
			"tags":     map[string]any{"type": "array", "items": str},
			"metadata": map[string]any{},
		}
		required := []any{"id", "name", "slug", "status", "created", "uid", "owner", "tags", "metadata", "kind", "website", "amount"}
		schemas[name] = map[string]any{"type": "object", "properties": props, "required": required}
		request := map[string]any{}
		for k, v := range props {
			if k != "id" && k != "created" && k != "uid" && k != "owner" {
				request[k] = v
			}
		}
		schemas[name+"Request"] = map[string]any{"type": "object", "properties": request, "required": []any{"name", "slug"}}
		schemas["Patched"+name+"Request"] = map[string]any{"type": "object", "properties": request}
		schemas["Paginated"+name+"List"] = map[string]any{"type": "object", "required": []any{"count", "results"}, "properties": map[string]any{
			"count":    map[string]any{"type": "integer", "example": 123},
			"next":     map[string]any{"type": "string", "nullable": true, "format": "uri"},
			"previous": map[string]any{"type": "string", "nullable": true, "format": "uri"},
			"results":  map[string]any{"type": "array", "items": ref(name)},
		}}
		op := fmt.Sprintf("things%d", i)
		query := func(name string, s any) map[string]any {
			return map[string]any{"in": "query", "name": name, "schema": s}
		}
		id := map[string]any{"in": "path", "name": "id", "required": true, "schema": map[string]any{"type": "integer"}}
		ok := func(s any) map[string]any {
			return map[string]any{"200": map[string]any{"content": content(s), "description": ""}}
		}
		body := func(s string) map[string]any { return map[string]any{"content": content(ref(s)), "required": true} }
		paths[fmt.Sprintf("/api/v1/things%d/", i)] = map[string]any{
			"get": map[string]any{"operationId": op + "_list", "parameters": []any{
				query("page", map[string]any{"type": "integer"}), query("page_size", map[string]any{"type": "integer"}),
				query("search", str), query("ordering", map[string]any{"type": "string", "enum": []any{"name", "-name", "created", "-created"}}),
				query("status", ref(status)), query("created__gte", map[string]any{"type": "string", "format": "date-time"}),
				query("tags", map[string]any{"type": "array", "items": str}),
			}, "responses": ok(ref("Paginated" + name + "List"))},
			"post": map[string]any{"operationId": op + "_create", "requestBody": body(name + "Request"),
				"responses": map[string]any{"201": map[string]any{"content": content(ref(name)), "description": ""}}},
		}
		paths[fmt.Sprintf("/api/v1/things%d/{id}/", i)] = map[string]any{
			"get":    map[string]any{"operationId": op + "_retrieve", "parameters": []any{id}, "responses": ok(ref(name))},
			"put":    map[string]any{"operationId": op + "_update", "parameters": []any{id}, "requestBody": body(name + "Request"), "responses": ok(ref(name))},
			"patch":  map[string]any{"operationId": op + "_partial_update", "parameters": []any{id}, "requestBody": map[string]any{"content": content(ref("Patched" + name + "Request"))}, "responses": ok(ref(name))},
			"delete": map[string]any{"operationId": op + "_destroy", "parameters": []any{id}, "responses": map[string]any{"204": map[string]any{"description": "No response body"}}},
		}
	}
	return map[string]any{"openapi": "3.0.3", "info": map[string]any{"title": "large", "version": "1.0.0"},
		"paths": paths, "components": map[string]any{"schemas": schemas}}
}
