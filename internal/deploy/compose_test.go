package deploy

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// composeFile is the part of the Compose specification these files use.
type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Networks map[string]composeNetwork `yaml:"networks"`
}

type composeService struct {
	Build           yaml.Node      `yaml:"build"` // a path, or a mapping with context
	Image           string         `yaml:"image"`
	Command         []string       `yaml:"command"`
	Ports           []string       `yaml:"ports"`
	Environment     environment    `yaml:"environment"`
	DependsOn       dependsOn      `yaml:"depends_on"`
	Networks        []string       `yaml:"networks"`
	Healthcheck     *composeHealth `yaml:"healthcheck"`
	StopGracePeriod string         `yaml:"stop_grace_period"`
	Restart         string         `yaml:"restart"`
}

type composeHealth struct {
	Test        []string `yaml:"test"`
	Interval    string   `yaml:"interval"`
	Timeout     string   `yaml:"timeout"`
	Retries     int      `yaml:"retries"`
	StartPeriod string   `yaml:"start_period"`
}

type composeNetwork struct {
	Name     string `yaml:"name"`
	External any    `yaml:"external"`
}

// envVar is one environment entry, in file order.
type envVar struct{ Name, Value string }

// environment accepts both Compose forms: a list of NAME=value, or a mapping.
type environment []envVar

func (e *environment) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			name, value, _ := strings.Cut(item.Value, "=")
			*e = append(*e, envVar{name, value})
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			*e = append(*e, envVar{n.Content[i].Value, n.Content[i+1].Value})
		}
	default:
		return fmt.Errorf("line %d: environment is neither a list nor a mapping", n.Line)
	}
	return nil
}

func (e environment) get(name string) (string, bool) {
	for _, v := range e {
		if v.Name == name {
			return v.Value, true
		}
	}
	return "", false
}

// dependsOn maps a service to its condition ("" for the short list form).
type dependsOn map[string]string

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	*d = dependsOn{}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			(*d)[item.Value] = ""
		}
	case yaml.MappingNode:
		var long map[string]struct {
			Condition string `yaml:"condition"`
		}
		if err := n.Decode(&long); err != nil {
			return err
		}
		for name, v := range long {
			(*d)[name] = v.Condition
		}
	default:
		return fmt.Errorf("line %d: depends_on is neither a list nor a mapping", n.Line)
	}
	return nil
}

func loadCompose(t *testing.T, name string) composeFile {
	t.Helper()
	var f composeFile
	if err := yaml.Unmarshal(readRepoFile(t, name), &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

// buildContext returns the build context of a service ("" when it has no build).
func buildContext(t *testing.T, s composeService) string {
	t.Helper()
	switch s.Build.Kind {
	case 0:
		return ""
	case yaml.ScalarNode:
		return s.Build.Value
	case yaml.MappingNode:
		var b struct {
			Context string `yaml:"context"`
		}
		if err := s.Build.Decode(&b); err != nil {
			t.Fatal(err)
		}
		return b.Context
	}
	t.Fatalf("line %d: unexpected build form", s.Build.Line)
	return ""
}

func TestComposeStandalone(t *testing.T) {
	t.Parallel()
	f := loadCompose(t, "docker-compose.yml")
	if got, want := slices.Sorted(maps.Keys(f.Services)), []string{"mcp", "sandbox"}; !slices.Equal(got, want) {
		t.Fatalf("services = %v, want %v", got, want)
	}
	sb, mcp := f.Services["sandbox"], f.Services["mcp"]

	for name, s := range f.Services {
		if got := buildContext(t, s); got != "." {
			t.Errorf("%s: build context %q, want . (this repository)", name, got)
		}
	}
	if sb.Image != mcp.Image {
		t.Errorf("sandbox image %q and mcp image %q differ; both run the one jana-mcp image", sb.Image, mcp.Image)
	}
	if want := []string{"sandbox", "--addr", "0.0.0.0:8000", "--allow-remote"}; !slices.Equal(sb.Command, want) {
		t.Errorf("sandbox command = %q, want %q", sb.Command, want)
	}
	if want := []string{"CMD", "/jana-mcp", "healthcheck", "--url", "http://127.0.0.1:8000/api/v1/esg/health/"}; sb.Healthcheck == nil || !slices.Equal(sb.Healthcheck.Test, want) {
		t.Errorf("sandbox healthcheck = %+v, want test %q", sb.Healthcheck, want)
	}

	if !slices.Contains(mcp.Ports, "8080:8080") {
		t.Errorf("mcp ports = %q, want 8080:8080", mcp.Ports)
	}
	for name, want := range map[string]string{
		"JANA_BACKEND_URL": "http://sandbox:8000",
		"JANA_USERNAME":    "demo",
		"JANA_PASSWORD":    "demo-password",
	} {
		if got, _ := mcp.Environment.get(name); got != want {
			t.Errorf("mcp %s = %q, want %q", name, got, want)
		}
	}
	if got, ok := mcp.DependsOn["sandbox"]; !ok || got != "service_healthy" {
		t.Errorf("mcp depends_on = %v, want sandbox with condition service_healthy", mcp.DependsOn)
	}
	if _, ok := mcp.DependsOn["web"]; ok {
		t.Error("the standalone file must not depend on Jana's web service")
	}
}

func TestComposeOverride(t *testing.T) {
	t.Parallel()
	f := loadCompose(t, "docker-compose.override.yml")
	if f.Name != "" {
		t.Errorf("name: %q would rename Jana's compose project (and its network) when merged", f.Name)
	}
	if got := slices.Sorted(maps.Keys(f.Services)); !slices.Equal(got, []string{"mcp"}) {
		t.Fatalf("services = %v, want only mcp (web and the rest come from Jana's file)", got)
	}
	mcp := f.Services["mcp"]

	// Compose resolves paths against the first -f file, Jana's: "." would build Jana.
	if ctx := buildContext(t, mcp); ctx == "" || ctx == "." {
		t.Errorf("mcp build context %q: must point at this repository from Jana's checkout", ctx)
	}
	if !slices.Contains(mcp.Ports, "8080:8080") {
		t.Errorf("mcp ports = %q, want 8080:8080", mcp.Ports)
	}
	for name, want := range map[string]string{
		"JANA_BACKEND_URL": "http://web:8000",
		"JANA_USERNAME":    "${JANA_USERNAME}",
		"JANA_PASSWORD":    "${JANA_PASSWORD}",
		"JANA_HOST_HEADER": "localhost", // Jana's ALLOWED_HOSTS inside its network
		"MCP_AUTH_MODE":    "${MCP_AUTH_MODE:-user}",
	} {
		if got, _ := mcp.Environment.get(name); got != want {
			t.Errorf("mcp %s = %q, want %q", name, got, want)
		}
	}
	if _, ok := mcp.DependsOn["web"]; !ok || len(mcp.DependsOn) != 1 {
		t.Errorf("mcp depends_on = %v, want [web]", mcp.DependsOn)
	}
	if !slices.Equal(mcp.Networks, []string{"default"}) {
		t.Errorf("mcp networks = %q, want [default]", mcp.Networks)
	}
	def, ok := f.Networks["default"]
	if !ok || def.Name != "jana_default" || def.External != true {
		t.Errorf("networks.default = %+v, want name jana_default, external: true", def)
	}
}

// TestComposeSettingsKnown fails on a misspelt or retired variable, which the server would
// silently ignore.
func TestComposeSettingsKnown(t *testing.T) {
	t.Parallel()
	known := knownSettings(t)
	for _, file := range []string{"docker-compose.yml", "docker-compose.override.yml"} {
		for name, s := range loadCompose(t, file).Services {
			for _, v := range s.Environment {
				if _, ok := known[v.Name]; !ok {
					t.Errorf("%s: service %s sets %s, which the server does not read (see internal/config/fields.go)", file, name, v.Name)
				}
			}
		}
	}
}

// reference is a whole-value ${VAR} or ${VAR:?message}: no default a secret could hide in.
var reference = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*(:?\?[^}]*)?\}$`)

// drfToken looks like a DRF token (40 hex digits), which no deployment file should hold.
var drfToken = regexp.MustCompile(`\b[0-9a-fA-F]{40}\b`)

func TestComposeOverrideNoLiteralSecrets(t *testing.T) {
	t.Parallel()
	const file = "docker-compose.override.yml"
	for name, s := range loadCompose(t, file).Services {
		for _, v := range s.Environment {
			if credentials[v.Name] && !reference.MatchString(v.Value) {
				t.Errorf("%s: service %s sets %s to %q; credentials may only be ${%s} references", file, name, v.Name, v.Value, v.Name)
			}
		}
	}
	if m := drfToken.Find(readRepoFile(t, file)); m != nil {
		t.Errorf("%s holds what looks like a token: %s", file, m)
	}
}

func TestComposeHealthchecks(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"docker-compose.yml", "docker-compose.override.yml"} {
		for name, s := range loadCompose(t, file).Services {
			h := s.Healthcheck
			if h == nil {
				t.Errorf("%s: service %s has no healthcheck", file, name)
				continue
			}
			// Exec form: the image has no shell, so CMD-SHELL or a bare string cannot run.
			if len(h.Test) < 3 || h.Test[0] != "CMD" || h.Test[1] != "/jana-mcp" || h.Test[2] != "healthcheck" {
				t.Errorf("%s: service %s healthcheck test = %q, want [CMD /jana-mcp healthcheck ...]", file, name, h.Test)
			}
			interval, err1 := time.ParseDuration(h.Interval)
			timeout, err2 := time.ParseDuration(h.Timeout)
			if err1 != nil || err2 != nil || timeout >= interval || h.Retries < 1 {
				t.Errorf("%s: service %s healthcheck interval %q timeout %q retries %d: want timeout < interval, retries >= 1",
					file, name, h.Interval, h.Timeout, h.Retries)
			}
		}
	}
}

// TestComposeStopGrace checks that Compose waits for the drain before SIGKILL.
func TestComposeStopGrace(t *testing.T) {
	t.Parallel()
	drain := shutdownTimeout(t)
	for _, file := range []string{"docker-compose.yml", "docker-compose.override.yml"} {
		s := loadCompose(t, file).Services["mcp"]
		grace, err := time.ParseDuration(s.StopGracePeriod)
		if err != nil || grace <= drain {
			t.Errorf("%s: mcp stop_grace_period %q, want more than MCP_SHUTDOWN_TIMEOUT (%s)", file, s.StopGracePeriod, drain)
		}
		if s.Restart == "" || s.Restart == "no" {
			t.Errorf("%s: mcp restart = %q, want a restart policy", file, s.Restart)
		}
	}
}

// TestComposeUsageExplicit: both files sit in one folder, where a bare `docker compose up`
// merges them. Each must say how to run it with explicit -f flags.
func TestComposeUsageExplicit(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]string{
		"docker-compose.yml":          "docker compose -f docker-compose.yml up",
		"docker-compose.override.yml": "-f ../jana-mcp/docker-compose.override.yml up",
	} {
		if !strings.Contains(string(readRepoFile(t, file)), want) {
			t.Errorf("%s: the header comment should show %q", file, want)
		}
	}
}
