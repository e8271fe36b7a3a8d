package config

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func flags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := Load(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Backend.URL.String(); got != "http://web:8000" {
		t.Errorf("backend URL = %q, want http://web:8000", got)
	}
	if cfg.Backend.Timeout != 30*time.Second {
		t.Errorf("timeout = %s, want 30s", cfg.Backend.Timeout)
	}
	if cfg.Listen.Addr() != "0.0.0.0:8080" {
		t.Errorf("addr = %s", cfg.Listen.Addr())
	}
	if cfg.Auth.Mode != AuthUser {
		t.Errorf("auth mode = %s, want user", cfg.Auth.Mode)
	}
	if cfg.Log.Level != slog.LevelInfo {
		t.Errorf("log level = %s", cfg.Log.Level)
	}
	if cfg.Limits.RatePerMinute != 100 || cfg.Limits.SSEPerMinute != 10 || cfg.Limits.MessagesPerMinute != 200 {
		t.Errorf("rate limits = %+v, want the first server's 100/10/200", cfg.Limits)
	}
	if cfg.Transport.KeepAlive != 25*time.Second {
		t.Errorf("keep-alive = %s", cfg.Transport.KeepAlive)
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("JANA_BACKEND_URL: http://file:1\nMCP_SERVER_PORT: 1111\nLOG_LEVEL: warn\nJANA_TIMEOUT: 10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Sources{
		Flags:  flags(t, "--config", file, "--port", "3333"),
		Getenv: env(map[string]string{"MCP_SERVER_PORT": "2222", "JANA_BACKEND_URL": "http://env:2"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen.Port != 3333 {
		t.Errorf("port = %d, want the flag's 3333", cfg.Listen.Port)
	}
	if got := cfg.Backend.URL.String(); got != "http://env:2" {
		t.Errorf("backend = %s, want the environment's", got)
	}
	if cfg.Log.Level != slog.LevelWarn {
		t.Errorf("log level = %s, want the file's warn", cfg.Log.Level)
	}
	if cfg.Backend.Timeout != 10*time.Second {
		t.Errorf("timeout = %s, want the file's 10 (seconds)", cfg.Backend.Timeout)
	}
	if cfg.Auth.Mode != AuthUser {
		t.Errorf("auth mode = %s, want the default", cfg.Auth.Mode)
	}
}

func TestInvalidValuesNameKeyAndRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"JANA_TIMEOUT": "301"}, []string{"JANA_TIMEOUT", "1s to 5m0s"}},
		{map[string]string{"JANA_TIMEOUT": "soon"}, []string{"JANA_TIMEOUT", "not a duration"}},
		{map[string]string{"MCP_SERVER_PORT": "70000"}, []string{"MCP_SERVER_PORT", "0 to 65535"}},
		{map[string]string{"MCP_AUTH_MODE": "anyone"}, []string{"MCP_AUTH_MODE", "user, service, user-or-service"}},
		{map[string]string{"JANA_BACKEND_URL": "web:8000"}, []string{"JANA_BACKEND_URL", "absolute http(s) URL"}},
		{map[string]string{"LOG_LEVEL": "loud"}, []string{"LOG_LEVEL", "debug, info, warn, error"}},
		{map[string]string{"MCP_AUTH_MODE": "service"}, []string{"MCP_AUTH_MODE=service", "JANA_TOKEN"}},
		{map[string]string{"MCP_ALLOWED_ORIGINS": "example.com"}, []string{"MCP_ALLOWED_ORIGINS", "origin"}},
		{map[string]string{"MCP_AUTH_MODE": "service"}, []string{"JANA_EMAIL and JANA_PASSWORD (JWT)"}},
		{map[string]string{"JANA_EMAIL": "svc@jana.example"}, []string{"JANA_EMAIL is set but JANA_PASSWORD is not"}},
		{map[string]string{"JANA_EMAIL": "svc"}, []string{"JANA_EMAIL", "not an email address"}},
		{map[string]string{"JANA_AUTH_URL": "auth-dev"}, []string{"JANA_AUTH_URL", "absolute http(s) URL"}},
		{map[string]string{"JANA_TOKEN": "Basic c2VjcmV0"}, []string{"JANA_TOKEN", `"Bearer <token>", "Token <token>" or a bare token`}},
		{map[string]string{"JANA_TOKEN": "Bearer a b"}, []string{"JANA_TOKEN", "value not shown"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.env), func(t *testing.T) {
			t.Parallel()
			_, err := Load(Sources{Getenv: env(tt.env)})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestUnknownFileKeyRejected(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("JANA_BACKEND: http://x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(Sources{File: file})
	if err == nil || !strings.Contains(err.Error(), "JANA_BACKEND") {
		t.Fatalf("err = %v, want it to name the unknown key", err)
	}
}

// A YAML list or map reads as "" in viper: the value must be refused, not dropped (a list of
// origins used to leave MCP_ALLOWED_ORIGINS empty without a word).
func TestFileListOrMapRefused(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"MCP_ALLOWED_ORIGINS: [https://a.example, https://b.example]\n", "JANA_HOST_HEADER: {}\n"} {
		file := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		key, _, _ := strings.Cut(text, ":")
		_, err := Load(Sources{File: file})
		if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "comma-separated") {
			t.Errorf("%q: err = %v, want one naming %s and saying how to write a list", text, err, key)
		}
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	const password, token = "hunter2-password", "0123456789abcdef0123456789abcdef01234567"
	cfg, err := Load(Sources{Getenv: env(map[string]string{
		"JANA_USERNAME": "svc", "JANA_PASSWORD": password, "JANA_TOKEN": token, "MCP_AUTH_MODE": "service",
	})})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	logger := slog.New(slog.NewJSONHandler(&b, nil))
	logger.Info("config", "cfg", cfg, "backend", cfg.Backend)
	fmt.Fprintf(&b, "%v %+v %#v %s", cfg, cfg, cfg.Backend, cfg.Backend.Password)
	for _, secret := range []string{password, token} {
		if strings.Contains(b.String(), secret) {
			t.Fatalf("secret leaked into output: %s", b.String())
		}
	}
	if cfg.Backend.Password.Reveal() != password {
		t.Error("Reveal does not return the secret")
	}
}

// TestJWTServiceSettings: JANA_EMAIL signs the service account in with JWTs at JANA_AUTH_URL,
// which defaults to JANA_BACKEND_URL; JANA_TOKEN may carry its scheme; a rejected JANA_TOKEN
// is never echoed.
func TestJWTServiceSettings(t *testing.T) {
	t.Parallel()
	cfg, err := Load(Sources{Getenv: env(map[string]string{
		"JANA_EMAIL": "svc@jana.example", "JANA_PASSWORD": "pw", "MCP_AUTH_MODE": "service", "JANA_BACKEND_URL": "http://api:8000/",
	})})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Backend.HasServiceCredentials() || cfg.Backend.Email != "svc@jana.example" {
		t.Errorf("email sign-in not configured: %+v", cfg.Backend)
	}
	if cfg.Backend.AuthURL != nil || cfg.Backend.JWTAuthURL().String() != "http://api:8000" {
		t.Errorf("auth URL %v, want the backend's", cfg.Backend.JWTAuthURL())
	}
	cfg, err = Load(Sources{Flags: flags(t, "--auth-url", "https://auth.example.org/"), Getenv: env(map[string]string{"JANA_TOKEN": "bearer eyJ.x.y"})})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Backend.JWTAuthURL().String(); got != "https://auth.example.org" {
		t.Errorf("auth URL %q", got)
	}
	const secret = "s3cret-token-value"
	_, err = Load(Sources{Getenv: env(map[string]string{"JANA_TOKEN": "Basic " + secret})})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("a malformed JANA_TOKEN: %v", err)
	}
}

// TestOAuthMode: MCP_AUTH_MODE=oauth needs a public URL at a host's root (https unless on
// loopback) and an encryption key, and reads its settings; keys never appear in errors.
func TestOAuthMode(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("k", 32)
	base := map[string]string{"MCP_AUTH_MODE": "oauth", "MCP_PUBLIC_URL": "https://mcp.example.org", "MCP_OAUTH_KEY": key}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		m[k] = v
		return m
	}
	cfg, err := Load(Sources{Getenv: env(base)})
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Auth.OAuth
	if cfg.Auth.Mode != AuthOAuth || len(o.Keys) != 1 || o.AccessTTL != time.Hour || o.RefreshTTL != 720*time.Hour ||
		strings.Join(o.SignIn, ",") != "password,device" || o.DeviceClientID != "jana-sdk" || !o.DynamicRegistration || !o.ClientIDDocuments {
		t.Errorf("oauth settings: %+v", o)
	}
	cfg, err = Load(Sources{Getenv: env(with("MCP_OAUTH_KEY", key+"-new,"+key))})
	if err != nil || len(cfg.Auth.OAuth.Keys) != 2 || cfg.Auth.OAuth.Keys[0].Reveal() != key+"-new" {
		t.Errorf("two keys: %v %v", cfg.Auth.OAuth.Keys, err)
	}
	if _, err := Load(Sources{Getenv: env(with("MCP_PUBLIC_URL", "http://127.0.0.1:8080"))}); err != nil {
		t.Errorf("http on loopback: %v", err)
	}
	for _, tc := range []struct{ key, value, want string }{
		{"MCP_PUBLIC_URL", "", "needs MCP_PUBLIC_URL"},
		{"MCP_PUBLIC_URL", "http://mcp.example.org", "must be https"},
		{"MCP_PUBLIC_URL", "https://example.org/jana", "no path"},
		{"MCP_OAUTH_KEY", "", "needs MCP_OAUTH_KEY"},
		{"MCP_OAUTH_KEY", "short-secret-value", "at least 32 characters"},
		{"MCP_OAUTH_SIGN_IN", "password,sms", `"sms" is not one of password, device`},
		{"MCP_OAUTH_ACCESS_TOKEN_TTL", "0s", "out of range"},
	} {
		_, err := Load(Sources{Getenv: env(with(tc.key, tc.value))})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%q: %v, want an error with %q", tc.key, tc.value, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "short-secret-value")) {
			t.Errorf("%s: the error shows the key: %v", tc.key, err)
		}
	}
}
