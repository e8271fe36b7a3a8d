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
		Version:       version.String(), // --version
	}
	root.SetVersionTemplate("jana-mcp {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newVersionCommand(stdout),
		newSandboxCommand(getenv, stdout, stderr),
		newServeCommand(getenv, stderr),
		newDemoCommand(getenv, stdout, stderr),
		newHealthcheckCommand(getenv, stdout),
		newToolsCommand(stdout),
	)
	return root
}

func newVersionCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit, and the Go and go-sdk versions it was built with",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := io.WriteString(stdout, versionText(version.Get()))
			return err
		},
	}
}

// versionText is what `jana-mcp version` prints.
func versionText(v version.Info) string {
	from := map[string]string{
		"ldflags": "stamped at build time (make build, scripts/build-static.sh, the Dockerfile)",
		"module":  "the module version the go command recorded (a pseudo-version of the commit when untagged)",
		"vcs":     "a plain go build: dev, plus the commit it was built from",
		"none":    "unknown: no version was stamped and the go command recorded no commit",
	}[v.Source]
	commit := v.Commit
	switch {
	case commit == "":
		commit = "unknown"
	case v.Modified:
		commit += " (with local changes)"
	}
	sdk := v.GoSDK
	if sdk == "" {
		sdk = "unknown"
	}
	return fmt.Sprintf("jana-mcp %s\nversion from: %s\ncommit: %s\ngo: %s\ngo-sdk: %s\n", v.Version, from, commit, v.Go, sdk)
}
