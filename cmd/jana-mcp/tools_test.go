package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/janaplatform/jana-mcp/internal/tools"
)

// catalogue is every tool and its argument names, as tools/list shows them.
func catalogue(t *testing.T) map[string][]string {
	t.Helper()
	list, err := tools.Listed(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tool := range list {
		data, _ := json.Marshal(tool.InputSchema)
		var s struct {
			Properties map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		out[tool.Name] = slices.Sorted(maps.Keys(s.Properties))
	}
	return out
}

func runTools(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(t.Context(), append([]string{"tools"}, args...), func(string) string { return "" }, &out, &out)
	return out.String(), err
}

// TestToolsCommandListsTheCatalogue: `jana-mcp tools` shows every tool with each of its
// arguments, and --json says the same in a form that parses.
func TestToolsCommandListsTheCatalogue(t *testing.T) {
	t.Parallel()
	want := catalogue(t)
	if len(want) == 0 {
		t.Fatal("empty catalogue")
	}

	text, err := runTools(t)
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string]string{}
	for _, block := range strings.Split(text, "\n\n") {
		name, _, _ := strings.Cut(block, " — ")
		blocks[name] = block
	}
	for name, args := range want {
		block, ok := blocks[name]
		if !ok {
			t.Errorf("the text lacks %s", name)
			continue
		}
		if !strings.Contains(block, "\n  toolsets: ") {
			t.Errorf("%s: no toolsets line:\n%s", name, block)
		}
		for _, a := range args {
			if !strings.Contains(block, "\n    "+a+" ") {
				t.Errorf("%s: argument %s missing:\n%s", name, a, block)
			}
		}
		if len(args) == 0 && !strings.Contains(block, "no arguments") {
			t.Errorf("%s: says nothing of its arguments:\n%s", name, block)
		}
	}
	if len(blocks) != len(want) {
		t.Errorf("the text has %d tools, the catalogue %d", len(blocks), len(want))
	}

	out, err := runTools(t, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var refs []tools.Reference
	if err := json.Unmarshal([]byte(out), &refs); err != nil {
		t.Fatalf("--json does not parse: %v\n%.500s", err, out)
	}
	got := map[string][]string{}
	for _, r := range refs {
		got[r.Name] = []string{}
		for _, a := range r.Arguments {
			got[r.Name] = append(got[r.Name], a.Name)
			if a.Type == "" {
				t.Errorf("%s.%s has no type", r.Name, a.Name)
			}
		}
		if r.Title == "" || r.Description == "" || len(r.Toolsets) == 0 {
			t.Errorf("%s: title %q, toolsets %v, description %q", r.Name, r.Title, r.Toolsets, r.Description)
		}
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("--json tools and arguments (-catalogue +json):\n%s", diff)
	}
}

// TestToolsCommandToolset: --toolset takes MCP_TOOLSETS' names, and an unknown one is refused
// with the names that exist.
func TestToolsCommandToolset(t *testing.T) {
	t.Parallel()
	for _, ts := range tools.Toolsets {
		out, err := runTools(t, "--json", "--toolset", ts.Name)
		if err != nil {
			t.Fatal(err)
		}
		var refs []tools.Reference
		if err := json.Unmarshal([]byte(out), &refs); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range refs {
			names = append(names, r.Name)
			if !slices.Contains(r.Toolsets, ts.Name) {
				t.Errorf("--toolset %s lists %s, whose toolsets are %v", ts.Name, r.Name, r.Toolsets)
			}
		}
		if diff := cmp.Diff(slices.Sorted(slices.Values(ts.Tools)), slices.Sorted(slices.Values(names))); diff != "" {
			t.Errorf("--toolset %s (-toolset +listed):\n%s", ts.Name, diff)
		}
	}
	out, err := runTools(t, "--toolset", "emissions,weather")
	if err != nil || !strings.Contains(out, "storm_events — ") || !strings.Contains(out, "get_emissions — ") || strings.Contains(out, "get_station — ") {
		t.Errorf("--toolset emissions,weather: %v\n%.300s", err, out)
	}
	if _, err := runTools(t, "--toolset", "airquality"); err == nil || !strings.Contains(err.Error(), "air_quality") {
		t.Errorf("an unknown toolset: %v", err)
	}
}
