package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/mcptools"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// TestArgumentsCheckedOnce: every tool's arguments are validated by the toolkit's checker
// alone, none by the JSON Schema library as well. A schema keyword the checker does not
// enforce would put that tool on the slower path (and this test names it).
func TestArgumentsCheckedOnce(t *testing.T) {
	t.Parallel()
	for _, tool := range tools.All(&toolkit.Env{}) {
		if !tool.ArgumentsChecked() {
			t.Errorf("%s: its input schema uses a keyword or a type that toolkit's checker does not enforce (see checkedProperty)", tool.Name())
		}
	}
}

func listed(t *testing.T) []*mcp.Tool {
	t.Helper()
	list, err := tools.Listed(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// snapshot is what a model sees of a tool.
type snapshot struct {
	Name         string               `json:"name"`
	Title        string               `json:"title,omitempty"`
	Description  string               `json:"description"`
	InputSchema  any                  `json:"inputSchema"`
	OutputSchema any                  `json:"outputSchema"`
	Annotations  *mcp.ToolAnnotations `json:"annotations,omitempty"`
}

// TestToolSnapshots compares every tool with its committed snapshot in testdata/snapshots, so
// that a change to what models see is reviewed like an API change. UPDATE_SNAPSHOTS=1 (make
// snapshots) rewrites them.
func TestToolSnapshots(t *testing.T) {
	dir := filepath.Join("testdata", "snapshots")
	update := os.Getenv("UPDATE_SNAPSHOTS") == "1"
	want := map[string]bool{}
	for _, tool := range listed(t) {
		want[tool.Name+".json"] = true
		got, err := json.MarshalIndent(snapshot{tool.Name, tool.Title, tool.Description, tool.InputSchema, tool.OutputSchema, tool.Annotations}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join(dir, tool.Name+".json")
		if update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s has no snapshot (run `make snapshots` and commit %s): %v", tool.Name, path, err)
			continue
		}
		if !bytes.Equal(old, got) {
			t.Errorf("%s changed what models see; review, then run `make snapshots` and commit. (-snapshot +now)\n%s",
				tool.Name, cmp.Diff(string(old), string(got)))
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		if !want[filepath.Base(f)] {
			if update {
				_ = os.Remove(f)
			} else {
				t.Errorf("snapshot %s has no tool any more (run `make snapshots`)", f)
			}
		}
	}
}

var snake = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// TestInventory checks every tool against the rules clients and models need: short unique
// snake_case names, a title and description, read-only annotations, and a portable schema.
func TestInventory(t *testing.T) {
	t.Parallel()
	list := listed(t)
	if len(list) < 14 {
		t.Fatalf("only %d tools", len(list))
	}
	seen := map[string]bool{}
	for _, tool := range list {
		t.Run(tool.Name, func(t *testing.T) {
			if seen[tool.Name] {
				t.Error("duplicate name")
			}
			seen[tool.Name] = true
			if len(tool.Name) > 40 || !snake.MatchString(tool.Name) {
				t.Errorf("name %q: snake_case, at most 40 characters (Cursor drops server+tool names over ~60)", tool.Name)
			}
			if tool.Title == "" || len(tool.Description) < 80 {
				t.Errorf("title %q / description too thin for a model: %q", tool.Title, tool.Description)
			}
			a := tool.Annotations
			if a == nil || !a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint || !a.IdempotentHint {
				t.Errorf("annotations must say read-only, non-destructive, idempotent: %+v", a)
			}
			portable(t, tool.Name, tool.InputSchema)
		})
	}
	for _, name := range []string{"get_air_quality", "get_trends"} {
		d := describe(list, name)
		if !strings.Contains(d, "OpenAQ") || !strings.Contains(d, "PM2.5") {
			t.Errorf("%s's description must name OpenAQ and PM2.5", name)
		}
	}
	d := describe(list, "get_emissions")
	if !strings.Contains(d, "Climate TRACE") || !strings.Contains(d, "EDGAR") {
		t.Error("get_emissions' description must name Climate TRACE and EDGAR")
	}
}

func describe(list []*mcp.Tool, name string) string {
	for _, tool := range list {
		if tool.Name == name {
			return tool.Description
		}
	}
	return ""
}

// portable: an object at the top, no $ref/$defs clients cannot resolve, no "null" types or
// type lists some clients reject, every property described.
func portable(t *testing.T, tool string, schema any) {
	t.Helper()
	data, _ := json.Marshal(schema)
	var top map[string]any
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatalf("schema is not an object: %s", data)
	}
	if top["type"] != "object" {
		t.Errorf("top-level type is %v, want object", top["type"])
	}
	for _, bad := range []string{`"$ref"`, `"$defs"`, `"definitions"`, `"null"`, `"oneOf"`, `"anyOf"`} {
		if bytes.Contains(data, []byte(bad)) {
			t.Errorf("schema uses %s: %s", bad, data)
		}
	}
	props, _ := top["properties"].(map[string]any)
	for name, p := range props {
		prop, _ := p.(map[string]any)
		if _, isList := prop["type"].([]any); isList {
			t.Errorf("%s.%s has a list of types", tool, name)
		}
		if d, _ := prop["description"].(string); d == "" {
			t.Errorf("%s.%s has no description", tool, name)
		}
		bounded(t, tool+"."+name, name, prop)
	}
}

// bounded: no argument can carry unbounded input to Jana's query string. Every string has a
// length bound (or an enum), every array an item bound with bounded items, and every country
// code a pattern.
func bounded(t *testing.T, where, name string, prop map[string]any) {
	t.Helper()
	switch prop["type"] {
	case "string":
		_, hasMax := prop["maxLength"]
		_, hasEnum := prop["enum"]
		if !hasMax && !hasEnum {
			t.Errorf("%s: string without maxLength or enum", where)
		}
		if strings.Contains(name, "country") {
			if _, ok := prop["pattern"]; !ok {
				t.Errorf("%s: country code without a pattern", where)
			}
		}
	case "array":
		if _, ok := prop["maxItems"]; !ok {
			t.Errorf("%s: array without maxItems", where)
		}
		items, _ := prop["items"].(map[string]any)
		if items == nil {
			t.Errorf("%s: array without an items schema", where)
			return
		}
		bounded(t, where+"[]", name, items)
	}
}

// TestCuratedOperationsDeclared: api/tools.yaml's curated section (which `make drift` uses to
// name the tools a backend change breaks) lists every hand-written tool.
func TestCuratedOperationsDeclared(t *testing.T) {
	t.Parallel()
	ops := mcptools.Operations()
	for _, tool := range listed(t) {
		if len(ops[tool.Name]) == 0 {
			t.Errorf("%s calls no declared operation: add it to api/tools.yaml (curated) and run make generate", tool.Name)
		}
	}
	for name := range ops {
		if !slices.ContainsFunc(listed(t), func(tool *mcp.Tool) bool { return tool.Name == name }) {
			t.Errorf("api/tools.yaml declares %s, which is not served", name)
		}
	}
}
