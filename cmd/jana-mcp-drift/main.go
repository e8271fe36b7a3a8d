// Command jana-mcp-drift is the regenerate-on-backend-change workflow's tool.
//
//	jana-mcp-drift fetch [-out api/openapi.yaml]   take the live schema ($JANA_BACKEND_URL/api/schema/)
//	jana-mcp-drift check [-revision file]          compare the live (or given) schema with the committed one
//	jana-mcp-drift regenerate                      fetch, report, regenerate, build, refresh snapshots, sum up
//
// All read the backend's address and credentials like the server does (JANA_BACKEND_URL,
// JANA_AUTH_URL, JANA_TOKEN, JANA_EMAIL/JANA_PASSWORD for a JWT sign-in or
// JANA_USERNAME/JANA_PASSWORD for a DRF token, JANA_HOST_HEADER, JANA_TIMEOUT). check exits 1
// when a change touches what an MCP tool sends or reads, naming the tools; regenerate exits 1
// when a step fails, saying what to fix. They run from the repository's root.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/drift"
	"github.com/janaplatform/jana-mcp/internal/janaconfig"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "jana-mcp-drift:", err)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	if len(args) == 0 {
		return 2, fmt.Errorf("usage: jana-mcp-drift fetch|check|regenerate [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	out := fs.String("out", "api/openapi.yaml", "fetch: where to write the schema")
	base := fs.String("base", "api/openapi.yaml", "check: the committed schema")
	revision := fs.String("revision", "", "check: compare this file instead of fetching the live schema")
	uses := fs.String("uses", "gen/uses.gen.yaml", "check: what each tool sends and reads (written by make generate)")
	overlay := fs.String("overlay", "api/overlay.yaml", "check: the overlay generation applies (types are compared as generated)")
	levels := fs.String("levels", "api/oasdiff-levels.txt", "check: oasdiff severity overrides")
	if err := fs.Parse(args[1:]); err != nil {
		return 2, err
	}
	settings, err := config.Load(config.Sources{Getenv: getenv})
	if err != nil {
		return 2, err
	}
	backend := janaconfig.From(settings)
	switch args[0] {
	case "fetch":
		data, err := drift.FetchSchema(ctx, backend)
		if err != nil {
			return 1, err
		}
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			return 1, err
		}
		fmt.Fprintf(stdout, "wrote %s from %s/api/schema/ (%d bytes)\n", *out, backend.URL.Redacted(), len(data))
		return 0, nil
	case "regenerate":
		ok, err := drift.Regenerate(ctx, drift.RegenerateOptions{Repo: ".", Backend: backend, Stdout: stdout})
		if err != nil {
			return 1, err
		}
		if !ok {
			return 1, nil
		}
		return 0, nil
	case "check":
		rev := *revision
		if rev == "" {
			data, err := drift.FetchSchema(ctx, backend)
			if err != nil {
				return 1, err
			}
			if rev, err = drift.WriteTemp(data, "jana-live-schema-*.yaml"); err != nil {
				return 1, err
			}
			defer os.Remove(rev)
		}
		report, err := drift.Compare(ctx, drift.Options{Base: *base, Revision: rev, Uses: *uses, Overlay: *overlay, SeverityLevels: *levels})
		if err != nil {
			return 1, err
		}
		if *revision == "" {
			report.Revision = backend.URL.Redacted() + "/api/schema/"
		}
		report.Write(stdout)
		if report.Failed() {
			return 1, nil
		}
		return 0, nil
	}
	return 2, fmt.Errorf("unknown command %q (fetch, check or regenerate)", args[0])
}
