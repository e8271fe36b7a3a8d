package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/bench"
)

func newIdleCommand(getenv func(string) string, stdout io.Writer) *cobra.Command {
	var (
		base, steps, token, tool, args string
		settle                         time.Duration
		parallel                       int
	)
	cmd := &cobra.Command{
		Use:   "idle",
		Short: "Open idle sessions (half SSE, half stateful /mcp) and measure the server's memory per session",
		Long: `Open idle sessions against a jana-mcp server in steps, alternating legacy SSE (/sse) and
stateful Streamable HTTP (/mcp), read the server's RSS and goroutines from /metrics at each
step, then check that every session still answers a tool call. Prints JSON.

Each session holds a connection in this process and in the server: 10,000 sessions need
about 10,500 open files on each side. The harness raises its soft limit to the hard one
(ulimit -Hn); raise the hard limit first if it is lower.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var counts []int
			for _, s := range strings.Split(steps, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || n < 1 {
					return fmt.Errorf("--steps: %q is not a session count", s)
				}
				counts = append(counts, n)
			}
			limit, err := bench.RaiseFileLimit()
			if err != nil {
				return err
			}
			if need := uint64(counts[len(counts)-1]) + 512; limit < need {
				return fmt.Errorf("open-file limit %d is below the %d that %d sessions need (ulimit -Hn)", limit, need, counts[len(counts)-1])
			}
			if !json.Valid([]byte(args)) {
				return fmt.Errorf("--args is not JSON: %s", args)
			}
			res, err := bench.Idle(cmd.Context(), bench.IdleConfig{
				SSE: base + "/sse", MCP: base + "/mcp", Metrics: base + "/metrics", Token: token,
				Steps: counts, Call: bench.Call{Tool: tool, Args: json.RawMessage(args)}, Settle: settle, Parallel: parallel,
			})
			if res != nil {
				if perr := printJSON(stdout, res); err == nil {
					err = perr
				}
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&base, "base", "http://127.0.0.1:8080", "the jana-mcp server's base URL")
	fl.StringVar(&steps, "steps", "100,1000,10000", "cumulative session counts")
	tokenFlag(fl, getenv, &token)
	fl.StringVar(&tool, "tool", bench.LightTool, "tool every session calls at the end")
	fl.StringVar(&args, "args", bench.LightArgs, "its arguments as JSON")
	fl.DurationVar(&settle, "settle", 2*time.Second, "pause before each reading")
	fl.IntVar(&parallel, "parallel", 64, "sessions opened (and called) at a time")
	return cmd
}
