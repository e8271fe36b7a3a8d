package main

import (
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/bench"
)

func newCacheCommand(getenv func(string) string, stdout io.Writer) *cobra.Command {
	cfg := bench.CacheConfig{}
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Measure the response cache against a sandbox with injected latency",
		Long: `Set the sandbox's latency (PUT /__sandbox/faults), then measure a repeated identical call on
one session and a burst of identical calls on as many sessions, counting the backend
requests the burst caused (GET /__sandbox/stats). The server must run with
MCP_CACHE_ENABLED=true and MCP_MAX_SESSIONS_PER_TOKEN ≥ --concurrent. The latency is set
back to zero at the end. Prints JSON.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := bench.Cache(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printJSON(stdout, res)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&cfg.MCP, "url", "http://127.0.0.1:8080/mcp", "the server's stateful /mcp endpoint")
	fl.StringVar(&cfg.Sandbox, "sandbox", "http://127.0.0.1:8000", "the sandbox's base URL")
	tokenFlag(fl, getenv, &cfg.Token)
	fl.DurationVar(&cfg.Latency, "latency", 200*time.Millisecond, "latency injected in the sandbox")
	fl.DurationVar(&cfg.Repeat, "repeat", 3*time.Second, "how long the repeated call is measured")
	fl.IntVar(&cfg.Concurrent, "concurrent", 100, "identical calls at once")
	return cmd
}
