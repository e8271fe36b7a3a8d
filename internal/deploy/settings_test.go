package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/config"
)

// repoRoot is where the deployment files live, relative to this package.
const repoRoot = "../.."

// credentials are the settings that must never be written into a deployment file: only
// referenced (${VAR}) in compose files meant for real backends, and never in the image.
var credentials = map[string]bool{
	"JANA_USERNAME":       true,
	"JANA_PASSWORD":       true,
	"JANA_TOKEN":          true,
	"MCP_CACHE_REDIS_URL": true, // may carry a Redis password
	"MCP_REDIS_URL":       true, // likewise
	"MCP_CLUSTER_SECRET":  true, // signs requests between replicas
	"MCP_OAUTH_KEY":       true, // encrypts the stored sign-ins
}

// knownSettings returns the environment variable names the server reads.
func knownSettings(t *testing.T) map[string]config.Field {
	t.Helper()
	known := make(map[string]config.Field)
	for _, f := range config.Fields() {
		known[f.Env] = f
	}
	if len(known) == 0 {
		t.Fatal("config.Fields() is empty")
	}
	return known
}

// TestCredentialListCoversSecrets keeps the list above in step with config: every setting
// documented as "env or file only" (the secrets, which have no flag) must be on it.
func TestCredentialListCoversSecrets(t *testing.T) {
	t.Parallel()
	known := knownSettings(t)
	for name := range credentials {
		if _, ok := known[name]; !ok {
			t.Errorf("credential %s is not a setting of internal/config", name)
		}
	}
	for _, f := range config.Fields() {
		if (f.Secret || strings.Contains(f.Usage, "env or file only")) && !credentials[f.Env] {
			t.Errorf("%s is a secret setting (%q) missing from the credentials list", f.Env, f.Usage)
		}
	}
}

// shutdownTimeout is MCP_SHUTDOWN_TIMEOUT's default: stop grace periods must exceed it.
func shutdownTimeout(t *testing.T) time.Duration {
	t.Helper()
	f, ok := knownSettings(t)["MCP_SHUTDOWN_TIMEOUT"]
	if !ok {
		t.Fatal("config has no MCP_SHUTDOWN_TIMEOUT")
	}
	d, err := time.ParseDuration(f.Default)
	if err != nil {
		t.Fatalf("MCP_SHUTDOWN_TIMEOUT default %q: %v", f.Default, err)
	}
	return d
}

func readRepoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
