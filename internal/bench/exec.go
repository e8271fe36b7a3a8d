package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Running commands and reading their output.

// GoBench is one `go test -bench` line.
type GoBench struct {
	Name    string             `json:"name"`
	N       int                `json:"n"`
	Metrics map[string]float64 `json:"metrics"`
}

// ParseGoBench reads the benchmark lines of `go test -bench` output.
func ParseGoBench(out string) []GoBench {
	var res []GoBench
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		b := GoBench{Name: f[0], N: n, Metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				b.Metrics[f[i+1]] = v
			}
		}
		res = append(res, b)
	}
	return res
}

func execOutput(ctx context.Context, dir, name string, args ...string) (string, error) {
	return execOutputEnv(ctx, dir, nil, name, args...)
}

// execOutputEnv runs a command with env added to the harness's environment less its
// collector settings (see ProcSpec.Env); a nil env leaves the environment as it is.
func execOutputEnv(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(withoutCollectorSettings(os.Environ()), env...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit interface{ ExitCode() int }
		if errors.As(err, &exit) {
			return string(out), fmt.Errorf("%s %s: exit %d", name, strings.Join(args, " "), exit.ExitCode())
		}
		return string(out), err
	}
	return string(out), nil
}

// readOnlySchema writes a copy of the schema with only its GET operations, which the peer
// serves as tools like ours (it turns the others, such as login's oneOf body, into tools
// whose input schemas the TypeScript client rejects), and returns its path.
func readOnlySchema(path, dir string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		ops, _ := item.(map[string]any)
		for method := range ops {
			if method != "get" && method != "parameters" {
				delete(ops, method)
			}
		}
		if _, ok := ops["get"]; !ok {
			delete(paths, p)
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return "", err
	}
	dst := filepath.Join(dir, "peer-openapi.yaml")
	return dst, os.WriteFile(dst, out, 0o644)
}
