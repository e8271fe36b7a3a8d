package drift_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/drift"
	"github.com/janaplatform/jana-mcp/internal/janaconfig"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// generatedUsers and curatedUsers send country_iso3.
var (
	generatedUsers = []string{"edgar_country_totals", "emissions_by_country", "emissions_by_sector"}
	curatedUsers   = []string{"get_emissions"}
)

// TestRenameIsCaughtBeforeUsers is the regenerate workflow against a backend that renamed
// country_iso3 to iso3 (the sandbox's rename mode):
//  1. `make drift` fails and names every affected tool and operation;
//  2. after `make schema`, `go generate` fails naming every manifest entry to fix;
//  3. once the manifest is fixed, generation passes and the compiler names the hand-written
//     code to fix. Nothing reaches run time.
func TestRenameIsCaughtBeforeUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates a copy of the repository")
	}
	t.Parallel()
	root := testenv.RepoRoot(t)
	sb := testenv.StartSandbox(t, sandbox.Config{RenameParams: map[string]string{"country_iso3": "iso3"}})
	cfg := testenv.Config(t, sb.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	live, err := drift.FetchSchema(ctx, janaconfig.From(cfg))
	if err != nil {
		t.Fatal(err)
	}
	rev := filepath.Join(t.TempDir(), "live.yaml")
	if err := os.WriteFile(rev, live, 0o644); err != nil {
		t.Fatal(err)
	}

	// 1. drift
	report, err := drift.Compare(ctx, options(root, rev))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	report.Write(&out)
	if !report.Failed() {
		t.Fatalf("drift did not fail:\n%s", out.String())
	}
	for _, tool := range append(generatedUsers, curatedUsers...) {
		if !strings.Contains(out.String(), "tool "+tool+" ") {
			t.Errorf("drift report does not name %s:\n%s", tool, out.String())
		}
	}
	if !strings.Contains(out.String(), "parameter country_iso3, which it sends, is gone (new parameters: iso3)") {
		t.Errorf("drift report does not say what changed:\n%s", out.String())
	}

	// 2. make schema && make generate
	repo := testenv.CopyRepo(t)
	if err := os.WriteFile(filepath.Join(repo, "api/openapi.yaml"), live, 0o644); err != nil {
		t.Fatal(err)
	}
	gen, err := testenv.Run(t, repo, 5*time.Minute, "go", "generate", "./...")
	if err == nil {
		t.Fatalf("go generate passed on the renamed schema:\n%s", gen)
	}
	for _, tool := range generatedUsers {
		if !strings.Contains(gen, `tool "`+tool+`"`) {
			t.Errorf("generation error does not name %s:\n%s", tool, gen)
		}
	}
	if !strings.Contains(gen, `parameter "country_iso3" is not a parameter`) || !strings.Contains(gen, "iso3") {
		t.Errorf("generation error does not say what to change:\n%s", gen)
	}

	// 3. fix the manifest as a developer would; the compiler then points at the curated tools.
	manifest := filepath.Join(repo, "api/tools.yaml")
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, []byte(strings.ReplaceAll(string(data), "      country_iso3:", "      iso3:")), 0o644); err != nil {
		t.Fatal(err)
	}
	if gen, err := testenv.Run(t, repo, 5*time.Minute, "go", "generate", "./..."); err != nil {
		t.Fatalf("go generate after fixing the manifest: %v\n%s", err, gen)
	}
	build, err := testenv.Run(t, repo, 5*time.Minute, "go", "build", "./...")
	if err == nil {
		t.Fatal("the hand-written tools still compile against the renamed client")
	}
	for _, file := range []string{"internal/tools/emissions.go"} {
		if !strings.Contains(build, file) || !strings.Contains(build, "CountryIso3") {
			t.Errorf("compile error does not point at %s:\n%s", file, build)
		}
	}
}

// TestNoDriftAgainstTheSandbox: the sandbox serves the committed schema, so drift is clean and
// `make schema` reproduces api/openapi.yaml byte for byte.
func TestNoDriftAgainstTheSandbox(t *testing.T) {
	t.Parallel()
	root := testenv.RepoRoot(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	live, err := drift.FetchSchema(ctx, janaconfig.From(testenv.Config(t, sb.URL, nil)))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join(root, "api/openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(live) != string(committed) {
		t.Error("the fetched schema differs from api/openapi.yaml")
	}
	rev := filepath.Join(t.TempDir(), "live.yaml")
	if err := os.WriteFile(rev, live, 0o644); err != nil {
		t.Fatal(err)
	}
	report, err := drift.Compare(ctx, options(root, rev))
	if err != nil {
		t.Fatal(err)
	}
	if report.Failed() || len(report.Unattributed) != 0 {
		var out strings.Builder
		report.Write(&out)
		t.Errorf("drift against an identical schema:\n%s", out.String())
	}
}

func options(root, revision string) drift.Options {
	return drift.Options{Base: filepath.Join(root, "api/openapi.yaml"), Revision: revision,
		Uses: filepath.Join(root, "gen/uses.gen.yaml"), Overlay: filepath.Join(root, "api/overlay.yaml"),
		SeverityLevels: filepath.Join(root, "api/oasdiff-levels.txt")}
}
