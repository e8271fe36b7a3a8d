package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMakeHelp: `make help` lists every target the Makefile defines, prints its text as
// written (no make escapes such as $$), and the variables the targets take.
func TestMakeHelp(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make not found: the README's commands need it")
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "make", "--no-print-directory", "help")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make help: %v", err)
	}
	help := string(out)
	targets := regexp.MustCompile(`(?m)^([a-z][a-z-]*):`).FindAllStringSubmatch(string(data), -1)
	if len(targets) < 10 {
		t.Fatalf("found %d targets in the Makefile", len(targets))
	}
	for _, m := range targets {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(m[1]) + ` +\S`).MatchString(help) {
			t.Errorf("make help does not list %s", m[1])
		}
	}
	if strings.Contains(help, "$$") || strings.Contains(help, "$(") {
		t.Errorf("make help prints make syntax:\n%s", help)
	}
	for _, v := range []string{"PORT=8080", "FUZZTIME=", "GO="} {
		if !strings.Contains(help, v) {
			t.Errorf("make help does not show %s", v)
		}
	}
}
