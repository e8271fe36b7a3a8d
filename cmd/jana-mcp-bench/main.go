// Command jana-mcp-bench is jana-mcp's benchmark harness. It drives MCP servers with the
// official go-sdk client (load), makes the same backend query with no MCP in between
// (direct), serves the thinnest possible go-sdk bridge to compare against (floor), measures
// idle sessions (idle) and the response cache (cache), and runs the standard set that
// `make bench` writes to docs/benchmarks.md (run). See internal/bench.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "jana-mcp-bench:", err)
		os.Exit(1)
	}
}

// run is the whole program, parameterised so that tests can start it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	root := newRootCommand(getenv, stdout, stderr)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
