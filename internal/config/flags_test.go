package config

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// TestTypedFlags: flags parse as their settings' types — a switch, numbers, durations — and
// an error names the flag the user typed.
func TestTypedFlags(t *testing.T) {
	t.Parallel()
	cfg, err := Load(Sources{Flags: flags(t, "--stateless", "--port", "0", "--backend-retries", "5", "--backend-timeout", "45s")})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Transport.Stateless || cfg.Listen.Port != 0 || cfg.Backend.Retries != 5 || cfg.Backend.Timeout != 45*time.Second {
		t.Errorf("parsed: stateless %v, port %d, retries %d, timeout %s", cfg.Transport.Stateless, cfg.Listen.Port, cfg.Backend.Retries, cfg.Backend.Timeout)
	}
	if cfg, err := Load(Sources{Flags: flags(t, "--stateless=false"), Getenv: env(map[string]string{"MCP_STATELESS": "true"})}); err != nil || cfg.Transport.Stateless {
		t.Errorf("--stateless=false over MCP_STATELESS=true: %v, %v", cfg.Transport.Stateless, err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--port", "abc"}, `"--port"`},
		{[]string{"--stateless=maybe"}, `"--stateless"`},
		{[]string{"--backend-timeout", "soon"}, `"--backend-timeout"`},
	} {
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		fs.SetOutput(io.Discard)
		RegisterFlags(fs)
		err := fs.Parse(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error naming %s", tc.args, err, tc.want)
		}
	}

	// Values the type accepts but the setting does not: the error names the flag, not the
	// environment variable.
	_, err = Load(Sources{Flags: flags(t, "--port", "70000")})
	if err == nil || !strings.HasPrefix(err.Error(), "--port: ") || strings.Contains(err.Error(), "MCP_SERVER_PORT") {
		t.Errorf("--port 70000: %v", err)
	}
	_, err = Load(Sources{Getenv: env(map[string]string{"MCP_SERVER_PORT": "70000"})})
	if err == nil || !strings.HasPrefix(err.Error(), "MCP_SERVER_PORT: ") {
		t.Errorf("MCP_SERVER_PORT=70000: %v", err)
	}
}

// TestFlagsFor: a command registers only the settings it honours, with its own defaults.
func TestFlagsFor(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("demo", pflag.ContinueOnError)
	RegisterFlagsFor(fs, []string{"MCP_SERVER_HOST", "MCP_SERVER_PORT"}, map[string]string{"MCP_SERVER_HOST": "127.0.0.1"})
	if fs.Lookup("backend-url") != nil || fs.Lookup("stateless") != nil {
		t.Error("a flag the command does not honour is registered")
	}
	if f := fs.Lookup("host"); f == nil || f.DefValue != "127.0.0.1" {
		t.Errorf("host flag %+v, want the command's default 127.0.0.1", f)
	}
	if f := fs.Lookup("port"); f == nil || f.DefValue != "8080" || f.Value.Type() != "int" {
		t.Errorf("port flag %+v", f)
	}
}

// TestEnvOnly lists the credentials (which have no flags), and no setting that has one.
func TestEnvOnly(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, f := range EnvOnly() {
		if f.Flag != "" {
			t.Errorf("%s has a flag", f.Env)
		}
		names[f.Env] = true
	}
	for _, want := range []string{"JANA_TOKEN", "JANA_PASSWORD", "MCP_REDIS_URL"} {
		if !names[want] {
			t.Errorf("%s is not listed", want)
		}
	}
	if first := EnvOnly()[0]; !first.Secret {
		t.Errorf("credentials are not listed first: %s", first.Env)
	}
}
