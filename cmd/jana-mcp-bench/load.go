package main

import (
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/bench"
)

func newLoadCommand(getenv func(string) string, stdout io.Writer) *cobra.Command {
	var (
		url, transport, tool, args, mixFile, token, auth, metrics string
		sessions                                                  int
		w                                                         window
	)
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Drive an MCP endpoint with N concurrent sessions and print JSON statistics",
		Long: `Drive an MCP endpoint with N concurrent go-sdk client sessions, each calling tools back to
back, and print calls/s, p50/p95/p99/max latency and errors as JSON. With --metrics, the
server's RSS and goroutines (from its Prometheus /metrics) are read before and after.

  jana-mcp-bench load --url http://127.0.0.1:8080/mcp --transport streamable --sessions 32 \
    --tool list_pollutants --args '{"limit":100}' --token "$(jana-mcp sandbox --print-token)"

A mix file lists weighted calls: [{"tool":"list_pollutants","args":{},"weight":3}, ...].`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := bench.ParseTransport(transport)
			if err != nil {
				return err
			}
			mix, err := mixFrom(mixFile, tool, args)
			if err != nil {
				return err
			}
			out := struct {
				*bench.LoadResult
				Before *bench.Process `json:"server_before,omitempty"`
				After  *bench.Process `json:"server_after,omitempty"`
			}{}
			if metrics != "" {
				p, err := bench.Scrape(cmd.Context(), metrics)
				if err != nil {
					return err
				}
				out.Before = &p
			}
			out.LoadResult, err = bench.Load(cmd.Context(), bench.LoadConfig{
				Target:   bench.Target{URL: url, Transport: t, Token: token, Auth: auth},
				Sessions: sessions, Warmup: w.warmup, Duration: w.duration, Mix: mix,
			})
			if err != nil {
				return err
			}
			if metrics != "" {
				p, err := bench.Scrape(cmd.Context(), metrics)
				if err != nil {
					return err
				}
				out.After = &p
			}
			return printJSON(stdout, out)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&url, "url", "http://127.0.0.1:8080/mcp", "MCP endpoint: …/sse for sse, …/mcp for streamable and stateless")
	fl.StringVar(&transport, "transport", "streamable", "sse, streamable or stateless")
	fl.IntVar(&sessions, "sessions", 1, "concurrent sessions, each calling back to back")
	fl.StringVar(&tool, "tool", bench.LightTool, "tool to call")
	fl.StringVar(&args, "args", bench.LightArgs, "the tool's arguments as JSON")
	fl.StringVar(&mixFile, "mix", "", "JSON file of weighted calls (instead of --tool/--args)")
	tokenFlag(fl, getenv, &token)
	fl.StringVar(&auth, "auth", "header", `how the token is sent: header ("Authorization: Token …") or query (?token=)`)
	fl.StringVar(&metrics, "metrics", "", "the server's /metrics URL, to report its RSS and goroutines")
	w.register(fl, time.Second, 5*time.Second)
	return cmd
}
