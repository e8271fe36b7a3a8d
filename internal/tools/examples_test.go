package tools_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// TestEveryToolHasAnExample: every tool of the catalogue has an example call in api/tools.yaml
// (its entry's examples, or the examples section for a hand-written tool), so the end-to-end
// tests call it, and every example names a tool of the catalogue.
func TestEveryToolHasAnExample(t *testing.T) {
	t.Parallel()
	called := testenv.CalledTools(testenv.Calls(t))
	var names []string
	for _, tool := range tools.All(&toolkit.Env{}) {
		names = append(names, tool.Name())
		if !slices.Contains(called, tool.Name()) {
			t.Errorf("%s has no example in api/tools.yaml (run make generate after adding one)", tool.Name())
		}
	}
	for _, n := range called {
		if !slices.Contains(names, n) {
			t.Errorf("gen/calls.gen.json calls %s, which is not in the catalogue", n)
		}
	}
}

// TestExamplesFitInputSchemas checks every example's arguments against the input schema the
// tool serves. For a generated tool the generator checked them already; for a hand-written
// one, whose schema comes from its Go input type, this is the check.
func TestExamplesFitInputSchemas(t *testing.T) {
	t.Parallel()
	list, err := tools.Listed(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*jsonschema.Resolved{}
	args := map[string]map[string]*jsonschema.Schema{}
	for _, tool := range list {
		raw, _ := json.Marshal(tool.InputSchema)
		var s jsonschema.Schema
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%s: input schema: %v", tool.Name, err)
		}
		rs, err := s.Resolve(nil)
		if err != nil {
			t.Fatalf("%s: input schema: %v", tool.Name, err)
		}
		schemas[tool.Name], args[tool.Name] = rs, s.Properties
	}
	for i, c := range testenv.Calls(t) {
		rs := schemas[c.Tool]
		if rs == nil {
			continue // TestEveryToolHasAnExample reports it
		}
		// Named explicitly: a schema that allows other properties would let a misspelt
		// argument through, and the tool would then refuse it.
		for name := range c.Arguments {
			if args[c.Tool][name] == nil {
				t.Errorf("call %d, %s: %q is not an argument of the tool", i+1, c.Tool, name)
			}
		}
		if err := rs.Validate(c.Arguments); err != nil {
			t.Errorf("call %d, %s %v: %v", i+1, c.Tool, c.Arguments, err)
		}
	}
}
