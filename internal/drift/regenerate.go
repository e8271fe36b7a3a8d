package drift

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

// RegenerateOptions configure Regenerate.
type RegenerateOptions struct {
	Repo    string      // the repository's root
	Backend jana.Config // the live Jana, and how to sign in to it
	Stdout  io.Writer
}

// snapshotDir holds what models see of each tool (internal/tools, TestToolSnapshots).
const snapshotDir = "internal/tools/testdata/snapshots"

// Regenerate is `make regenerate`, the backend developer's one command: it fetches the live
// schema, reports per tool what changed in what it uses, takes the schema, regenerates, builds,
// refreshes the tool snapshots and the README, and ends with what changed for users and what to
// commit. It stops at the first step that fails, saying what to fix before running it again;
// ok is false then.
func Regenerate(ctx context.Context, o RegenerateOptions) (ok bool, err error) {
	w := o.Stdout
	path := func(rel string) string { return filepath.Join(o.Repo, rel) }
	step := func(n int, what string) { fmt.Fprintf(w, "\n== %d/6 %s\n", n, what) }

	step(1, "Fetch the live schema")
	live, err := FetchSchema(ctx, o.Backend)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(w, "%d bytes from %s/api/schema/ (%s)\n", len(live), o.Backend.URL.Redacted(), signIn(o.Backend))
	// Changes are counted from what is committed (what users run), so that a second run, after
	// fixing what the first named, reports them again.
	committed, err := committedFile(ctx, o.Repo, "api/openapi.yaml")
	if err != nil {
		return false, err
	}
	current, err := os.ReadFile(path("api/openapi.yaml"))
	if err != nil {
		return false, err
	}
	if bytes.Equal(live, committed) && bytes.Equal(live, current) {
		fmt.Fprintln(w, "api/openapi.yaml is the live schema already: nothing to regenerate.")
		return true, nil
	}

	step(2, "What changed, per tool")
	tmp, err := os.MkdirTemp("", "jana-regenerate-*")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	uses, err := committedFile(ctx, o.Repo, "gen/uses.gen.yaml")
	if err != nil {
		return false, err
	}
	files := map[string][]byte{"committed.yaml": committed, "live.yaml": live, "uses.gen.yaml": uses}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return false, err
		}
	}
	report, err := Compare(ctx, Options{Base: filepath.Join(tmp, "committed.yaml"), Revision: filepath.Join(tmp, "live.yaml"),
		Uses: filepath.Join(tmp, "uses.gen.yaml"), Overlay: path("api/overlay.yaml"), SeverityLevels: path("api/oasdiff-levels.txt")})
	if err != nil {
		return false, err
	}
	report.Base, report.Revision = "the committed api/openapi.yaml", o.Backend.URL.Redacted()+"/api/schema/"
	report.Next = nil
	report.Write(w)

	before, err := committedSnapshots(ctx, o.Repo)
	if err != nil {
		return false, err
	}
	step(3, "Take the schema and regenerate (make generate)")
	if err := os.WriteFile(path("api/openapi.yaml"), live, 0o644); err != nil {
		return false, err
	}
	fmt.Fprintln(w, "api/openapi.yaml now holds the live schema.")
	if out, err := run(ctx, o.Repo, nil, "go", "generate", "./..."); err != nil {
		fmt.Fprint(w, out)
		fmt.Fprintln(w, "\nGeneration failed. Fix what it names — api/tools.yaml entries (the report above says what each tool")
		fmt.Fprintln(w, "lost), a quirk for api/overlay.yaml — then run make regenerate again.")
		return false, nil
	} else if out != "" {
		fmt.Fprint(w, out)
	}

	step(4, "Build (go build ./...)")
	if out, err := run(ctx, o.Repo, nil, "go", "build", "./..."); err != nil {
		fmt.Fprint(w, out)
		fmt.Fprintln(w, "\nThe code above no longer compiles against the regenerated client: fix the hand-written code it")
		fmt.Fprintln(w, "names (internal/tools, internal/sandbox), then run make regenerate again.")
		return false, nil
	}
	fmt.Fprintln(w, "ok")

	step(5, "Refresh what models see (make snapshots docs)")
	if out, err := run(ctx, o.Repo, []string{"UPDATE_SNAPSHOTS=1"}, "go", "test", "-count=1", "-run", "TestToolSnapshots", "./internal/tools/"); err != nil {
		fmt.Fprint(w, out)
		return false, nil
	}
	if out, err := run(ctx, o.Repo, nil, "go", "run", "./cmd/jana-mcp-docs"); err != nil {
		fmt.Fprint(w, out)
		return false, nil
	}
	after, err := readSnapshots(path(snapshotDir))
	if err != nil {
		return false, err
	}

	step(6, "Summary")
	changes := toolChanges(before, after)
	switch {
	case len(changes) == 0:
		fmt.Fprintln(w, "What models see is unchanged: no tool, argument or description changed.")
	default:
		fmt.Fprintf(w, "What changes for users (%d tools):\n", len(changes))
		for _, c := range changes {
			fmt.Fprintln(w, "  "+c)
		}
	}
	if report.Failed() {
		fmt.Fprintf(w, "Tools whose use of Jana changed (step 2): %s. Their tests against the sandbox (make test) show whether they still answer right.\n",
			strings.Join(report.Tools(), ", "))
	}
	status, _ := run(ctx, o.Repo, nil, "git", "status", "--porcelain")
	fmt.Fprintln(w, "\nTo commit, after `make test` passes (api/, gen/, the snapshots, README.md and the code you fixed, together):")
	if strings.TrimSpace(status) == "" {
		fmt.Fprintln(w, "  (git sees no change)")
	}
	for _, line := range strings.Split(strings.TrimRight(status, "\n"), "\n") {
		if line != "" {
			fmt.Fprintln(w, "  "+line)
		}
	}
	return true, nil
}

// signIn says how the schema was fetched, without a credential.
func signIn(b jana.Config) string {
	switch s := b.Service; {
	case s.Email != "":
		return "signed in as " + s.Email + " with a JWT"
	case s.Username != "":
		return "signed in as " + s.Username + " with a DRF token"
	case !s.Token.IsZero():
		return "with JANA_TOKEN"
	}
	return "anonymously"
}

// run runs a command in dir, with extra environment, and returns its combined output.
func run(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

// snapshot is the part of a tool snapshot the summary compares.
type snapshot struct {
	Description string `json:"description"`
	InputSchema struct {
		Properties map[string]struct {
			Type        string `json:"type"`
			Description string `json:"description"`
		} `json:"properties"`
		Required []string `json:"required"`
	} `json:"inputSchema"`
}

// committedFile is a file as committed (git's HEAD), or as it is when git cannot say.
func committedFile(ctx context.Context, repo, rel string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", "show", "HEAD:"+rel)
	cmd.Dir = repo
	if out, err := cmd.Output(); err == nil {
		return out, nil
	}
	return os.ReadFile(filepath.Join(repo, rel))
}

// committedSnapshots reads the tool snapshots as committed.
func committedSnapshots(ctx context.Context, repo string) (map[string]snapshot, error) {
	cmd := exec.CommandContext(ctx, "git", "ls-tree", "--name-only", "HEAD", snapshotDir+"/")
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		return readSnapshots(filepath.Join(repo, snapshotDir))
	}
	snaps := map[string]snapshot{}
	for _, rel := range strings.Fields(string(out)) {
		data, err := committedFile(ctx, repo, rel)
		if err != nil {
			return nil, err
		}
		var s snapshot
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		snaps[strings.TrimSuffix(filepath.Base(rel), ".json")] = s
	}
	return snaps, nil
}

func readSnapshots(dir string) (map[string]snapshot, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	out := map[string]snapshot{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var s snapshot
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = s
	}
	return out, nil
}

// toolChanges says, per tool, what a model sees differently: tools added or gone, arguments
// renamed (one gone and one added), added, gone, newly required, and changed descriptions.
func toolChanges(before, after map[string]snapshot) []string {
	var out []string
	names := slices.Sorted(maps.Keys(after))
	for name := range before {
		if _, ok := after[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		b, had := before[name]
		a, has := after[name]
		switch {
		case !had:
			out = append(out, "tool "+name+": new")
			continue
		case !has:
			out = append(out, "tool "+name+": gone")
			continue
		}
		var gone, added, parts []string
		for arg := range b.InputSchema.Properties {
			if _, ok := a.InputSchema.Properties[arg]; !ok {
				gone = append(gone, arg)
			}
		}
		for arg := range a.InputSchema.Properties {
			if _, ok := b.InputSchema.Properties[arg]; !ok {
				added = append(added, arg)
			}
		}
		slices.Sort(gone)
		slices.Sort(added)
		if len(gone) == 1 && len(added) == 1 {
			parts = append(parts, fmt.Sprintf("argument %s is now %s", gone[0], added[0]))
		} else {
			for _, arg := range gone {
				parts = append(parts, "argument "+arg+" gone")
			}
			for _, arg := range added {
				parts = append(parts, "new argument "+arg)
			}
		}
		for _, arg := range slices.Sorted(maps.Keys(a.InputSchema.Properties)) {
			was, ok := b.InputSchema.Properties[arg]
			now := a.InputSchema.Properties[arg]
			switch {
			case !ok:
			case was.Type != now.Type:
				parts = append(parts, fmt.Sprintf("argument %s is now %s (was %s)", arg, now.Type, was.Type))
			case was.Description != now.Description:
				parts = append(parts, "argument "+arg+": new description")
			}
			if slices.Contains(a.InputSchema.Required, arg) && !slices.Contains(b.InputSchema.Required, arg) {
				parts = append(parts, "argument "+arg+" is now required")
			}
		}
		if a.Description != b.Description {
			parts = append(parts, "new description")
		}
		if len(parts) > 0 {
			out = append(out, "tool "+name+": "+strings.Join(parts, "; "))
		}
	}
	return out
}
