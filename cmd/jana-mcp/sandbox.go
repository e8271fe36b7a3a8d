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

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/sandbox/sandboxcfg"
)

func newSandboxCommand(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the Jana sandbox: a deterministic, Jana-compatible stand-in backend",
		Long: `Run the Jana sandbox, a stand-in for the Jana backend with a deterministic dataset
(OpenAQ, Climate TRACE, EDGAR) and optional fault injection.

Every flag below can also be set in the environment variable it names (e.g.
JANA_SANDBOX_ERROR_RATES=503=0.1,429=0.05) or in a YAML file given with --config or
JANA_SANDBOX_CONFIG, whose keys are the variables' names without JANA_SANDBOX_, in lower case
(error_rates: {503: 0.1}; users: a list of name:password or of mappings with username, password,
token and email). Flags win over the environment, which wins over the file. See README for each.

Users sign in with their username (legacy DRF token, "Authorization: Token …") or their email
(JWT, "Authorization: Bearer …"); demo / demo@jana.example / demo-password always exists.
Device-code sign-ins are approved at /device/ on the sandbox's address.`,
		Args: cobra.NoArgs,
	}
	fl := cmd.Flags()
	sandboxcfg.RegisterFlags(fl)
	fl.Bool("print-token", false, "print the demo user's token for this configuration and exit")

	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		s, err := sandboxcfg.Load(sandboxcfg.Sources{Flags: fl, Getenv: getenv})
		if err != nil {
			return err
		}
		logger := s.Logger(stderr)
		cfg := s.Sandbox
		cfg.Logger = logger
		if printToken, _ := fl.GetBool("print-token"); printToken {
			_, err := fmt.Fprintln(stdout, sandbox.DemoTokenFor(cfg))
			return err
		}
		return runSandbox(cmd.Context(), s.Addr, cfg, logger)
	}
	return cmd
}

func runSandbox(ctx context.Context, addr string, cfg sandbox.Config, logger *slog.Logger) error {
	start := time.Now()
	sb, err := sandbox.New(ctx, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	// Request contexts are not derived from ctx: a request ends when its client goes away (which
	// the sandbox records), while shutdown lets in-flight requests finish for a few seconds.
	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	sz := sb.Dataset().Sizes()
	logger.Info("sandbox ready",
		"addr", "http://"+ln.Addr().String(),
		"startup_ms", time.Since(start).Milliseconds(),
		"dataset_ms", sb.StartupDuration().Milliseconds(),
		"locations", sz.Locations, "sensors", sz.Sensors, "measurements", sz.Measurements,
		"assets", sz.Assets, "emissions", sz.Emissions, "edgar_rows", sz.EdgarRows, "grid_rows", sz.GridRows,
		"legal_entities", sz.Entities, "company_matches", sz.Matches, "storm_events", sz.Storms,
		"rss_mb", sandboxRSSMB(),
		"extra_users", len(cfg.Users),
		"access_token_lifetime", sb.AccessTokenLifetime().String())

	select {
	case err := <-served:
		return fmt.Errorf("sandbox: serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("sandbox shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Slow requests (the slow fault can be a minute) are cut rather than waited for.
		logger.Warn("sandbox: closing connections still busy after 5s", "err", err)
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sandbox: serve: %w", err)
	}
	logger.Info("sandbox stopped")
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
