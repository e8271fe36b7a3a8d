package main

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"
)

// TestHelp: serve's help names the credential settings, which have no flags, without their
// values; demo's lists only the settings the demo honours, with the demo's own defaults.
func TestHelp(t *testing.T) {
	secret := "s3cret-value-never-printed"
	getenv := func(k string) string {
		if k == "JANA_TOKEN" || k == "JANA_PASSWORD" {
			return secret
		}
		return ""
	}
	help := func(cmd string) string {
		var out bytes.Buffer
		if err := run(t.Context(), []string{cmd, "--help"}, getenv, &out, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}

	serve := help("serve")
	for _, want := range []string{"JANA_TOKEN", "JANA_PASSWORD", "MCP_OAUTH_KEY", "--port int", "--stateless", "--backend-timeout duration"} {
		if !strings.Contains(serve, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
	demo := help("demo")
	for _, want := range []string{`--host string`, `(default "127.0.0.1")`, "--port int", "--stateless", "make demo PORT=8081"} {
		if !strings.Contains(demo, want) {
			t.Errorf("demo --help lacks %q:\n%s", want, demo)
		}
	}
	for _, unwanted := range []string{"--backend-url", "--auth-url", "--email", "--username", "0.0.0.0"} {
		if strings.Contains(demo, unwanted) {
			t.Errorf("demo --help shows %q, which the demo does not honour", unwanted)
		}
	}
	if strings.Contains(serve+demo, secret) {
		t.Error("a credential's value is in the help")
	}
}

// TestPortClash: a port in use is answered with the setting that changes it, before the
// sandbox's dataset is built.
func TestPortClash(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	for _, cmd := range []string{"demo", "serve"} {
		var stdout, stderr bytes.Buffer
		env := map[string]string{"MCP_SERVER_HOST": "127.0.0.1", "JANA_BACKEND_URL": "http://127.0.0.1:1", "LOG_LEVEL": "debug"}
		err := run(t.Context(), []string{cmd, "--port", port}, func(k string) string { return env[k] }, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "port "+port+" is in use") || !strings.Contains(err.Error(), "--port or MCP_SERVER_PORT") {
			t.Errorf("%s on a taken port: %v", cmd, err)
		}
		if strings.Contains(stderr.String(), "building the sandbox's dataset") {
			t.Errorf("%s built the sandbox before finding the port taken:\n%s", cmd, stderr.String())
		}
	}
}
