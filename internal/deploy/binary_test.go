package deploy

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestStaticBinary builds the image's binary exactly as the Dockerfile does (same script,
// linux/amd64) and checks what the image relies on: a static executable with no loader or
// shared libraries (distroless/static and scratch have neither), the version stamped by
// VERSION, and the subcommands the image and compose files run.
func TestStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary (20-40 s cold)")
	}
	t.Parallel()
	for _, tool := range []string{"bash", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: the Dockerfile's build needs it too", tool)
		}
	}

	const version, commit = "v0.0.0-deploy-test", "0123456789abcdef0123456789abcdef01234567"
	bin := filepath.Join(t.TempDir(), "out", "jana-mcp") // a folder that does not exist yet, like /out
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "bash", "scripts/build-static.sh", bin)
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "VERSION="+version, "COMMIT="+commit, "GOOS=linux", "GOARCH=amd64")
	var stderr bytes.Buffer
	build.Stderr = &stderr
	start := time.Now()
	out, err := build.Output()
	if err != nil {
		t.Fatalf("scripts/build-static.sh: %v\n%s", err, stderr.Bytes())
	}
	t.Logf("scripts/build-static.sh took %s", time.Since(start).Round(time.Second))
	if got := strings.TrimSpace(string(out)); got != bin {
		t.Errorf("the script printed %q, want the output path %q", got, bin)
	}

	t.Run("elf", func(t *testing.T) { checkStaticELF(t, bin) })
	t.Run("buildinfo", func(t *testing.T) { checkBuildInfo(t, bin) })

	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("cannot run a linux/amd64 binary on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	t.Run("version", func(t *testing.T) {
		// VERSION and COMMIT stamped through -ldflags -X, the Go and go-sdk versions read from
		// the binary.
		got := run(t, bin, 0, "version")
		for _, want := range []string{"jana-mcp " + version + "\n", "version from: stamped at build time", "commit: " + commit + "\n",
			"go: " + runtime.Version() + "\n", "go-sdk: v1."} {
			if !strings.Contains(got, want) {
				t.Errorf("jana-mcp version lacks %q:\n%s", want, got)
			}
		}
		if got := run(t, bin, 0, "--version"); got != "jana-mcp "+version+"\n" {
			t.Errorf("jana-mcp --version = %q", got)
		}
	})
	t.Run("healthcheck", func(t *testing.T) {
		// The image's HEALTHCHECK and the compose checks run exactly this.
		ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/health" {
				http.NotFound(w, r)
			}
		}))
		defer ok.Close()
		down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		defer down.Close()
		run(t, bin, 0, "healthcheck", "--url", ok.URL+"/health")
		run(t, bin, 1, "healthcheck", "--url", down.URL+"/health")
		_, port, _ := strings.Cut(strings.TrimPrefix(ok.URL, "http://"), ":")
		runEnv(t, bin, []string{"MCP_SERVER_PORT=" + port}, 0, "healthcheck") // the image's default URL
	})
	t.Run("compose commands", func(t *testing.T) {
		// docker-compose.yml runs `sandbox --addr ... --allow-remote`.
		help := run(t, bin, 0, "sandbox", "--help")
		for _, flag := range []string{"--addr", "--allow-remote"} {
			if !strings.Contains(help, flag) {
				t.Errorf("jana-mcp sandbox has no %s flag, which docker-compose.yml passes", flag)
			}
		}
		run(t, bin, 0, "serve", "--help")
	})
}

func checkStaticELF(t *testing.T, bin string) {
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		t.Errorf("ELF class %s machine %s, want ELFCLASS64 EM_X86_64", f.Class, f.Machine)
	}
	if f.Type != elf.ET_EXEC {
		t.Errorf("ELF type %s, want ET_EXEC (a static, non-PIE executable)", f.Type)
	}
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			t.Error("PT_INTERP program header: the binary wants a dynamic loader")
		case elf.PT_DYNAMIC:
			t.Error("PT_DYNAMIC program header: the binary is dynamically linked")
		}
	}
	if s := f.SectionByType(elf.SHT_DYNAMIC); s != nil {
		t.Errorf("dynamic section %s present", s.Name)
	}
	// -s -w: no symbol table or DWARF (-trimpath keeps -ldflags out of the build info).
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			t.Errorf("section %s present: want a binary linked with -s -w", s.Name)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) > 0 {
		t.Errorf("DT_NEEDED libraries %q: the image has no shared libraries", libs)
	}
}

func checkBuildInfo(t *testing.T, bin string) {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	for key, want := range map[string]string{
		"CGO_ENABLED": "0",
		"GOOS":        "linux",
		"GOARCH":      "amd64",
		"-trimpath":   "true",
	} {
		if got := settings[key]; got != want {
			t.Errorf("build setting %s = %q, want %q", key, got, want)
		}
	}
}

// run runs the binary and checks its exit code; it returns stdout and stderr together.
func run(t *testing.T, bin string, wantExit int, args ...string) string {
	t.Helper()
	return runEnv(t, bin, nil, wantExit, args...)
}

func runEnv(t *testing.T, bin string, env []string, wantExit int, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			t.Fatalf("jana-mcp %s: %v", strings.Join(args, " "), err)
		}
		code = exitErr.ExitCode()
	}
	if code != wantExit {
		t.Errorf("jana-mcp %s exited %d, want %d\n%s", strings.Join(args, " "), code, wantExit, out)
	}
	return string(out)
}
