package janaconfig

import (
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/config"
)

// TestFrom: every setting the adapter needs reaches it.
func TestFrom(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"JANA_BACKEND_URL": "http://api:8000", "JANA_AUTH_URL": "http://auth:9000", "JANA_HOST_HEADER": "localhost",
		"JANA_TIMEOUT": "7s", "JANA_SLOW_TIMEOUT": "70s", "JANA_RETRIES": "3", "JANA_RETRY_BACKOFF": "7ms",
		"JANA_MAX_RETRY_AFTER": "2s", "JANA_MAX_RESPONSE_BYTES": "100000",
		"JANA_EMAIL": "svc@jana.example", "JANA_USERNAME": "svc", "JANA_PASSWORD": "pw", "JANA_TOKEN": "Token abc",
		"MCP_CACHE_MAX_BYTES": "2097152", "MCP_REDIS_URL": "redis://cache:6379", "MCP_CACHE_PUBLIC": "/api/v1/a/",
		"MCP_AUTH_CACHE_TTL": "9s",
	}
	cfg, err := config.Load(config.Sources{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	j := From(cfg)
	if j.URL.String() != "http://api:8000" || j.AuthURL.String() != "http://auth:9000" || j.HostHeader != "localhost" ||
		j.Timeout != 7*time.Second || j.SlowTimeout != 70*time.Second || j.Retries != 3 || j.RetryBase != 7*time.Millisecond ||
		j.MaxRetryAfter != 2*time.Second || j.MaxResponseBytes != 100000 || j.VerdictTTL != 9*time.Second {
		t.Errorf("backend: %+v", j)
	}
	if s := j.Service; s.Email != "svc@jana.example" || s.Username != "svc" || s.Password.Reveal() != "pw" || s.Token.Reveal() != "Token abc" {
		t.Errorf("service credentials: %+v", s)
	}
	if c := j.Cache; !c.Enabled || c.MaxBytes != 2097152 || c.RedisURL.Reveal() != "redis://cache:6379" || len(c.Public) != 1 {
		t.Errorf("cache: %+v", c)
	}
}
