// Package drift compares a live Jana schema with the committed one (api/openapi.yaml) using
// oasdiff, and names the MCP tools each change affects: a breaking change in an operation a
// tool calls fails the check; everything else is reported as information.
package drift

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/janaplatform/jana-mcp/internal/toolgen"
)

// OasdiffModule is the pinned oasdiff CLI, run with `go run` so that its dependencies stay out
// of this module's graph (it pins its own kin-openapi).
const OasdiffModule = "github.com/oasdiff/oasdiff@v1.37.0"

// Change is one difference oasdiff found.
type Change struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	Level       int    `json:"level"` // 1 info, 2 warning, 3 error
	Operation   string `json:"operation"`
	OperationID string `json:"operationId"`
	Path        string `json:"path"`
}

// Breaking reports whether a client sending the old request, or reading the old answer,
// may fail: oasdiff's warnings and errors (with the severity overrides in api/).
func (c Change) Breaking() bool { return c.Level >= 2 }

// Finding is a change and the tools it affects.
type Finding struct {
	Change
	Tools []string
}

// Report is the outcome of a comparison.
type Report struct {
	Base, Revision string
	ToolBreaking   []Finding // breaking changes in operations tools call: the check fails
	OtherBreaking  []Finding // breaking changes in operations no tool calls
	Info           []Finding
}

// Failed reports whether a tool is affected by a breaking change.
func (r *Report) Failed() bool { return len(r.ToolBreaking) > 0 }

// Options configure Compare.
type Options struct {
	Base           string // committed schema (api/openapi.yaml)
	Revision       string // the live schema, as a file
	Manifest       string // api/tools.yaml: which tools use which operations
	SeverityLevels string // oasdiff severity overrides (api/oasdiff-levels.txt), optional
	Stderr         io.Writer
}

// Compare runs oasdiff and classifies its changes.
func Compare(ctx context.Context, o Options) (*Report, error) {
	uses, err := operationUsers(o.Manifest)
	if err != nil {
		return nil, err
	}
	args := []string{"run", OasdiffModule, "changelog", o.Base, o.Revision, "--format", "json"}
	if o.SeverityLevels != "" {
		args = append(args, "--severity-levels", o.SeverityLevels)
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("oasdiff: %w\n%s", err, errOut.String())
	}
	var changes []Change
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &changes); err != nil {
		return nil, fmt.Errorf("reading oasdiff's output: %w\n%s", err, out.String())
	}
	r := &Report{Base: o.Base, Revision: o.Revision}
	for _, c := range changes {
		f := Finding{Change: c, Tools: uses[c.OperationID]}
		switch {
		case c.Breaking() && len(f.Tools) > 0:
			r.ToolBreaking = append(r.ToolBreaking, f)
		case c.Breaking():
			r.OtherBreaking = append(r.OtherBreaking, f)
		default:
			r.Info = append(r.Info, f)
		}
	}
	return r, nil
}

// operationUsers maps operationId -> the tools (generated and curated) that call it.
func operationUsers(manifest string) (map[string][]string, error) {
	m, err := toolgen.LoadManifest(manifest)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, t := range m.Tools {
		out[t.Operation] = append(out[t.Operation], t.Name+" (generated, "+manifest+")")
	}
	names := make([]string, 0, len(m.Curated))
	for n := range m.Curated {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, op := range m.Curated[n] {
			out[op] = append(out[op], n+" (hand-written, internal/tools)")
		}
	}
	return out, nil
}

// Write prints the report for a person: what breaks which tool, and what to do next.
func (r *Report) Write(w io.Writer) {
	total := len(r.ToolBreaking) + len(r.OtherBreaking) + len(r.Info)
	fmt.Fprintf(w, "Schema drift: %d change(s) from %s to %s\n", total, r.Base, r.Revision)
	if total == 0 {
		fmt.Fprintln(w, "No changes: the committed schema matches the live one.")
		return
	}
	if len(r.ToolBreaking) > 0 {
		fmt.Fprintf(w, "\nBREAKING for MCP tools (%d) — fix before deploying against this backend:\n", len(r.ToolBreaking))
		byTool := map[string][]Finding{}
		for _, f := range r.ToolBreaking {
			for _, t := range f.Tools {
				byTool[t] = append(byTool[t], f)
			}
		}
		tools := make([]string, 0, len(byTool))
		for t := range byTool {
			tools = append(tools, t)
		}
		sort.Strings(tools)
		for _, t := range tools {
			fmt.Fprintf(w, "  tool %s\n", t)
			for _, f := range byTool[t] {
				fmt.Fprintf(w, "    %s %s (%s): %s [%s]\n", f.Operation, f.Path, f.OperationID, plain(f.Text), f.ID)
			}
		}
	}
	if len(r.OtherBreaking) > 0 {
		fmt.Fprintf(w, "\nBreaking, in operations no tool calls (%d):\n", len(r.OtherBreaking))
		for _, f := range r.OtherBreaking {
			fmt.Fprintf(w, "  %s %s (%s): %s [%s]\n", f.Operation, f.Path, f.OperationID, plain(f.Text), f.ID)
		}
	}
	if len(r.Info) > 0 {
		fmt.Fprintf(w, "\nInformation (%d):\n", len(r.Info))
		for _, f := range r.Info {
			where := f.OperationID
			if where == "" {
				where = "schema"
			}
			fmt.Fprintf(w, "  %s: %s [%s]\n", where, plain(f.Text), f.ID)
		}
	}
	fmt.Fprintln(w, "\nNext: `make schema` (take the live schema), `make generate` (the generator names every api/tools.yaml entry")
	fmt.Fprintln(w, "to fix; `go build ./...` names the hand-written code to fix), then `make snapshots docs test` and commit")
	fmt.Fprintln(w, "api/, gen/, internal/tools/testdata/snapshots and README.md together.")
}

// plain removes oasdiff's markdown backticks.
func plain(s string) string { return strings.ReplaceAll(s, "`", "") }

// WriteTemp writes data to a temporary file and returns its path.
func WriteTemp(data []byte, pattern string) (string, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return "", err
	}
	return f.Name(), nil
}
