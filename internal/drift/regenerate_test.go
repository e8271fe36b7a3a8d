package drift_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// TestRegenerate is `make regenerate` as a backend developer runs it, against a sandbox whose
// schema needs a sign-in and which renamed budget_version to release:
//  1. with a JWT sign-in (JANA_EMAIL/JANA_PASSWORD): the schema is fetched, the report names the
//     two tools that send budget_version, generation fails naming both manifest entries, and it
//     says what to do; nothing secret is printed;
//  2. the developer renames the parameter in api/tools.yaml and the sandbox code the build names,
//     and runs it again with a DRF token (JANA_TOKEN): it regenerates, builds, refreshes the
//     snapshots and the README, and says the argument users see is renamed and what to commit.
func TestRegenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates and builds a copy of the repository")
	}
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{PrivateSchema: true, RenameParams: map[string]string{"budget_version": "release"}})
	repo := testenv.CopyRepo(t)
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@jana.example", "commit", "-q", "-m", "copy"}} {
		if out, err := testenv.Run(t, repo, time.Minute, "git", args...); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run := func(env ...string) (string, error) {
		t.Helper()
		return runWithEnv(t, repo, append([]string{"JANA_BACKEND_URL=" + sb.URL}, env...), "make", "regenerate")
	}

	out, err := run("JANA_EMAIL=demo@jana.example", "JANA_PASSWORD=demo-password")
	if err == nil {
		t.Fatalf("regenerate passed though the manifest sends a parameter Jana renamed:\n%s", out)
	}
	for _, want := range []string{
		"signed in as demo@jana.example with a JWT",
		"tool gcp_national_emissions (generated, api/tools.yaml)",
		"tool gcp_carbon_budget (generated, api/tools.yaml)",
		"parameter budget_version, which it sends, is gone (new parameters: release)",
		`tool "gcp_national_emissions" (operation v1_data_sources_gcp_national_emissions_list): parameter "budget_version" is not a parameter`,
		`tool "gcp_carbon_budget"`,
		"Generation failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("first run: the output lacks %q:\n%s", want, out)
		}
	}
	noSecrets(t, out, sb.Token)

	edit(t, filepath.Join(repo, "api/tools.yaml"), func(s string) string {
		return strings.ReplaceAll(s, "\n      budget_version:\n", "\n      release:\n")
	})
	edit(t, filepath.Join(repo, "internal/sandbox/gcp.go"), func(s string) string { return strings.ReplaceAll(s, "p.BudgetVersion", "p.Release") })
	out, err = run("JANA_TOKEN=" + sb.Token)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"(with JANA_TOKEN)",
		"parameter budget_version, which it sends, is gone", // counted from what is committed
		"== 4/6 Build (go build ./...)\nok",
		"tool gcp_carbon_budget: argument budget_version is now release",
		"tool gcp_national_emissions: argument budget_version is now release",
		"M api/openapi.yaml", "M gen/mcptools/gcp_carbon_budget.gen.go", "M internal/tools/testdata/snapshots/gcp_carbon_budget.json",
		"M README.md", "M internal/sandbox/gcp.go",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("second run: the output lacks %q:\n%s", want, out)
		}
	}
	noSecrets(t, out, sb.Token)
	snap, err := os.ReadFile(filepath.Join(repo, "internal/tools/testdata/snapshots/gcp_carbon_budget.json"))
	if err != nil || !strings.Contains(string(snap), `"release"`) {
		t.Errorf("the snapshot was not refreshed: %v", err)
	}
	if out, err := testenv.Run(t, repo, 10*time.Minute, "bash", "scripts/check-generate.sh"); err != nil {
		t.Errorf("gen/ is not what api/ generates after regenerate: %v\n%s", err, out)
	}
}

// runWithEnv runs a command in dir with extra environment, and returns its combined output.
func runWithEnv(t *testing.T, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

// noSecrets fails when output holds a credential: the DRF token, the password, or a JWT.
func noSecrets(t *testing.T, out, token string) {
	t.Helper()
	for _, secret := range []string{token, "demo-password", "eyJ"} {
		if strings.Contains(out, secret) {
			t.Errorf("the output shows a credential (%.6s…)", secret)
		}
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

// TestDriftCommandNeedsNoTools: `make regenerate` builds jana-mcp-drift after the schema is
// taken and before the tools are regenerated, when gen/mcptools may not build. So the command
// must not depend on the tools (it did through internal/server, and the second run of
// TestRegenerate failed to build it).
func TestDriftCommandNeedsNoTools(t *testing.T) {
	t.Parallel()
	out, err := testenv.Run(t, "../..", 5*time.Minute, "go", "list", "-deps", "./cmd/jana-mcp-drift")
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(out) {
		if strings.HasSuffix(pkg, "/gen/mcptools") || strings.HasSuffix(pkg, "/internal/tools") || strings.HasSuffix(pkg, "/internal/server") {
			t.Errorf("jana-mcp-drift depends on %s", pkg)
		}
	}
}
