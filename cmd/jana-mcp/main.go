// Command jana-mcp is the Jana MCP server: a remote Model Context Protocol service that gives
// AI assistants live access to the Jana Environmental Data Platform, plus the Jana sandbox
// backend it is developed and tested against.
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
		fmt.Fprintln(os.Stderr, "jana-mcp:", err)
		os.Exit(1)
	}
}

// run is the whole program, parameterised so that tests can start it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	root := newRootCommand(getenv, stdout, stderr)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
