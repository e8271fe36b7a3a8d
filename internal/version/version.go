// Package version reports the build's version, set at link time by the Makefile and Dockerfile
// (-ldflags "-X github.com/janaplatform/jana-mcp/internal/version.version=...").
package version

import "runtime/debug"

// version is written by the linker; it is never assigned at run time.
var version = ""

// String returns the version of this build: the linker-provided value, else the module
// version recorded by `go install`, else "dev".
func String() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
