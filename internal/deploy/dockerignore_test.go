package deploy

import (
	"path"
	"regexp"
	"strings"
	"testing"
)

// ignoreRule is one .dockerignore line compiled to a regular expression.
type ignoreRule struct {
	re      *regexp.Regexp
	negated bool
}

// parseDockerignore follows Docker's rules closely enough for these tests: patterns are
// anchored at the context root, * and ? stay within one path element, ** spans any number,
// a leading ! re-includes, and the last matching line wins.
func parseDockerignore(src string) []ignoreRule {
	var rules []ignoreRule
	for _, line := range strings.Split(src, "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(strings.TrimPrefix(p, "!"), "/")
		p = path.Clean(p)
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch c := p[i]; {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case c == '*':
				re.WriteString("[^/]*")
			case c == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("$")
		rules = append(rules, ignoreRule{re: regexp.MustCompile(re.String()), negated: neg})
	}
	return rules
}

// excluded reports whether a context path (slash separated) stays out of the build context,
// either itself or through one of its parent folders.
func excluded(rules []ignoreRule, name string) bool {
	parts := strings.Split(name, "/")
	for i := 1; i <= len(parts); i++ {
		prefix := strings.Join(parts[:i], "/")
		out := false
		for _, r := range rules {
			if r.re.MatchString(prefix) {
				out = !r.negated
			}
		}
		if out {
			return true
		}
	}
	return false
}

func TestDockerignore(t *testing.T) {
	t.Parallel()
	rules := parseDockerignore(string(readRepoFile(t, ".dockerignore")))

	// What the builder stage reads: excluding any of it breaks the image build.
	for _, name := range []string{
		"go.mod", "go.sum", "tools.go",
		"scripts/build-static.sh",
		"cmd/jana-mcp/main.go",
		"internal/server/any.go",
		"gen/janaapi/any.go",
		"api/api.go", "api/openapi.yaml", // embedded into the binary
	} {
		if excluded(rules, name) {
			t.Errorf("%s is excluded from the build context, but the build needs it", name)
		}
	}
	// Local state that must not be sent (size) or baked into layers (secrets).
	for _, name := range []string{
		".git/HEAD",
		"bin/jana-mcp",
		"node_modules/x/package.json",
		"test/node/node_modules/@modelcontextprotocol/sdk/package.json",
		".env", ".env.local",
		"docs/_build/index.html",
		"jana-mcp.test",
	} {
		if !excluded(rules, name) {
			t.Errorf("%s is sent with the build context; .dockerignore should exclude it", name)
		}
	}
}

func TestParseDockerignore(t *testing.T) {
	t.Parallel()
	rules := parseDockerignore("# c\n/bin\n**/node_modules\n*.md\n!README.md\ndocs/*/out\n")
	for name, want := range map[string]bool{
		"bin/x":                  true,
		"cmd/bin/x":              false,
		"node_modules/a":         true,
		"test/node/node_modules": true,
		"CHANGES.md":             true,
		"README.md":              false,
		"docs/x.md":              false,
		"docs/a/out/b":           true,
		"docs/a/b/out":           false,
	} {
		if got := excluded(rules, name); got != want {
			t.Errorf("excluded(%q) = %v, want %v", name, got, want)
		}
	}
}
