package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/janaplatform/jana-mcp/internal/settings"
)

// FuzzLoad gives one setting an arbitrary value through the environment, and loads an
// arbitrary config file with it. Load must never panic; an invalid value must be refused with
// an error that names its setting and does not echo a secret; and every value the file sets
// must be used or refused, never silently dropped.
func FuzzLoad(f *testing.F) {
	file := filepath.Join(f.TempDir(), "config.yaml")
	values := []string{"", " ", "0", "-1", "1", "abc", "1e9", "NaN", "inf", "1h", "10ms", "999999999999999999999",
		"http://user:pw@jana", "https://jana.example/api/", "redis://x:6379", "*", "a,b", "service", "debug", "\x00", "ünïcode"}
	for i, fd := range table.Settings {
		f.Add(uint8(i), fd.Default, []byte(nil))
		for _, v := range values {
			f.Add(uint8(i), v, []byte(nil))
		}
	}
	for _, y := range []string{
		"JANA_BACKEND_URL: http://jana:8000\nMCP_AUTH_MODE: service\nJANA_TOKEN: abc\n",
		"mcp_rate_limit: 5\nMCP_RATE_LIMIT: 6\n",
		"MCP_RATE_LIMIT: ~\n",
		"MCP_RATE_LIMIT: {a: 1}\n",
		"MCP_ALLOWED_ORIGINS: [https://a.example, https://b.example]\n",
		"JANA_HOST_HEADER: {}\n",
		"MCP_STATELESS: yes\n",
		"LOG_LEVEL: !!binary ZGVidWc=\n",
		"MCP_SESSION_TIMEOUT: 2001-12-14\n",
		"unknown: 1\n",
		"a.b: 1\n",
		"a: &x [*x, *x]\n",
		"--- \n--- \n",
		"- a\n",
		"~",
		"{",
		"\t",
	} {
		f.Add(uint8(0), "", []byte(y))
	}

	f.Fuzz(func(t *testing.T, index uint8, value string, data []byte) {
		fd := table.Settings[int(index)%len(table.Settings)]
		getenv := func(k string) string {
			if k == fd.Env {
				return value
			}
			return ""
		}
		if _, err := Load(Sources{Getenv: getenv}); err != nil {
			msg := err.Error()
			if !strings.Contains(msg, fd.Env) {
				t.Fatalf("%s=%q: the error does not name the setting: %v", fd.Env, value, err)
			}
			if fd.Secret && len(value) > 3 && strings.Contains(msg, value) && !strings.Contains(secretError(fd), value) {
				t.Fatalf("%s=%q: the error shows the secret: %v", fd.Env, value, err)
			}
		}
		if len(data) == 0 {
			return
		}
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(Sources{Getenv: getenv, File: file})
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, "config file") && !namesSetting(msg) {
				t.Fatalf("the error names neither the config file nor a setting: %v", err)
			}
			return
		}
		// Accepted: every setting the file gives (and the environment does not override) was
		// a single value, which Load parsed.
		var doc map[string]any
		if yaml.Unmarshal(data, &doc) != nil {
			return
		}
		for key, v := range doc {
			switch v.(type) {
			case []any, map[string]any:
				if strings.EqualFold(key, fd.Env) && strings.TrimSpace(value) != "" {
					continue
				}
				t.Fatalf("the file sets %s to %v, which Load accepted without using it", key, v)
			}
		}
	})
}

// secretError is the error a secret setting gets for an invalid value: its text does not
// depend on the value.
func secretError(fd settings.Setting[Config]) string {
	_, err := Load(Sources{Getenv: func(k string) string {
		if k == fd.Env {
			return "\x01"
		}
		return ""
	}})
	if err == nil {
		return ""
	}
	return err.Error()
}

func namesSetting(msg string) bool {
	for _, fd := range table.Settings {
		if strings.Contains(msg, fd.Env) {
			return true
		}
	}
	return false
}
