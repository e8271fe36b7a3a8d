package toolgen_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/toolgen"
)

// FuzzManifest parses arbitrary bytes as the tool manifest. It must never panic, and a
// manifest it accepts must list each entry's params once each in ParamOrder, which is what the
// generator walks: a param missing there would be dropped without a word.
func FuzzManifest(f *testing.F) {
	real, err := os.ReadFile(filepath.Join(testenv.RepoRoot(f), "api", "tools.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	one := "tools:\n  - name: a_tool\n    operation: op\n    title: T\n    description: D\n    source: openaq\n"
	for _, s := range []string{
		"", "~", "{", "[]", "tools: ~", "tools: [~]", "tools: {}", "tools: [1, 2]", "curated: {a: [b]}",
		"tools:\n  - name: a_tool\n---\ntools: []\n",
		"unknown: 1\n",
		one,
		one + "    params:\n      p: {}\n      q: {as: r}\n",
		one + "    params:\n      p: {}\n      p: {}\n",
		one + "    params:\n      p: {as: x}\n      q: {as: x}\n",
		one + "    params:\n      cursor: {}\n",
		one + "    params: [p, q]\n",
		one + "    params:\n      p: {value: 1}\n      q: {default: [1], minimum: 1, maximum: 2, enum: [a], required: true}\n",
		one + "    paging: true\n    params:\n      limit: {}\n",
		one + "    params: &p\n      p: {}\n  - name: b_tool\n    operation: op\n    title: T\n    description: D\n    params: *p\n",
		one + "    params: &p\n      p: {}\n      r: {}\n  - name: b_tool\n    operation: op\n    title: T\n    description: D\n    params:\n      <<: *p\n      q: {}\n      p: {as: x}\n",
		one + "    params: &p\n      p: {}\n  - name: b_tool\n    operation: op\n    title: T\n    description: D\n    params:\n      <<: [*p, {z: {}}]\n",
		one + "curated:\n  a_tool: [op]\n",
		one + "    examples:\n      - args: {p: 1, q: [a]}\n        text: [x]\n        keys: [k]\n      - args: ~\n        error: true\n",
		one + "examples:\n  a_tool: [{args: {}, text: [x]}]\n  b_tool: ~\n",
		"tools:\n  - &t\n    name: a_tool\n    operation: op\n    title: T\n    description: D\n  - *t\n",
		"a: &a [*a]\n",
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := toolgen.ParseManifest(data)
		if err != nil {
			return
		}
		for _, e := range m.Tools {
			order := slices.Clone(e.ParamOrder)
			slices.Sort(order)
			if len(slices.Compact(order)) != len(e.ParamOrder) {
				t.Fatalf("tool %q: params listed twice in ParamOrder %q", e.Name, e.ParamOrder)
			}
			for name := range e.Params {
				if !slices.Contains(e.ParamOrder, name) {
					t.Fatalf("tool %q: param %q is missing from ParamOrder %q", e.Name, name, e.ParamOrder)
				}
			}
			if len(e.ParamOrder) != len(e.Params) {
				t.Fatalf("tool %q: ParamOrder %q names params the entry does not have (%d)", e.Name, e.ParamOrder, len(e.Params))
			}
		}
	})
}
