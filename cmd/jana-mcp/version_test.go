package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/janaplatform/jana-mcp/internal/version"
)

// TestVersion: `version` prints the version, where it came from, the commit and the Go and
// go-sdk versions; `--version` prints the version line alone. A test binary is stamped with
// nothing, and says so. (internal/deploy's TestStaticBinary checks a stamped build.)
func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version"}, func(string) string { return "" }, &out, &out); err != nil {
		t.Fatal(err)
	}
	v := version.Get()
	for _, want := range []string{"jana-mcp " + v.Version + "\n", "version from: ", "commit: ", "go: " + runtime.Version() + "\n",
		"go-sdk: " + v.GoSDK + "\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version lacks %q:\n%s", want, out.String())
		}
	}
	if v.GoSDK == "" || !strings.HasPrefix(v.GoSDK, "v1.") {
		t.Errorf("go-sdk version %q, want the linked v1.x", v.GoSDK)
	}

	out.Reset()
	if err := run(t.Context(), []string{"--version"}, func(string) string { return "" }, &out, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "jana-mcp "+v.Version+"\n" {
		t.Errorf("--version = %q", got)
	}
}

func TestVersionText(t *testing.T) {
	for _, tc := range []struct {
		info version.Info
		want []string
	}{
		{version.Info{Version: "v1.2.0", Source: "ldflags", Commit: "abc", Go: "go1.26", GoSDK: "v1.8.0"},
			[]string{"jana-mcp v1.2.0\n", "version from: stamped at build time", "commit: abc\n", "go-sdk: v1.8.0\n"}},
		{version.Info{Version: "dev+abcdef012345-dirty", Source: "vcs", Commit: "abcdef0123456789", Modified: true, Go: "go1.26"},
			[]string{"version from: a plain go build", "commit: abcdef0123456789 (with local changes)\n", "go-sdk: unknown\n"}},
		{version.Info{Version: "dev", Source: "none", Go: "go1.26"},
			[]string{"jana-mcp dev\n", "version from: unknown: no version was stamped", "commit: unknown\n"}},
	} {
		got := versionText(tc.info)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%+v: lacks %q:\n%s", tc.info, w, got)
			}
		}
	}
}
