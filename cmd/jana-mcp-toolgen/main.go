// Command jana-mcp-toolgen writes everything in gen/ from api/: it prepares Jana's schema
// (api/openapi.yaml with api/overlay.yaml and the drf-spectacular fixes of internal/spec),
// generates the client with oapi-codegen (api/codegen/*.yaml → gen/janaapi), the adapter's
// operations (api/tools.yaml's adapter section → gen/janaops), the tools (api/tools.yaml →
// gen/mcptools) and what each tool uses (gen/uses.gen.yaml). It runs through `go generate`
// (gen/generate.go); see internal/toolgen.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/janaplatform/jana-mcp/internal/toolgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("jana-mcp-toolgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d toolgen.Dirs
	fs.StringVar(&d.API, "api", "api", "directory of openapi.yaml, overlay.yaml, codegen/ and tools.yaml")
	fs.StringVar(&d.Gen, "gen", "gen", "directory of the generated packages")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := toolgen.All(d, prefixed{stderr}); err != nil {
		fmt.Fprintln(stderr, "jana-mcp-toolgen:", err)
		return 1
	}
	return 0
}

// prefixed names the program on every line it writes.
type prefixed struct{ w io.Writer }

func (p prefixed) Write(b []byte) (int, error) {
	if _, err := fmt.Fprintf(p.w, "jana-mcp-toolgen: %s", b); err != nil {
		return 0, err
	}
	return len(b), nil
}
