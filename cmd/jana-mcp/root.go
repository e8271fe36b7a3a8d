package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/version"
)

// newRootCommand assembles the subcommands. Each lives in its own file.
func newRootCommand(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "jana-mcp",
		Short:         "MCP server for the Jana Environmental Data Platform",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newVersionCommand(stdout),
		newSandboxCommand(getenv, stdout, stderr),
		newServeCommand(getenv, stderr),
		newDemoCommand(getenv, stdout, stderr),
		newHealthcheckCommand(getenv, stdout),
	)
	return root
}

func newVersionCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(stdout, version.String())
			return err
		},
	}
}
