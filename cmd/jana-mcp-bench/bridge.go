package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/gctune"
	"github.com/janaplatform/jana-mcp/internal/server"
)

// newBridgeCommand serves the bridge exactly as `jana-mcp serve` does (same configuration,
// same server.New, same GOGC default) plus Go's profiling endpoints on a separate loopback
// listener: the profiling build the harness takes CPU and heap profiles from. Production
// binaries have no pprof.
func newBridgeCommand(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var pprofAddr string
	cmd := &cobra.Command{
		Use:   "bridge",
		Short: "Serve jana-mcp as `jana-mcp serve` does, with pprof endpoints (a profiling build)",
		Long: `Serve the bridge with the configuration of ` + "`jana-mcp serve`" + ` (flags > environment > defaults)
and net/http/pprof on --pprof, a separate loopback address:

  JANA_BACKEND_URL=http://127.0.0.1:8000 MCP_SERVER_PORT=8080 jana-mcp-bench bridge --pprof 127.0.0.1:6060
  go tool pprof -top 'http://127.0.0.1:6060/debug/pprof/profile?seconds=5'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(config.Sources{Flags: cmd.Flags(), Getenv: getenv})
			if err != nil {
				return err
			}
			opts := &slog.HandlerOptions{Level: cfg.Log.Level}
			logger := slog.New(slog.NewJSONHandler(stderr, opts))
			if cfg.Log.Format == "text" {
				logger = slog.New(slog.NewTextHandler(stderr, opts))
			}
			gctune.Apply(getenv, logger) // collect as the binary it stands for does
			srv, err := server.New(cfg, logger, server.Options{})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", cfg.Listen.Addr())
			if err != nil {
				return err
			}
			stop, err := servePprof(cmd.Context(), pprofAddr)
			if err != nil {
				_ = ln.Close()
				return err
			}
			defer stop()
			fmt.Fprintf(stdout, "bridge: http://%s, pprof: http://%s/debug/pprof/\n", ln.Addr(), pprofAddr)
			return srv.Serve(cmd.Context(), ln)
		},
	}
	config.RegisterFlags(cmd.Flags())
	cmd.Flags().StringVar(&pprofAddr, "pprof", "127.0.0.1:6060", "loopback address of the pprof endpoints")
	return cmd
}

// servePprof serves net/http/pprof on addr until stop is called ("" serves nothing).
func servePprof(ctx context.Context, addr string) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof listener: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
