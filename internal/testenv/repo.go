package testenv

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/toolgen"
)

// RepoRoot returns the module root, found from the test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// CopyRepo copies the working tree (tracked and not-ignored files, as they are now) into a
// temporary directory, for tests that change the schema or manifest and regenerate.
func CopyRepo(t testing.TB) string {
	t.Helper()
	root := RepoRoot(t)
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	dst := t.TempDir()
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, rel)
		info, err := os.Lstat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// Run runs a command in dir and returns its combined output.
func Run(t testing.TB, dir string, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

// Calls returns the call table of every tool's examples (gen/calls.gen.json, generated from
// api/tools.yaml): the calls the end-to-end tests make, and what each answer must show.
func Calls(t testing.TB) []toolgen.Call {
	t.Helper()
	calls, err := toolgen.ReadCalls(CallsPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 {
		t.Fatal("gen/calls.gen.json lists no calls")
	}
	return calls
}

// CallsPath is the call table's path (the Node clients read it with --calls).
func CallsPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(RepoRoot(t), "gen", "calls.gen.json")
}

// CalledTools returns the names of the tools a call table calls, in order of first appearance.
func CalledTools(calls []toolgen.Call) []string {
	var out []string
	for _, c := range calls {
		if !slices.Contains(out, c.Tool) {
			out = append(out, c.Tool)
		}
	}
	return out
}
