package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cast"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// sandboxEnvPrefix prefixes the environment variables of the sandbox command.
const sandboxEnvPrefix = "JANA_SANDBOX_"

// sandboxKeys maps configuration keys to their flags. Every key can also be set in the
// environment (JANA_SANDBOX_<KEY>) or in the --config YAML file; flags win over the
// environment, which wins over the file, which wins over the defaults.
var sandboxKeys = map[string]string{
	"addr":                   "addr",
	"seed":                   "seed",
	"users":                  "user",
	"access_token_lifetime":  "access-token-lifetime",
	"refresh_token_lifetime": "refresh-token-lifetime",
	"device_code_lifetime":   "device-code-lifetime",
	"device_interval":        "device-interval",
	"latency":                "latency",
	"latency_jitter":         "latency-jitter",
	"error_rates":            "error-rate",
	"retry_after":            "retry-after",
	"html_503":               "html-503",
	"slow":                   "slow",
	"rename_params":          "rename-param",
	"ignore_params":          "ignore-param",
	"allowed_hosts":          "allowed-hosts",
	"private_schema":         "private-schema",
	"allow_remote":           "allow-remote",
	"log_level":              "log-level",
	"log_format":             "log-format",
}

func newSandboxCommand(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the Jana sandbox: a deterministic, Jana-compatible stand-in backend",
		Long: `Run the Jana sandbox, a stand-in for the Jana backend with a deterministic dataset
(OpenAQ, Climate TRACE, EDGAR) and optional fault injection.

Every flag can also be set as JANA_SANDBOX_<KEY> (e.g. JANA_SANDBOX_ERROR_RATES=503=0.1,429=0.05)
or in a YAML file given with --config (keys: addr, seed, users, access_token_lifetime,
refresh_token_lifetime, device_code_lifetime, device_interval, latency, latency_jitter,
error_rates, retry_after, html_503, slow, rename_params, ignore_params, allowed_hosts, private_schema,
allow_remote, log_level, log_format). Flags win over the environment, which wins over the file.

Users sign in with their username (legacy DRF token, "Authorization: Token …") or their email
(JWT, "Authorization: Bearer …"); demo / demo@jana.example / demo-password always exists.
Device-code sign-ins are approved at /device/ on the sandbox's address.`,
		Args: cobra.NoArgs,
	}
	fl := cmd.Flags()
	fl.String("addr", "127.0.0.1:8000", "listen address (non-loopback needs --allow-remote)")
	fl.Int64("seed", 0, "dataset and token seed")
	fl.StringArray("user", nil, "extra account as name:password[:token[:email]] (repeatable; demo:demo-password always exists; email defaults to name@jana.example)")
	fl.Duration("access-token-lifetime", sandbox.DefaultAccessTokenLifetime, "how long a JWT access token is valid")
	fl.Duration("refresh-token-lifetime", sandbox.DefaultRefreshTokenLifetime, "how long a JWT refresh token can be used")
	fl.Duration("device-code-lifetime", sandbox.DefaultDeviceCodeLifetime, "how long a device code waits for approval")
	fl.Duration("device-interval", sandbox.DefaultDeviceInterval, "polling interval device codes announce (whole seconds)")
	fl.Duration("latency", 0, "latency added to every API request")
	fl.Duration("latency-jitter", 0, "random extra latency, uniform in [0, jitter)")
	fl.StringArray("error-rate", nil, "inject an error status with a probability, status=p (repeatable)")
	fl.Int("retry-after", 1, "seconds announced by injected 429 responses")
	fl.Bool("html-503", false, "serve injected 503s as the proxy's nginx HTML page")
	fl.StringArray("slow", nil, "delay an operation (id or suffix such as sector_totals), op=duration (repeatable)")
	fl.StringArray("rename-param", nil, "rename a query parameter everywhere, old=new (repeatable)")
	fl.StringSlice("ignore-param", nil, "accept a query parameter and ignore it, as Jana did for Climate TRACE country_code in April 2026 (repeatable)")
	fl.StringSlice("allowed-hosts", nil, "Django ALLOWED_HOSTS: accepted Host headers (default any)")
	fl.Bool("private-schema", false, "require authentication for /api/schema/")
	fl.Bool("allow-remote", false, "allow listening on a non-loopback address")
	fl.String("log-level", "info", "log level: debug, info, warn or error")
	fl.String("log-format", "text", "log format: text or json")
	fl.String("config", "", "YAML configuration file (or JANA_SANDBOX_CONFIG)")
	fl.Bool("print-token", false, "print the demo user's token for this configuration and exit")

	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := loadSandboxConfig(cmd, getenv)
		if err != nil {
			return err
		}
		opts, err := sandboxOptionsFrom(v, stderr)
		if err != nil {
			return err
		}
		if printToken, _ := fl.GetBool("print-token"); printToken {
			_, err := fmt.Fprintln(stdout, sandbox.DemoTokenFor(opts.cfg))
			return err
		}
		return runSandbox(cmd.Context(), opts)
	}
	return cmd
}

// loadSandboxConfig layers defaults, the config file, the environment and the flags in a
// local viper instance.
func loadSandboxConfig(cmd *cobra.Command, getenv func(string) string) (*viper.Viper, error) {
	v := viper.New()
	fl := cmd.Flags()
	for key, flag := range sandboxKeys {
		if err := v.BindPFlag(key, fl.Lookup(flag)); err != nil {
			return nil, fmt.Errorf("sandbox: bind flag --%s: %w", flag, err)
		}
	}
	path, _ := fl.GetString("config")
	if !fl.Changed("config") {
		if env := getenv(sandboxEnvPrefix + "CONFIG"); env != "" {
			path = env
		}
	}
	if path != "" {
		v.SetConfigFile(path)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("sandbox: config file %s: %w", path, err)
		}
	}
	env := map[string]any{}
	for key := range sandboxKeys {
		if val := getenv(sandboxEnvPrefix + strings.ToUpper(key)); val != "" {
			env[key] = val
		}
	}
	if err := v.MergeConfigMap(env); err != nil {
		return nil, fmt.Errorf("sandbox: environment: %w", err)
	}
	return v, nil
}

type sandboxOptions struct {
	addr        string
	allowRemote bool
	cfg         sandbox.Config
	log         *slog.Logger
}

// sandboxKeyError names the setting at fault in every spelling a user may have used.
func sandboxKeyError(key string, err error) error {
	return fmt.Errorf("sandbox: invalid %s (--%s, %s%s): %w", key, sandboxKeys[key], sandboxEnvPrefix,
		strings.ToUpper(key), err)
}

func sandboxOptionsFrom(v *viper.Viper, stderr io.Writer) (sandboxOptions, error) {
	var o sandboxOptions
	var err error
	o.addr = v.GetString("addr")
	if o.cfg.Seed, err = cast.ToInt64E(v.Get("seed")); err != nil {
		return o, sandboxKeyError("seed", err)
	}
	for _, k := range []struct {
		key string
		dst *time.Duration
	}{{"latency", &o.cfg.Latency}, {"latency_jitter", &o.cfg.LatencyJitter},
		{"access_token_lifetime", &o.cfg.AccessTokenLifetime}, {"refresh_token_lifetime", &o.cfg.RefreshTokenLifetime},
		{"device_code_lifetime", &o.cfg.DeviceCodeLifetime}, {"device_interval", &o.cfg.DeviceInterval}} {
		if *k.dst, err = cast.ToDurationE(v.Get(k.key)); err != nil || *k.dst < 0 {
			return o, sandboxKeyError(k.key, errors.Join(err, sandboxErrIf(*k.dst < 0, "must not be negative")))
		}
	}
	if o.cfg.Faults.RetryAfter, err = cast.ToIntE(v.Get("retry_after")); err != nil || o.cfg.Faults.RetryAfter < 0 {
		return o, sandboxKeyError("retry_after", errors.Join(err, sandboxErrIf(o.cfg.Faults.RetryAfter < 0, "must not be negative")))
	}
	bools := map[string]*bool{"html_503": &o.cfg.Faults.HTML503, "private_schema": &o.cfg.PrivateSchema,
		"allow_remote": &o.allowRemote}
	for key, dst := range bools {
		if *dst, err = cast.ToBoolE(v.Get(key)); err != nil {
			return o, sandboxKeyError(key, err)
		}
	}
	if o.cfg.Users, err = sandboxUsers(v.Get("users")); err != nil {
		return o, sandboxKeyError("users", err)
	}
	pairs, err := sandboxPairs(v.Get("error_rates"))
	if err != nil {
		return o, sandboxKeyError("error_rates", err)
	}
	if len(pairs) > 0 {
		o.cfg.Faults.ErrorRates = map[int]float64{}
	}
	for k, val := range pairs {
		status, err := strconv.Atoi(k)
		if err != nil {
			return o, sandboxKeyError("error_rates", fmt.Errorf("status %q is not a number", k))
		}
		p, err := cast.ToFloat64E(val)
		if err != nil || p < 0 || p > 1 {
			return o, sandboxKeyError("error_rates", fmt.Errorf("probability %q for %d must be between 0 and 1", val, status))
		}
		o.cfg.Faults.ErrorRates[status] = p
	}
	if pairs, err = sandboxPairs(v.Get("slow")); err != nil {
		return o, sandboxKeyError("slow", err)
	}
	for k, val := range pairs {
		d, err := cast.ToDurationE(val)
		if err != nil || d < 0 {
			return o, sandboxKeyError("slow", fmt.Errorf("delay %q for %q is not a valid duration", val, k))
		}
		if o.cfg.Slow == nil {
			o.cfg.Slow = map[string]time.Duration{}
		}
		o.cfg.Slow[k] = d
	}
	if pairs, err = sandboxPairs(v.Get("rename_params")); err != nil {
		return o, sandboxKeyError("rename_params", err)
	}
	for k, val := range pairs {
		if o.cfg.RenameParams == nil {
			o.cfg.RenameParams = map[string]string{}
		}
		o.cfg.RenameParams[k] = cast.ToString(val)
	}
	if o.cfg.Faults.IgnoredParams, err = sandboxList(v.Get("ignore_params")); err != nil {
		return o, sandboxKeyError("ignore_params", err)
	}
	if o.cfg.AllowedHosts, err = sandboxList(v.Get("allowed_hosts")); err != nil {
		return o, sandboxKeyError("allowed_hosts", err)
	}
	if o.log, err = newSandboxLogger(v.GetString("log_level"), v.GetString("log_format"), stderr); err != nil {
		return o, err
	}
	o.cfg.Logger = o.log
	if err := sandboxCheckAddr(o.addr, o.allowRemote); err != nil {
		return o, err
	}
	return o, nil
}

func sandboxErrIf(cond bool, msg string) error {
	if cond {
		return errors.New(msg)
	}
	return nil
}

// sandboxList accepts a comma-separated string or a list.
func sandboxList(v any) ([]string, error) {
	var items []string
	switch x := v.(type) {
	case nil:
	case string:
		items = strings.Split(x, ",")
	default:
		list, err := cast.ToStringSliceE(x)
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			items = append(items, strings.Split(s, ",")...)
		}
	}
	var out []string
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// sandboxPairs accepts "k=v,k=v", a list of "k=v", or a YAML mapping.
func sandboxPairs(v any) (map[string]any, error) {
	out := map[string]any{}
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	if m, ok := v.(map[any]any); ok {
		for k, val := range m {
			out[fmt.Sprint(k)] = val
		}
		return out, nil
	}
	items, err := sandboxList(v)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		k, val, ok := strings.Cut(it, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%q is not key=value", it)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return out, nil
}

// sandboxUsers accepts "name:password[:token[:email]]" strings (comma-separated or a list) or
// YAML mappings with username, password, token and email.
func sandboxUsers(v any) ([]sandbox.User, error) {
	if list, ok := v.([]any); ok {
		var out []sandbox.User
		for i, it := range list {
			m, ok := it.(map[string]any)
			if !ok {
				s, err := sandboxUsers(cast.ToString(it))
				if err != nil {
					return nil, err
				}
				out = append(out, s...)
				continue
			}
			u := sandbox.User{Username: cast.ToString(m["username"]), Password: cast.ToString(m["password"]),
				Token: cast.ToString(m["token"]), Email: cast.ToString(m["email"])}
			if u.Username == "" || u.Password == "" {
				return nil, fmt.Errorf("entry %d needs username and password", i)
			}
			out = append(out, u)
		}
		return out, nil
	}
	items, err := sandboxList(v)
	if err != nil {
		return nil, err
	}
	var out []sandbox.User
	for _, it := range items {
		parts := strings.SplitN(it, ":", 4)
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("%q is not name:password[:token[:email]]", sandboxRedactUser(it))
		}
		u := sandbox.User{Username: parts[0], Password: parts[1]}
		if len(parts) >= 3 {
			u.Token = parts[2]
		}
		if len(parts) == 4 {
			u.Email = parts[3]
		}
		out = append(out, u)
	}
	return out, nil
}

// sandboxRedactUser keeps a user entry's name only, for error messages.
func sandboxRedactUser(entry string) string {
	name, _, _ := strings.Cut(entry, ":")
	return name + ":…"
}

func newSandboxLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, sandboxKeyError("log_level", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, sandboxKeyError("log_format", fmt.Errorf("%q is neither text nor json", format))
}

// sandboxCheckAddr keeps the sandbox on loopback unless remote access was asked for: it has
// well-known demo credentials.
func sandboxCheckAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return sandboxKeyError("addr", err)
	}
	if allowRemote {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return sandboxKeyError("addr", fmt.Errorf("%q is not a loopback address; pass --allow-remote to listen on it", addr))
}

func runSandbox(ctx context.Context, o sandboxOptions) error {
	start := time.Now()
	sb, err := sandbox.New(ctx, o.cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s: %w", o.addr, err)
	}
	// Request contexts are not derived from ctx: a request ends when its client goes away (which
	// the sandbox records), while shutdown lets in-flight requests finish for a few seconds.
	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	sz := sb.Dataset().Sizes()
	o.log.Info("sandbox ready",
		"addr", "http://"+ln.Addr().String(),
		"startup_ms", time.Since(start).Milliseconds(),
		"dataset_ms", sb.StartupDuration().Milliseconds(),
		"locations", sz.Locations, "sensors", sz.Sensors, "measurements", sz.Measurements,
		"assets", sz.Assets, "emissions", sz.Emissions, "edgar_rows", sz.EdgarRows, "grid_rows", sz.GridRows,
		"legal_entities", sz.Entities, "company_matches", sz.Matches, "storm_events", sz.Storms,
		"rss_mb", sandboxRSSMB(),
		"extra_users", len(o.cfg.Users),
		"access_token_lifetime", sb.AccessTokenLifetime().String())

	select {
	case err := <-served:
		return fmt.Errorf("sandbox: serve: %w", err)
	case <-ctx.Done():
	}
	o.log.Info("sandbox shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Slow requests (the slow fault can be a minute) are cut rather than waited for.
		o.log.Warn("sandbox: closing connections still busy after 5s", "err", err)
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sandbox: serve: %w", err)
	}
	o.log.Info("sandbox stopped")
	return nil
}

// sandboxRSSMB reads the resident set size from /proc (Linux); -1 elsewhere.
func sandboxRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return -1
			}
			return float64(int(kb/1024*10)) / 10
		}
	}
	return -1
}
