// Command jana-mcp-toolgen writes gen/mcptools from the tool manifest (api/tools.yaml), the
// Jana schema (api/openapi.yaml) and the generated client (gen/janaapi). It runs through
// `go generate` (gen/mcptools/generate.go); see internal/toolgen.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/janaplatform/jana-mcp/internal/toolgen"
)

func main() {
	var in toolgen.Inputs
	flag.StringVar(&in.Manifest, "manifest", "api/tools.yaml", "tool manifest")
	flag.StringVar(&in.Schema, "schema", "api/openapi.yaml", "Jana OpenAPI schema")
	flag.StringVar(&in.Client, "client", "gen/janaapi", "directory of the generated client")
	out := flag.String("out", "gen/mcptools", "output directory")
	flag.Parse()
	if err := toolgen.Generate(in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "jana-mcp-toolgen:", err)
		os.Exit(1)
	}
}
