package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/bench"
)

func newRunCommand(stdout, stderr io.Writer) *cobra.Command {
	var (
		out, janaMCP, logs, jsonOut string
		smoke, requireNode, profile bool
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the standard set and write the markdown report (make bench)",
		Long: `Run the standard set: build jana-mcp, start the sandbox (zero latency), the bridge stateful and
stateless, the go-sdk floor and the Node peer as subprocesses, measure the light call per
transport against the floor and the direct call, the concurrency curve, result sizes, the
peer, idle sessions, the cache and tools/list, profile the bridge against the floor (CPU and
allocations under load, heap with idle sessions; --profile=false skips it), and write the
report. The analysis section of an existing report (between its markers) is kept.

The bridge runs as shipped (jana-mcp serve picks its own GOGC) and the floor as is (Go's
default); GOGC and GOMEMLIMIT in the harness's environment are not passed on. The light call
and idle sessions are also measured with one collector setting for both, to show its share.

--smoke runs every mode for a fraction of a second (make bench-smoke). The Node peer is
skipped when the Node tooling is missing, unless --require-node (or JANA_MCP_REQUIRE_NODE=1).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			root, err := repoRoot()
			if err != nil {
				return err
			}
			self, err := os.Executable()
			if err != nil {
				return err
			}
			keepLogs := logs != ""
			if logs == "" {
				if logs, err = os.MkdirTemp("", "jana-mcp-bench-"); err != nil {
					return err
				}
			} else if err := os.MkdirAll(logs, 0o755); err != nil {
				return err
			}
			if janaMCP == "" {
				janaMCP = filepath.Join(logs, "jana-mcp")
				fmt.Fprintf(stderr, "bench: building jana-mcp into %s\n", janaMCP)
				if err := buildJanaMCP(cmd, root, janaMCP); err != nil {
					return err
				}
			}
			res, err := bench.RunSuite(ctx, bench.SuiteConfig{
				Root: root, JanaMCP: janaMCP, Self: self, LogDir: logs, Smoke: smoke,
				RequireNode: requireNode, Profile: profile, Progress: stderr,
			})
			if res == nil {
				fmt.Fprintf(stderr, "bench: logs in %s\n", logs)
				return err
			}
			if len(res.Failures) > 0 {
				keepLogs = true
			}
			if keepLogs {
				fmt.Fprintf(stderr, "bench: logs in %s\n", logs)
			} else {
				defer os.RemoveAll(logs)
			}
			if jsonOut != "" {
				f, ferr := os.Create(jsonOut)
				if ferr != nil {
					return ferr
				}
				perr := printJSON(f, res)
				if cerr := f.Close(); perr == nil {
					perr = cerr
				}
				if perr != nil {
					return perr
				}
			}
			if werr := writeReport(out, res, stdout); werr != nil {
				return werr
			}
			if err == nil && len(res.Failures) > 0 {
				err = fmt.Errorf("%d step(s) failed: %s", len(res.Failures), strings.Join(res.Failures, "; "))
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "docs/benchmarks.md", `report file ("-" for stdout)`)
	fl.StringVar(&jsonOut, "json", "", "also write every figure as JSON to this file")
	fl.BoolVar(&smoke, "smoke", false, "every mode for a fraction of a second: proves the harness works, measures nothing")
	fl.StringVar(&janaMCP, "jana-mcp", "", "a built jana-mcp binary (default: go build ./cmd/jana-mcp)")
	fl.StringVar(&logs, "logs", "", "keep subprocess logs and profiles here (default: a temporary directory, removed unless a step fails)")
	fl.BoolVar(&requireNode, "require-node", os.Getenv("JANA_MCP_REQUIRE_NODE") == "1", "fail when the Node tooling is missing instead of skipping the peer")
	fl.BoolVar(&profile, "profile", true, "profile the bridge (CPU and allocations under load, heap with idle sessions) against the floor")
	return cmd
}

// writeReport writes the report to path, keeping the analysis section of the file there.
func writeReport(path string, res *bench.SuiteResult, stdout io.Writer) error {
	if path == "-" {
		_, err := io.WriteString(stdout, bench.Report(res, ""))
		return err
	}
	var analysis string
	if old, err := os.ReadFile(path); err == nil {
		analysis = bench.KeptAnalysis(string(old))
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(bench.Report(res, analysis)), 0o644)
}

// repoRoot finds the module root from the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/janaplatform/jana-mcp\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the jana-mcp repository")
		}
		dir = parent
	}
}

// buildJanaMCP builds the server as `make build` does.
func buildJanaMCP(cmd *cobra.Command, root, out string) error {
	version := "bench"
	if v, err := exec.CommandContext(cmd.Context(), "git", "-C", root, "describe", "--tags", "--always", "--dirty").Output(); err == nil {
		version = strings.TrimSpace(string(v))
	}
	build := exec.CommandContext(cmd.Context(), "go", "build", "-trimpath",
		"-ldflags", "-s -w -X github.com/janaplatform/jana-mcp/internal/version.version="+version, "-o", out, "./cmd/jana-mcp")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building jana-mcp: %w\n%s", err, b)
	}
	return nil
}
