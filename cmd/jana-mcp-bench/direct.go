package main

import (
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/bench"
)

func newDirectCommand(getenv func(string) string, stdout io.Writer) *cobra.Command {
	cfg := bench.DirectConfig{}
	var w window
	cmd := &cobra.Command{
		Use:   "direct",
		Short: "Make the light call's backend query with the generated client, no MCP in between",
		Long: `Make the same backend query as the light tool call with the generated Jana client
(gen/janaapi), from N workers back to back, and print JSON statistics: the floor under
any bridge. --query pollutants is GET ` + bench.LightPath + `;
--query edgar --rows N is what edgar_country_totals with {"limit": N} sends.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Warmup, cfg.Duration = w.warmup, w.duration
			res, err := bench.Direct(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printJSON(stdout, res)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.Backend, "backend", "http://127.0.0.1:8000", "Jana (or sandbox) base URL")
	tokenFlag(fl, getenv, &cfg.Token)
	fl.IntVar(&cfg.Workers, "workers", 1, "concurrent workers")
	fl.StringVar(&cfg.Query, "query", bench.QueryPollutants, "pollutants or edgar")
	fl.IntVar(&cfg.Rows, "rows", 100, "rows of the edgar query")
	w.register(fl, time.Second, 5*time.Second)
	return cmd
}
