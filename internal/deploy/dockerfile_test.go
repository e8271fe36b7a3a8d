package deploy

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	Line int    // where it starts
	Cmd  string // upper-cased: FROM, RUN, ...
	Args string
}

// stage is the instructions from one FROM up to the next.
type stage struct {
	From   instruction
	Image  string // the FROM image, without --platform
	Name   string // the AS name, "" if none
	Instrs []instruction
}

// parseDockerfile reads the instructions the tests rely on. It is line based: comments,
// blank lines and backslash continuations, no heredocs or parser directives beyond that.
func parseDockerfile(t *testing.T, src string) []stage {
	t.Helper()
	var (
		instrs  []instruction
		pending strings.Builder
		start   int
	)
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && pending.Len() == 0) {
			continue
		}
		if pending.Len() == 0 {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			pending.WriteString(cont + " ")
			continue
		}
		pending.WriteString(trimmed)
		cmd, args, _ := strings.Cut(strings.TrimSpace(pending.String()), " ")
		instrs = append(instrs, instruction{Line: start, Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args)})
		pending.Reset()
	}
	if pending.Len() > 0 {
		t.Fatalf("Dockerfile ends inside a continued instruction (line %d)", start)
	}

	var stages []stage
	for _, in := range instrs {
		if in.Cmd == "FROM" {
			var words []string
			for _, w := range strings.Fields(in.Args) {
				if !strings.HasPrefix(w, "--") {
					words = append(words, w)
				}
			}
			st := stage{From: in, Image: words[0]}
			if len(words) == 3 && strings.EqualFold(words[1], "AS") {
				st.Name = words[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if in.Cmd != "ARG" {
				t.Fatalf("line %d: %s before the first FROM", in.Line, in.Cmd)
			}
			continue
		}
		stages[len(stages)-1].Instrs = append(stages[len(stages)-1].Instrs, in)
	}
	return stages
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.Instrs {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// last returns the stage's last cmd instruction: the one in effect.
func (s stage) last(t *testing.T, cmd string) instruction {
	t.Helper()
	all := s.all(cmd)
	if len(all) == 0 {
		t.Fatalf("stage %s has no %s", s.Image, cmd)
	}
	return all[len(all)-1]
}

// index returns the position of the first instruction matching cmd whose arguments
// contain substr, or -1.
func (s stage) index(cmd, substr string) int {
	return slices.IndexFunc(s.Instrs, func(in instruction) bool {
		return in.Cmd == cmd && strings.Contains(in.Args, substr)
	})
}

// execForm decodes a JSON-array (exec form) argument list.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var argv []string
	if err := json.Unmarshal([]byte(in.Args), &argv); err != nil {
		t.Fatalf("line %d: %s %s is not in exec form (a JSON array): %v", in.Line, in.Cmd, in.Args, err)
	}
	return argv
}

func loadDockerfile(t *testing.T) (builder, final stage) {
	t.Helper()
	stages := parseDockerfile(t, string(readRepoFile(t, "Dockerfile")))
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a multi-stage build", len(stages))
	}
	return stages[0], stages[len(stages)-1]
}

func TestDockerfileBuilder(t *testing.T) {
	t.Parallel()
	b, _ := loadDockerfile(t)

	// The builder's Go must be the one go.mod asks for, pinned by tag.
	gomod := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(readRepoFile(t, "go.mod"))
	if gomod == nil {
		t.Fatal("go.mod has no go directive")
	}
	if want := "golang:" + string(gomod[1]) + "-bookworm"; b.Image != want {
		t.Errorf("builder image %s, want %s (the go.mod version, pinned by tag)", b.Image, want)
	}
	if b.Name == "" {
		t.Error("the builder stage has no name (FROM ... AS build)")
	}

	// Modules are downloaded before the source is copied, so that layer survives code edits.
	mods := b.index("COPY", "go.mod go.sum")
	download := b.index("RUN", "go mod download")
	source := b.index("COPY", ". .")
	build := b.index("RUN", "scripts/build-static.sh /out/jana-mcp")
	if mods < 0 || download < 0 || source < 0 || build < 0 || !(mods < download && download < source && source < build) {
		t.Errorf("builder order: COPY go.mod go.sum (%d), RUN go mod download (%d), COPY . . (%d), RUN scripts/build-static.sh /out/jana-mcp (%d); want them present and in this order",
			mods, download, source, build)
	}
	if b.index("ARG", "VERSION") < 0 || build < 0 || !strings.Contains(b.Instrs[build].Args, `VERSION="$VERSION"`) {
		t.Error(`the builder must take ARG VERSION and pass it to the script (VERSION="$VERSION")`)
	}
}

func TestDockerfileFinalStage(t *testing.T) {
	t.Parallel()
	b, f := loadDockerfile(t)

	switch {
	case strings.HasPrefix(f.Image, "gcr.io/distroless/static") && strings.HasSuffix(f.Image, ":nonroot"):
	case f.Image == "scratch":
		if f.index("COPY", "ca-certificates") < 0 {
			t.Error("a scratch image must copy CA certificates for an https JANA_BACKEND_URL")
		}
	default:
		t.Errorf("final image %s, want gcr.io/distroless/static-...:nonroot or scratch", f.Image)
	}
	if f.index("COPY", "--from="+b.Name+" /out/jana-mcp /jana-mcp") < 0 {
		t.Errorf("the final stage must COPY --from=%s /out/jana-mcp /jana-mcp", b.Name)
	}

	// Numeric and not root, so runAsNonRoot-style checks can verify it without /etc/passwd.
	user := f.last(t, "USER").Args
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("USER %s, want a numeric non-root uid", user)
	}

	if !slices.Contains(strings.Fields(f.last(t, "EXPOSE").Args), "8080") {
		t.Error("EXPOSE 8080 missing")
	}
	if got := f.last(t, "STOPSIGNAL").Args; got != "SIGTERM" {
		t.Errorf("STOPSIGNAL %s, want SIGTERM (the graceful drain)", got)
	}
	if got := execForm(t, f.last(t, "ENTRYPOINT")); !slices.Equal(got, []string{"/jana-mcp"}) {
		t.Errorf("ENTRYPOINT %q, want [/jana-mcp]", got)
	}
	if got := execForm(t, f.last(t, "CMD")); !slices.Equal(got, []string{"serve"}) {
		t.Errorf("CMD %q, want [serve]", got)
	}
}

func TestDockerfileHealthcheck(t *testing.T) {
	t.Parallel()
	_, f := loadDockerfile(t)
	hc := f.last(t, "HEALTHCHECK")
	flags, cmd, ok := strings.Cut(hc.Args, "CMD ")
	if !ok {
		t.Fatalf("line %d: HEALTHCHECK %s has no CMD", hc.Line, hc.Args)
	}
	// Exec form: distroless has no shell to run a string command.
	if got := execForm(t, instruction{Line: hc.Line, Cmd: "HEALTHCHECK CMD", Args: strings.TrimSpace(cmd)}); !slices.Equal(got, []string{"/jana-mcp", "healthcheck"}) {
		t.Errorf("HEALTHCHECK CMD %q, want [/jana-mcp healthcheck]", got)
	}
	opts := map[string]string{}
	for _, f := range strings.Fields(flags) {
		k, v, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		opts[k] = v
	}
	interval, err1 := time.ParseDuration(opts["interval"])
	timeout, err2 := time.ParseDuration(opts["timeout"])
	_, err3 := time.ParseDuration(opts["start-period"])
	retries, err4 := strconv.Atoi(opts["retries"])
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		t.Fatalf("HEALTHCHECK flags %q: want --interval, --timeout, --start-period and --retries", flags)
	}
	// The binary gives up after 3 s by default; the engine's timeout must leave it that long.
	if timeout < 3*time.Second || timeout >= interval || retries < 1 {
		t.Errorf("HEALTHCHECK interval %s timeout %s retries %d: want 3s <= timeout < interval, retries >= 1", interval, timeout, retries)
	}
}

// TestDockerfileEnvironment: ENV holds known, non-secret settings; ARG holds no secrets
// either (build arguments stay readable in the image history).
func TestDockerfileEnvironment(t *testing.T) {
	t.Parallel()
	known := knownSettings(t)
	stages := parseDockerfile(t, string(readRepoFile(t, "Dockerfile")))
	final := stages[len(stages)-1]
	for _, in := range final.all("ENV") {
		for _, kv := range strings.Fields(in.Args) {
			name, value, ok := strings.Cut(kv, "=")
			switch {
			case !ok:
				t.Errorf("line %d: ENV %s: use the NAME=value form", in.Line, kv)
			case credentials[name] || looksSecret(name):
				t.Errorf("line %d: ENV %s is a credential; pass it at run time", in.Line, name)
			case value == "":
				t.Errorf("line %d: ENV %s is empty", in.Line, name)
			}
			if _, ok := known[name]; !ok {
				t.Errorf("line %d: ENV %s is not a setting the server reads", in.Line, name)
			}
		}
	}
	for _, st := range stages {
		for _, in := range st.all("ARG") {
			for _, kv := range strings.Fields(in.Args) {
				if name, _, _ := strings.Cut(kv, "="); credentials[name] || looksSecret(name) {
					t.Errorf("line %d: ARG %s: build arguments are kept in the image history", in.Line, name)
				}
			}
		}
	}
	if m := drfToken.Find(readRepoFile(t, "Dockerfile")); m != nil {
		t.Errorf("Dockerfile holds what looks like a token: %s", m)
	}
}

// looksSecret catches credential-like names that are not settings (yet).
func looksSecret(name string) bool {
	n := strings.ToUpper(name)
	return strings.Contains(n, "PASSWORD") || strings.Contains(n, "SECRET") ||
		(strings.HasSuffix(n, "_TOKEN") && !strings.HasSuffix(n, "_PER_TOKEN")) || strings.HasSuffix(n, "API_KEY")
}

func TestParseDockerfile(t *testing.T) {
	t.Parallel()
	src := "ARG X=1\n# comment\nFROM --platform=$BUILDPLATFORM img:1 AS build\nRUN a \\\n  b\n\nFROM scratch\nCMD [\"x\"]\n"
	stages := parseDockerfile(t, src)
	if len(stages) != 2 {
		t.Fatalf("got %d stages, want 2", len(stages))
	}
	if s := stages[0]; s.Image != "img:1" || s.Name != "build" || len(s.Instrs) != 1 || s.Instrs[0].Args != "a  b" || s.Instrs[0].Line != 4 {
		t.Errorf("first stage = %+v", s)
	}
	if s := stages[1]; s.Image != "scratch" || s.Name != "" || s.last(t, "CMD").Args != `["x"]` {
		t.Errorf("second stage = %+v", s)
	}
}
