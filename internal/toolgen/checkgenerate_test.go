package toolgen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// TestCheckGenerate: `make check-generate` passes on the repository as it is, and fails — naming
// the file — after a hand edit to gen/ or a change to api/openapi.yaml without regenerating.
func TestCheckGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates a copy of the repository")
	}
	t.Parallel()
	repo := testenv.CopyRepo(t)
	check := func() (string, error) {
		return testenv.Run(t, repo, 5*time.Minute, "bash", "scripts/check-generate.sh")
	}
	if out, err := check(); err != nil {
		t.Fatalf("check-generate fails on the repository as committed: %v\n%s", err, out)
	}

	client := filepath.Join(repo, "gen/janaapi/client.gen.go")
	edit(t, client, func(s string) string { return s + "\n// a hand edit\n" })
	out, err := check()
	if err == nil || !strings.Contains(out, "client.gen.go") || !strings.Contains(out, "Never edit gen/ by hand") {
		t.Errorf("a hand edit to gen/ was not caught (err %v):\n%s", err, out)
	}

	schema := filepath.Join(repo, "api/openapi.yaml")
	edit(t, schema, func(s string) string {
		return strings.Replace(s, "description: Only sensors of this location.", "description: Only the sensors of this location.", 1)
	})
	out, err = check()
	if err == nil || !strings.Contains(out, "gen/janaapi") {
		t.Errorf("a schema change without regenerating was not caught (err %v):\n%s", err, out)
	}
	if out, err := check(); err != nil {
		t.Errorf("after regenerating, check-generate still fails: %v\n%s", err, out)
	}
}

func edit(t *testing.T, path string, f func(string) string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := f(string(data))
	if changed == string(data) {
		t.Fatalf("edit of %s changed nothing", path)
	}
	if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
}
