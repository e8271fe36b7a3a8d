package main

import (
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/gctune"
	"github.com/janaplatform/jana-mcp/internal/server"
)

func newServeCommand(getenv func(string) string, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the MCP server (SSE at /sse, Streamable HTTP at /mcp)",
		Long: "Run the MCP server against the Jana backend at JANA_BACKEND_URL.\n\n" +
			"Configuration: flags > environment > --config file > defaults. See README for every setting.\n\n" +
			envOnlyHelp(),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(config.Sources{Flags: cmd.Flags(), Getenv: getenv})
			if err != nil {
				return err
			}
			logger := newLogger(stderr, cfg.Log)
			gctune.Apply(getenv, logger)
			srv, err := server.New(cfg, logger, server.Options{})
			if err != nil {
				return err
			}
			ln, err := listen(cfg, "")
			if err != nil {
				_ = srv.Close()
				return err
			}
			return srv.Serve(cmd.Context(), ln)
		},
	}
	config.RegisterFlags(cmd.Flags())
	return cmd
}

// newLogger returns the JSON (or text) slog logger at the configured level.
func newLogger(w io.Writer, c config.Log) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Level}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
