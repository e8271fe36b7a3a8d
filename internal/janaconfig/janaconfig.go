// Package janaconfig turns the server's settings into the Jana adapter's configuration. It is
// its own package so that commands which need only the adapter (jana-mcp-drift, which must
// build while the generated tools are stale) do not import the server and its tools.
package janaconfig

import (
	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/jana"
)

// From is the adapter's configuration from the server's settings. The adapter reads no
// settings itself; this is the one place that says which setting becomes what.
func From(cfg config.Config) jana.Config {
	b := cfg.Backend
	return jana.Config{
		URL:              b.URL,
		AuthURL:          b.AuthURL,
		HostHeader:       b.HostHeader,
		Timeout:          b.Timeout,
		SlowTimeout:      b.SlowTimeout,
		Retries:          b.Retries,
		RetryBase:        b.RetryBase,
		MaxRetryAfter:    b.MaxRetryAfter,
		MaxResponseBytes: b.MaxResponseBytes,
		Service:          jana.ServiceCredentials{Email: b.Email, Username: b.Username, Password: b.Password, Token: b.Token},
		Cache: jana.CacheConfig{Enabled: cfg.Cache.Enabled, MaxBytes: cfg.Cache.MaxBytes, RedisURL: cfg.Cache.RedisURL,
			Public: cfg.Cache.Public},
		VerdictTTL: cfg.Auth.CacheTTL,
	}
}
