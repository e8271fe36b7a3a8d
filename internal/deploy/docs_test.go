package deploy

import (
	"regexp"
	"testing"
)

// composeOnly are variables the compose files interpolate that are not server settings.
var composeOnly = map[string]bool{"JANA_MCP_DIR": true}

// TestDeploymentDocSettings keeps docs/deployment.md in step with the settings: a renamed or
// misspelt variable there would send an operator looking for a knob that does not exist.
func TestDeploymentDocSettings(t *testing.T) {
	t.Parallel()
	known := knownSettings(t)
	names := regexp.MustCompile(`\b(?:JANA|MCP|LOG)_[A-Z0-9_]+\b`).FindAllString(string(readRepoFile(t, "docs/deployment.md")), -1)
	if len(names) == 0 {
		t.Fatal("docs/deployment.md names no settings")
	}
	for _, name := range names {
		if _, ok := known[name]; !ok && !composeOnly[name] {
			t.Errorf("docs/deployment.md mentions %s, which is not a setting (internal/config/fields.go)", name)
		}
	}
}
