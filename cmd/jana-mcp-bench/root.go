package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/janaplatform/jana-mcp/internal/bench"
)

// newRootCommand assembles the subcommands. Each lives in its own file.
func newRootCommand(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "jana-mcp-bench",
		Short:         "Benchmark harness for jana-mcp",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newLoadCommand(getenv, stdout),
		newDirectCommand(getenv, stdout),
		newFloorCommand(getenv, stdout),
		newBridgeCommand(getenv, stdout, stderr),
		newIdleCommand(getenv, stdout),
		newCacheCommand(getenv, stdout),
		newRunCommand(stdout, stderr),
	)
	return root
}

// window holds the warm-up and measured durations every measuring command takes.
type window struct{ warmup, duration time.Duration }

func (w *window) register(fl *pflag.FlagSet, warmup, duration time.Duration) {
	fl.DurationVar(&w.warmup, "warmup", warmup, "unrecorded calls before measuring")
	fl.DurationVar(&w.duration, "duration", duration, "measured duration")
}

// tokenFlag registers --token, defaulting to $JANA_TOKEN.
func tokenFlag(fl *pflag.FlagSet, getenv func(string) string, dst *string) {
	fl.StringVar(dst, "token", getenv("JANA_TOKEN"), "Jana token (default $JANA_TOKEN; the sandbox's: jana-mcp sandbox --print-token)")
}

// mixFrom builds the tool mix from --mix, or --tool and --args.
func mixFrom(mixFile, tool, args string) (bench.Mix, error) {
	if mixFile != "" {
		return bench.ReadMix(mixFile)
	}
	return bench.SingleCall(tool, args)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
