// Package sandboxcfg holds the settings of `jana-mcp sandbox`, the stand-in Jana: one table
// (the mechanism is internal/settings, as for serve's internal/config) from which they load —
// flags > JANA_SANDBOX_* variables > the --config file (or JANA_SANDBOX_CONFIG) > defaults —,
// register their typed flags, and are listed in --help and the README.
package sandboxcfg

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/settings"
)

// Settings are what the sandbox command runs with.
type Settings struct {
	Addr        string // listen address, host:port
	AllowRemote bool   // listen on a non-loopback address too
	// Sandbox is the stand-in's configuration, without its Logger (Logger makes one).
	Sandbox   sandbox.Config
	LogLevel  slog.Level
	LogFormat string // text or json
}

// Sources are where the settings come from. Any may be empty.
type Sources = settings.Sources

// Load reads, layers and checks the settings.
func Load(src Sources) (Settings, error) {
	s, err := table.Load(src)
	if err != nil {
		return Settings{}, err
	}
	if err := s.checkAddr(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// RegisterFlags adds --config and a flag of its type for every setting to fs.
func RegisterFlags(fs *pflag.FlagSet) { table.RegisterFlags(fs, nil, nil) }

// Fields lists the settings in table order, for the README and --help.
func Fields() []settings.Field { return table.Fields() }

// Logger returns the logger the settings ask for, writing to w.
func (s Settings) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: s.LogLevel}
	if s.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// checkAddr keeps the sandbox on loopback unless remote access was asked for: it has
// well-known demo credentials.
func (s Settings) checkAddr() error {
	host, _, _ := net.SplitHostPort(s.Addr) // the addr setting checked the form
	if s.AllowRemote || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--addr (JANA_SANDBOX_ADDR): %q is not a loopback address, and the sandbox has well-known demo credentials; "+
		"pass --allow-remote (JANA_SANDBOX_ALLOW_REMOTE=true) to listen on it", s.Addr)
}

// table is every setting of the sandbox command. The file's keys are the variables' names
// without JANA_SANDBOX_, in lower case, as they always were.
var table = settings.Table[Settings]{
	Keys:      "the environment variable names without JANA_SANDBOX_, in lower case",
	ConfigEnv: "JANA_SANDBOX_CONFIG",
	Settings: []settings.Setting[Settings]{
		{Env: "JANA_SANDBOX_ADDR", Key: "addr", Flag: "addr", Default: "127.0.0.1:8000", Usage: "listen address (non-loopback needs --allow-remote)",
			Apply: func(s *Settings, raw string) error {
				if _, _, err := net.SplitHostPort(raw); err != nil {
					return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8000)", raw)
				}
				s.Addr = raw
				return nil
			}},
		{Env: "JANA_SANDBOX_SEED", Key: "seed", Flag: "seed", Kind: settings.Int, Default: "0", Usage: "dataset and token seed",
			Apply: func(s *Settings, raw string) (err error) {
				if s.Sandbox.Seed, err = strconv.ParseInt(raw, 10, 64); err != nil {
					return fmt.Errorf("%q is not an integer", raw)
				}
				return nil
			}},
		{Env: "JANA_SANDBOX_USERS", Key: "users", Flag: "user", Kind: settings.List,
			Usage: "extra account as name:password[:token[:email]], or in the config file a mapping of username, password, token and email (demo:demo-password always exists; email defaults to name@jana.example)",
			ApplyList: func(s *Settings, items []settings.Item) (err error) {
				s.Sandbox.Users, err = users(items)
				return err
			}},
		{Env: "JANA_SANDBOX_ACCESS_TOKEN_LIFETIME", Key: "access_token_lifetime", Flag: "access-token-lifetime", Kind: settings.Duration,
			Default: sandbox.DefaultAccessTokenLifetime.String(), Usage: "how long a JWT access token is valid",
			Apply: durationOf(func(s *Settings) *time.Duration { return &s.Sandbox.AccessTokenLifetime })},
		{Env: "JANA_SANDBOX_REFRESH_TOKEN_LIFETIME", Key: "refresh_token_lifetime", Flag: "refresh-token-lifetime", Kind: settings.Duration,
			Default: sandbox.DefaultRefreshTokenLifetime.String(), Usage: "how long a JWT refresh token can be used",
			Apply: durationOf(func(s *Settings) *time.Duration { return &s.Sandbox.RefreshTokenLifetime })},
		{Env: "JANA_SANDBOX_DEVICE_CODE_LIFETIME", Key: "device_code_lifetime", Flag: "device-code-lifetime", Kind: settings.Duration,
			Default: sandbox.DefaultDeviceCodeLifetime.String(), Usage: "how long a device code waits for approval",
			Apply: durationOf(func(s *Settings) *time.Duration { return &s.Sandbox.DeviceCodeLifetime })},
		{Env: "JANA_SANDBOX_DEVICE_INTERVAL", Key: "device_interval", Flag: "device-interval", Kind: settings.Duration,
			Default: sandbox.DefaultDeviceInterval.String(), Usage: "polling interval device codes announce (whole seconds)",
			Apply: durationOf(func(s *Settings) *time.Duration { return &s.Sandbox.DeviceInterval })},
		{Env: "JANA_SANDBOX_LATENCY", Key: "latency", Flag: "latency", Kind: settings.Duration, Default: "0s", Usage: "latency added to every API request",
			Apply: durationOf(func(s *Settings) *time.Duration { return &s.Sandbox.Latency })},
		{Env: "JANA_SANDBOX_LATENCY_JITTER", Key: "latency_jitter", Flag: "latency-jitter", Kind: settings.Duration, Default: "0s", Usage: "random extra latency, uniform in [0, jitter)",
			Apply: durationOf(func(s *Settings) *time.Duration { return &s.Sandbox.LatencyJitter })},
		{Env: "JANA_SANDBOX_ERROR_RATES", Key: "error_rates", Flag: "error-rate", Kind: settings.List, Usage: "inject an error status with a probability, status=p (e.g. 503=0.1)",
			ApplyList: func(s *Settings, items []settings.Item) (err error) {
				s.Sandbox.Faults.ErrorRates, err = errorRates(items)
				return err
			}},
		{Env: "JANA_SANDBOX_RETRY_AFTER", Key: "retry_after", Flag: "retry-after", Kind: settings.Int, Default: "1", Usage: "seconds announced by injected 429 responses",
			Apply: func(s *Settings, raw string) error {
				n, err := strconv.Atoi(raw)
				if err != nil || n < 0 {
					return fmt.Errorf("%q is not a number of seconds (0 or more)", raw)
				}
				s.Sandbox.Faults.RetryAfter = n
				return nil
			}},
		{Env: "JANA_SANDBOX_HTML_503", Key: "html_503", Flag: "html-503", Kind: settings.Bool, Default: "false", Usage: "serve injected 503s as the proxy's nginx HTML page",
			Apply: booleanOf(func(s *Settings) *bool { return &s.Sandbox.Faults.HTML503 })},
		{Env: "JANA_SANDBOX_SLOW", Key: "slow", Flag: "slow", Kind: settings.List, Usage: "delay an operation (id or suffix such as sector_totals), op=duration",
			ApplyList: func(s *Settings, items []settings.Item) (err error) {
				s.Sandbox.Slow, err = pairMap(items, func(op, v string) (time.Duration, error) {
					d, err := duration(v)
					if err != nil {
						return 0, fmt.Errorf("delay for %q: %w", op, err)
					}
					return d, nil
				})
				return err
			}},
		{Env: "JANA_SANDBOX_RENAME_PARAMS", Key: "rename_params", Flag: "rename-param", Kind: settings.List, Usage: "rename a query parameter everywhere, old=new",
			ApplyList: func(s *Settings, items []settings.Item) (err error) {
				s.Sandbox.RenameParams, err = pairMap(items, func(_, v string) (string, error) { return v, nil })
				return err
			}},
		{Env: "JANA_SANDBOX_IGNORE_PARAMS", Key: "ignore_params", Flag: "ignore-param", Kind: settings.List,
			Usage: "accept a query parameter and ignore it, as Jana did for Climate TRACE country_code in April 2026",
			ApplyList: func(s *Settings, items []settings.Item) (err error) {
				s.Sandbox.Faults.IgnoredParams, err = names(items)
				return err
			}},
		{Env: "JANA_SANDBOX_ALLOWED_HOSTS", Key: "allowed_hosts", Flag: "allowed-hosts", Kind: settings.List, Usage: "Django ALLOWED_HOSTS: accepted Host headers (default any)",
			ApplyList: func(s *Settings, items []settings.Item) (err error) {
				s.Sandbox.AllowedHosts, err = names(items)
				return err
			}},
		{Env: "JANA_SANDBOX_PRIVATE_SCHEMA", Key: "private_schema", Flag: "private-schema", Kind: settings.Bool, Default: "false", Usage: "require authentication for /api/schema/",
			Apply: booleanOf(func(s *Settings) *bool { return &s.Sandbox.PrivateSchema })},
		{Env: "JANA_SANDBOX_ALLOW_REMOTE", Key: "allow_remote", Flag: "allow-remote", Kind: settings.Bool, Default: "false", Usage: "allow listening on a non-loopback address",
			Apply: booleanOf(func(s *Settings) *bool { return &s.AllowRemote })},
		{Env: "JANA_SANDBOX_LOG_LEVEL", Key: "log_level", Flag: "log-level", Default: "info", Usage: "log level: debug, info, warn or error",
			Apply: func(s *Settings, raw string) error {
				if err := s.LogLevel.UnmarshalText([]byte(raw)); err != nil {
					return fmt.Errorf("%q is not one of debug, info, warn, error", raw)
				}
				return nil
			}},
		{Env: "JANA_SANDBOX_LOG_FORMAT", Key: "log_format", Flag: "log-format", Default: "text", Usage: "log format: text or json",
			Apply: func(s *Settings, raw string) error {
				if raw != "text" && raw != "json" {
					return fmt.Errorf("%q is not one of text, json", raw)
				}
				s.LogFormat = raw
				return nil
			}},
	},
}

// durationOf parses a duration of 0 or more into the field dst returns.
func durationOf(dst func(*Settings) *time.Duration) func(*Settings, string) error {
	return func(s *Settings, raw string) (err error) { *dst(s), err = duration(raw); return err }
}

// booleanOf parses a boolean into the field dst returns.
func booleanOf(dst func(*Settings) *bool) func(*Settings, string) error {
	return func(s *Settings, raw string) (err error) { *dst(s), err = settings.ParseBool(raw); return err }
}

func duration(raw string) (time.Duration, error) {
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration of 0 or more (e.g. 250ms, 2m)", raw)
	}
	return d, nil
}

// names are the text items of a list of names.
func names(items []settings.Item) ([]string, error) {
	var out []string
	for i, it := range items {
		if it.Fields != nil {
			return nil, fmt.Errorf("entry %d is a mapping, not a name", i+1)
		}
		out = append(out, it.Text)
	}
	return out, nil
}

type pair struct{ key, value string }

// pairs reads key=value items; a mapping in a YAML list gives its entries, in key order.
func pairs(items []settings.Item) ([]pair, error) {
	var out []pair
	for _, it := range items {
		if it.Fields != nil {
			keys := make([]string, 0, len(it.Fields))
			for k := range it.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				out = append(out, pair{k, it.Fields[k]})
			}
			continue
		}
		k, v, ok := strings.Cut(it.Text, "=")
		if k = strings.TrimSpace(k); !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", it.Text)
		}
		out = append(out, pair{k, strings.TrimSpace(v)})
	}
	return out, nil
}

func errorRates(items []settings.Item) (map[int]float64, error) {
	ps, err := pairs(items)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	out := map[int]float64{}
	for _, p := range ps {
		status, err := strconv.Atoi(p.key)
		if err != nil || status < 100 || status > 599 {
			return nil, fmt.Errorf("status %q is not an HTTP status", p.key)
		}
		rate, err := strconv.ParseFloat(p.value, 64)
		if err != nil || rate < 0 || rate > 1 {
			return nil, fmt.Errorf("probability %q for %d must be between 0 and 1", p.value, status)
		}
		out[status] = rate
	}
	return out, nil
}

// pairMap reads key=value items into a map (nil when there are none), parsing each value.
func pairMap[V any](items []settings.Item, parse func(key, value string) (V, error)) (map[string]V, error) {
	ps, err := pairs(items)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	out := make(map[string]V, len(ps))
	for _, p := range ps {
		if out[p.key], err = parse(p.key, p.value); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var userFields = []string{"username", "password", "token", "email"}

// users reads name:password[:token[:email]] items, or mappings of userFields. A password is
// never shown in an error.
func users(items []settings.Item) ([]sandbox.User, error) {
	var out []sandbox.User
	for i, it := range items {
		var u sandbox.User
		if it.Fields != nil {
			for k := range it.Fields {
				if !slices.Contains(userFields, k) {
					return nil, fmt.Errorf("entry %d: %q is not one of %s", i+1, k, strings.Join(userFields, ", "))
				}
			}
			u = sandbox.User{Username: it.Fields["username"], Password: it.Fields["password"], Token: it.Fields["token"], Email: it.Fields["email"]}
		} else {
			parts := strings.SplitN(it.Text, ":", 4)
			parts = append(parts, "", "", "")[:4]
			u = sandbox.User{Username: parts[0], Password: parts[1], Token: parts[2], Email: parts[3]}
		}
		if u.Username == "" || u.Password == "" {
			return nil, missing(i, u.Username)
		}
		out = append(out, u)
	}
	return out, nil
}

// missing says an entry lacks its name or password, naming it by its name only.
func missing(i int, name string) error {
	if name == "" {
		return fmt.Errorf("entry %d needs a username and a password (name:password[:token[:email]])", i+1)
	}
	return fmt.Errorf("%q needs a password (name:password[:token[:email]])", name)
}
