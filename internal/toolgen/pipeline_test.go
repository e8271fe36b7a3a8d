package toolgen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// TestAdapterRolesFromTheManifest: the operations the adapter calls for itself are named once,
// in api/tools.yaml's adapter section. When the backend renames its sign-in operation and drops
// its health operation, generation names the roles to fix (and the operation like the old one);
// after one edit per role the generated tools and the adapter build, the adapter signs in through
// the renamed operation and readiness does without health (testdata/adapter); only the
// hand-written tool that calls the health operation itself no longer builds.
func TestAdapterRolesFromTheManifest(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and builds a copy of the repository")
	}
	t.Parallel()
	root := testenv.RepoRoot(t)
	repo := testenv.CopyRepo(t)
	edit(t, filepath.Join(repo, "api/openapi.yaml"), func(s string) string {
		s = strings.Replace(s, "operationId: auth_login_create", "operationId: auth_token_create", 1)
		start := strings.Index(s, "  /api/v1/esg/health/:\n")
		end := strings.Index(s, "  /api/v1/esg/locations/:\n")
		return s[:start] + s[end:]
	})
	out, err := testenv.Run(t, repo, 10*time.Minute, "go", "generate", "./gen/")
	if err == nil {
		t.Fatalf("generation passed with the manifest naming operations the schema lacks:\n%s", out)
	}
	for _, want := range []string{`adapter.login: operation "auth_login_create" is not in the schema`, "auth_token_create (POST /api/auth/login/)",
		`adapter.health: operation "v1_esg_health_retrieve" is not in the schema`} {
		if !strings.Contains(out, want) {
			t.Errorf("generation's error lacks %q:\n%s", want, out)
		}
	}

	edit(t, filepath.Join(repo, "api/tools.yaml"), func(s string) string {
		s = strings.Replace(s, "  login: auth_login_create\n", "  login: auth_token_create\n", 1)
		return strings.Replace(s, "  health: v1_esg_health_retrieve\n", "", 1)
	})
	edit(t, filepath.Join(repo, "api/tools.yaml"), func(s string) string { // the hand-written tool's declaration
		return strings.Replace(s, "    v1_esg_health_retrieve: {}\n", "", 1)
	})
	if out, err := testenv.Run(t, repo, 10*time.Minute, "go", "generate", "./gen/"); err != nil {
		t.Fatalf("go generate after the edits: %v\n%s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(repo, "internal/jana/adaptertest"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(root, "internal/toolgen/testdata/adapter/adapter_test.go.txt"), filepath.Join(repo, "internal/jana/adaptertest/adapter_test.go"))
	if out, err := testenv.Run(t, repo, 15*time.Minute, "go", "build", "./gen/...", "./internal/jana/", "./internal/toolkit/"); err != nil {
		t.Fatalf("the generated code or the adapter does not build: %v\n%s", err, out)
	}
	if out, err := testenv.Run(t, repo, 15*time.Minute, "go", "test", "-count=1", "./internal/jana/adaptertest/"); err != nil {
		t.Fatalf("the adapter over the renamed operations: %v\n%s", err, out)
	}
	out, err = testenv.Run(t, repo, 15*time.Minute, "go", "build", "./internal/tools/")
	if err == nil || !strings.Contains(out, "internal/tools/health.go") || !strings.Contains(out, "V1EsgHealthRetrieve") {
		t.Errorf("the hand-written tool calling the health operation should be what fails to build (err %v):\n%s", err, out)
	}
}

// TestRemovingToolsRegeneratesInOneRun: after manifest entries are deleted — one whose file
// sorts before the directive's, one after (platform_statistics.gen.go used to fail the run with
// "no such file or directory") — one `make generate` removes their files and passes, the
// repository builds, and a second run changes nothing.
func TestRemovingToolsRegeneratesInOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates a copy of the repository")
	}
	t.Parallel()
	repo := testenv.CopyRepo(t)
	// Files as this generator writes them, before the entries go.
	if out, err := testenv.Run(t, repo, 10*time.Minute, "make", "generate"); err != nil {
		t.Fatalf("make generate: %v\n%s", err, out)
	}
	removed := []string{"platform_statistics", "air_quality_country_totals"}
	edit(t, filepath.Join(repo, "api/tools.yaml"), func(s string) string {
		for _, name := range removed {
			start := strings.Index(s, "  - name: "+name+"\n")
			end := strings.Index(s[start+1:], "\n  - name: ")
			if end < 0 {
				end = strings.Index(s[start+1:], "\n# Hand-written tools")
			}
			s = s[:start] + s[start+1+end+1:]
		}
		return s
	})
	if out, err := testenv.Run(t, repo, 10*time.Minute, "make", "generate"); err != nil {
		t.Fatalf("make generate after removing tools: %v\n%s", err, out)
	}
	for _, name := range removed {
		if _, err := os.Stat(filepath.Join(repo, "gen/mcptools", name+".gen.go")); !os.IsNotExist(err) {
			t.Errorf("%s.gen.go is still there (%v)", name, err)
		}
	}
	if out, err := testenv.Run(t, repo, 15*time.Minute, "go", "build", "./..."); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := testenv.Run(t, repo, 10*time.Minute, "bash", "scripts/check-generate.sh"); err != nil {
		t.Errorf("a second run changed gen/: %v\n%s", err, out)
	}
}
