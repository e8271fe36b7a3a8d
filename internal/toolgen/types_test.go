package toolgen_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// TestEveryTypeAsArgumentAndField is api/README.md's "Types" table, row by row: in a copy of
// the repository whose schema has a parameter and a field of every type drf-spectacular emits
// (testdata/types), `go generate` writes the tools, and testdata/types/types_test.go.txt, copied
// next to them, calls them over MCP against a stand-in Jana, checking what each argument sends
// and what each field shows. Every row of the table must have passed.
func TestEveryTypeAsArgumentAndField(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and builds a copy of the repository")
	}
	t.Parallel()
	root := testenv.RepoRoot(t)
	rows := typeRows(t, filepath.Join(root, "api/README.md"))
	if len(rows) < 20 {
		t.Fatalf("api/README.md's Types table has %d rows", len(rows))
	}
	repo := testenv.CopyRepo(t)
	copyFile(t, filepath.Join(root, "internal/toolgen/testdata/types/openapi.yaml"), filepath.Join(repo, "api/openapi.yaml"))
	copyFile(t, filepath.Join(root, "internal/toolgen/testdata/types/tools.yaml"), filepath.Join(repo, "api/tools.yaml"))
	if out, err := testenv.Run(t, repo, 10*time.Minute, "go", "generate", "./gen/"); err != nil {
		t.Fatalf("go generate: %v\n%s", err, out)
	}
	copyFile(t, filepath.Join(root, "internal/toolgen/testdata/types/types_test.go.txt"), filepath.Join(repo, "gen/mcptools/types_test.go"))
	out, err := testenv.Run(t, repo, 15*time.Minute, "go", "test", "-count=1", "-run", "TestTypes", "-v", "./gen/mcptools/")
	if err != nil {
		t.Fatalf("the generated tools fail:\n%s", out)
	}
	for _, row := range rows {
		if !strings.Contains(out, "--- PASS: TestTypes/"+row+" ") {
			t.Errorf("row %q of api/README.md's Types table has no passing test:\n%s", row, out)
		}
	}
}

// typeRows reads the row names (first column) of api/README.md's Types table.
func typeRows(t *testing.T, readme string) []string {
	t.Helper()
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Types\n")
	if !ok {
		t.Fatal("api/README.md has no Types section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var rows []string
	row := regexp.MustCompile("^\\| `([a-z0-9-]+)` \\|")
	for _, line := range strings.Split(section, "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			rows = append(rows, m[1])
		}
	}
	return rows
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
