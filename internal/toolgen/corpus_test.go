package toolgen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"

	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// naive runs oapi-codegen as the repository did before internal/spec: the schema as fetched,
// the overlay applied strictly, and no resolution of colliding type names. It answers the
// models it wrote, or its error.
func naive(t *testing.T, schema, overlay string) (string, error) {
	t.Helper()
	doc, err := util.LoadSwaggerWithOverlay(schema, util.LoadSwaggerWithOverlayOpts{Path: overlay, Strict: true})
	if err != nil {
		return "", err
	}
	cfg := codegen.Configuration{PackageName: "janaapi", Generate: codegen.GenerateOptions{Models: true, Client: true},
		Compatibility: codegen.CompatibilityOptions{AlwaysPrefixEnumValues: true, DisableRequiredReadOnlyAsPointer: true}}
	return codegen.Generate(doc, cfg.UpdateDefaults())
}

// TestCorpusGeneratesAndBuilds: each schema of internal/spec/testdata reproduces its quirk — the
// way generation used to fail or produce unusable Go on it — and `go generate` then `go build
// ./gen/...` pass on it, with the tool of its .tools.yaml, in a copy of the repository (whose
// hand-written tools, written for Jana, are not built).
func TestCorpusGeneratesAndBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and builds a copy of the repository once per schema")
	}
	t.Parallel()
	root := testenv.RepoRoot(t)
	corpus := filepath.Join(root, "internal/spec/testdata")
	repoOverlay := filepath.Join(root, "api/overlay.yaml")
	for _, tc := range []struct {
		schema, overlay string
		quirk           func(models string, err error) bool // how the naive pipeline fails on it
	}{
		{"collisions.yaml", "", func(_ string, err error) bool {
			return err != nil && strings.Contains(err.Error(), "duplicate typename")
		}},
		{"clean.yaml", "overlay-stale.yaml", func(_ string, err error) bool {
			return err != nil && strings.Contains(err.Error(), `selector "$.components.schemas.Status9a1Enum" did not match any targets`)
		}},
		{"clean.yaml", "overlay-empty.yaml", func(_ string, err error) bool {
			return err != nil && strings.Contains(err.Error(), "at least one action")
		}},
		{"clean.yaml", "api/overlay.yaml", func(_ string, err error) bool {
			return err != nil && strings.Contains(err.Error(), "did not match any targets")
		}},
		{"nullable-choice.yaml", "", func(models string, err error) bool {
			// An opaque union, which no tool can show.
			return err == nil && strings.Contains(models, "CapacityUnit *Asset_CapacityUnit") && strings.Contains(models, "type Asset_CapacityUnit struct {\n\tunion json.RawMessage")
		}},
		{"blank-format.yaml", "", func(models string, err error) bool {
			return err == nil && strings.Contains(models, "type Person_Email struct {\n\tunion json.RawMessage")
		}},
		{"hashed-enum.yaml", "", func(models string, err error) bool {
			return err == nil && strings.Contains(models, "type Status9a1Enum string")
		}},
		{"hashed-enum-before.yaml", "", func(models string, err error) bool {
			return err == nil && strings.Contains(models, "type StatusEnum string")
		}},
		{"json-parameter.yaml", "", func(models string, err error) bool {
			// An interface{} parameter, which the generated client dereferences unset.
			return err == nil && strings.Contains(models, `runtime.StyleParamWithOptions("form", true, "metadata", params.Metadata,`)
		}},
	} {
		overlay := ""
		switch {
		case tc.overlay == "api/overlay.yaml":
			overlay = repoOverlay
		case tc.overlay != "":
			overlay = filepath.Join(corpus, tc.overlay)
		}
		models, err := naive(t, filepath.Join(corpus, tc.schema), overlay)
		if !tc.quirk(models, err) {
			t.Errorf("%s with overlay %q does not reproduce its quirk (err %v)", tc.schema, tc.overlay, err)
		}
	}

	repo := testenv.CopyRepo(t)
	entries, err := os.ReadDir(corpus)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".tools.yaml")
		if !ok {
			continue
		}
		copyFile(t, filepath.Join(corpus, name+".yaml"), filepath.Join(repo, "api/openapi.yaml"))
		copyFile(t, filepath.Join(corpus, e.Name()), filepath.Join(repo, "api/tools.yaml"))
		if out, err := testenv.Run(t, repo, 10*time.Minute, "go", "generate", "./gen/"); err != nil {
			t.Errorf("%s: go generate: %v\n%s", name, err, out)
			continue
		}
		if out, err := testenv.Run(t, repo, 15*time.Minute, "go", "build", "./gen/..."); err != nil {
			t.Errorf("%s: go build ./gen/...: %v\n%s", name, err, out)
		}
	}
}
