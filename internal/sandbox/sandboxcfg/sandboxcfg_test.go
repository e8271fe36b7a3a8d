package sandboxcfg

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// load parses args and env the way the sandbox command does.
func load(t *testing.T, args []string, env map[string]string) (Settings, error) {
	t.Helper()
	fs := pflag.NewFlagSet("sandbox", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse flags: %v", err)
	}
	return Load(Sources{Flags: fs, Getenv: func(k string) string { return env[k] }})
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	s, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{Addr: "127.0.0.1:8000", LogLevel: slog.LevelInfo, LogFormat: "text", Sandbox: sandbox.Config{
		AccessTokenLifetime: sandbox.DefaultAccessTokenLifetime, RefreshTokenLifetime: sandbox.DefaultRefreshTokenLifetime,
		DeviceCodeLifetime: sandbox.DefaultDeviceCodeLifetime, DeviceInterval: sandbox.DefaultDeviceInterval,
		Faults: sandbox.FaultConfig{RetryAfter: 1},
	}}
	if diff := cmp.Diff(want, s, cmpSandbox); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

// cmpSandbox compares sandbox.Configs, whose function fields are unset here.
var cmpSandbox = cmp.Comparer(func(a, b func(sandbox.Event)) bool { return a == nil && b == nil })

// TestPrecedence: flags > JANA_SANDBOX_* > the file (named by JANA_SANDBOX_CONFIG) > defaults;
// the file's lists and mappings, and the flags' repeated values.
func TestPrecedence(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "sandbox.yaml")
	if err := os.WriteFile(file, []byte(`
seed: 11
latency: 5ms
retry_after: 9
error_rates: {503: 0.25, 500: 0.5}
slow: {sector_totals: 2s}
rename_params: {country_code: country_iso3}
access_token_lifetime: 2m
users:
  - {username: alice, password: "pw:a", email: alice@example.org}
  - bob:pw-b:bobtoken
  - carol:pw-c::carol@example.org
allowed_hosts: [localhost, web]
log_format: json
`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"JANA_SANDBOX_CONFIG":          file,
		"JANA_SANDBOX_SEED":            "12",      // env beats file
		"JANA_SANDBOX_RETRY_AFTER":     "4",       // env beats file
		"JANA_SANDBOX_LATENCY":         "7ms",     // flag beats env
		"JANA_SANDBOX_HTML_503":        "true",    // env only
		"JANA_SANDBOX_ERROR_RATES":     "429=0.1", // flag beats env
		"JANA_SANDBOX_DEVICE_INTERVAL": "1s",      // env only
		"JANA_SANDBOX_IGNORE_PARAMS":   "country_code, sector",
		"JANA_SANDBOX_LOG_LEVEL":       "debug",
	}
	s, err := load(t, []string{"--latency", "3ms", "--error-rate", "502=0.2", "--error-rate", "503=0.3", "--private-schema"}, env)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{Addr: "127.0.0.1:8000", LogLevel: slog.LevelDebug, LogFormat: "json", Sandbox: sandbox.Config{
		Seed: 12, Latency: 3 * time.Millisecond,
		AccessTokenLifetime: 2 * time.Minute, RefreshTokenLifetime: sandbox.DefaultRefreshTokenLifetime,
		DeviceCodeLifetime: sandbox.DefaultDeviceCodeLifetime, DeviceInterval: time.Second,
		Faults: sandbox.FaultConfig{ErrorRates: map[int]float64{502: 0.2, 503: 0.3}, RetryAfter: 4, HTML503: true,
			IgnoredParams: []string{"country_code", "sector"}},
		Slow:         map[string]time.Duration{"sector_totals": 2 * time.Second},
		RenameParams: map[string]string{"country_code": "country_iso3"},
		Users: []sandbox.User{{Username: "alice", Password: "pw:a", Email: "alice@example.org"}, {Username: "bob", Password: "pw-b", Token: "bobtoken"},
			{Username: "carol", Password: "pw-c", Email: "carol@example.org"}},
		AllowedHosts:  []string{"localhost", "web"},
		PrivateSchema: true,
	}}
	if diff := cmp.Diff(want, s, cmpSandbox); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
	if s, err := load(t, []string{"--addr", "0.0.0.0:8000", "--allow-remote", "--user", "eve:hunter2", "--user", "mallory:pw,trent:pw2"}, nil); err != nil || len(s.Sandbox.Users) != 3 {
		t.Errorf("--allow-remote and repeated --user: %v, %+v", err, s.Sandbox.Users)
	}
}

// TestErrorsNameTheSetting: what the user wrote — the flag, the variable, or the file's key —
// and never a password.
func TestErrorsNameTheSetting(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "sandbox.yaml")
	if err := os.WriteFile(file, []byte("error_rates: {503: 2}\nusers: [{username: eve, pasword: x}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad seed", nil, map[string]string{"JANA_SANDBOX_SEED": "many"}, `JANA_SANDBOX_SEED: "many" is not an integer`},
		{"negative latency", []string{"--latency", "-1s"}, nil, "--latency: "},
		{"bad rate", []string{"--error-rate", "503=2"}, nil, "--error-rate: probability"},
		{"bad status", nil, map[string]string{"JANA_SANDBOX_ERROR_RATES": "oops=0.1"}, `JANA_SANDBOX_ERROR_RATES: status "oops"`},
		{"bad slow", []string{"--slow", "sector_totals=soon"}, nil, `--slow: delay for "sector_totals"`},
		{"bad user", []string{"--user", "nopassword"}, nil, `--user: "nopassword" needs a password`},
		{"bad bool", nil, map[string]string{"JANA_SANDBOX_HTML_503": "sometimes"}, "JANA_SANDBOX_HTML_503: "},
		{"bad addr", nil, map[string]string{"JANA_SANDBOX_ADDR": "8000"}, `JANA_SANDBOX_ADDR: "8000" is not host:port`},
		{"remote without flag", []string{"--addr", "0.0.0.0:8000"}, nil, "--allow-remote"},
		{"bad log level", []string{"--log-level", "loud"}, nil, `--log-level: "loud" is not one of`},
		{"bad log format", nil, map[string]string{"JANA_SANDBOX_LOG_FORMAT": "xml"}, "JANA_SANDBOX_LOG_FORMAT: "},
		{"file", nil, map[string]string{"JANA_SANDBOX_CONFIG": file}, "error_rates in " + file + ": probability"},
		{"file user", nil, map[string]string{"JANA_SANDBOX_CONFIG": file}, `users in ` + file + `: entry 1: "pasword" is not one of`},
	}
	for _, tc := range tests {
		_, err := load(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	_, err := load(t, []string{"--user", "eve:", "--user", "bob:hunter2:tok"}, nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a user without a password: %v", err)
	}
	unknown := filepath.Join(t.TempDir(), "unknown.yaml")
	if err := os.WriteFile(unknown, []byte("sed: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(t, []string{"--config", unknown}, nil); err == nil || !strings.Contains(err.Error(), "unknown keys sed") {
		t.Errorf("an unknown key: %v", err)
	}
}

// TestFlags: each setting has a flag of its type, showing its variable and its default.
func TestFlags(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("sandbox", pflag.ContinueOnError)
	RegisterFlags(fs)
	for flag, want := range map[string][2]string{
		"addr": {"string", "127.0.0.1:8000"}, "seed": {"int", "0"}, "user": {"stringArray", "[]"},
		"access-token-lifetime": {"duration", "15m0s"}, "retry-after": {"int", "1"}, "html-503": {"bool", "false"},
		"error-rate": {"stringArray", "[]"}, "allowed-hosts": {"stringArray", "[]"}, "log-level": {"string", "info"},
	} {
		f := fs.Lookup(flag)
		if f == nil || f.Value.Type() != want[0] || f.DefValue != want[1] {
			t.Errorf("--%s: %+v, want a %s defaulting to %s", flag, f, want[0], want[1])
		}
	}
	if len(Fields()) != len(table.Settings) || fs.Lookup("config") == nil {
		t.Error("Fields or --config")
	}
	for _, f := range Fields() {
		if fl := fs.Lookup(f.Flag); fl == nil || !strings.Contains(fl.Usage, f.Env) {
			t.Errorf("%s: flag %q missing or its usage does not name the variable", f.Env, f.Flag)
		}
		if f.Key != strings.ToLower(strings.TrimPrefix(f.Env, "JANA_SANDBOX_")) {
			t.Errorf("%s: file key %q, want the variable's name without JANA_SANDBOX_", f.Env, f.Key)
		}
	}
}
