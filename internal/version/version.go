// Package version reports the build's version, set at link time by the Makefile, the build
// script and the Dockerfile (-ldflags "-X github.com/janaplatform/jana-mcp/internal/version.version=...",
// from `git describe --tags`), or else read from what the go command recorded in the binary.
package version

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Written by the linker; never assigned at run time.
var (
	version = ""
	commit  = ""
)

const sdkModule = "github.com/modelcontextprotocol/go-sdk"

// Info describes this build.
type Info struct {
	Version string `json:"version"`
	// Source says where Version came from: "ldflags" (a release build: a git tag, or the
	// commit when there is none), "module" (go install of a tagged module), "vcs" (a plain go
	// build in a git checkout: dev plus the commit), or "none" (no information: "dev").
	Source   string `json:"source"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"` // built from a checkout with local changes
	Go       string `json:"go"`
	GoSDK    string `json:"go_sdk,omitempty"` // the go-sdk version linked in
}

// Get returns what is known about this build.
func Get() Info { return get() }

// get reads the build information once: it does not change while the process runs.
var get = sync.OnceValue(read)

func read() Info {
	info := Info{Version: "dev", Source: "none", Commit: commit, Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
		for _, d := range bi.Deps {
			if d.Path == sdkModule {
				info.GoSDK = d.Version
				if d.Replace != nil {
					info.GoSDK = d.Replace.Version
				}
			}
		}
	}
	switch {
	case version != "":
		info.Version, info.Source = version, "ldflags"
	case ok && bi.Main.Version != "" && bi.Main.Version != "(devel)":
		info.Version, info.Source = bi.Main.Version, "module"
	case info.Commit != "":
		info.Version, info.Source = "dev+"+short(info.Commit), "vcs"
		if info.Modified {
			info.Version += "-dirty"
		}
	}
	return info
}

// String returns the version of this build.
func String() string { return Get().Version }

func short(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
