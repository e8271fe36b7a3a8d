// Package gen holds the generated code, and the one directive that writes all of it: the
// client (janaapi), the adapter's operations (janaops), the tools (mcptools) and what each
// tool uses (uses.gen.yaml), from api/. Run it with `make generate` (go generate ./...).
//
// Every file it writes carries `//go:build !generate`: go generate lists a package's files
// before it runs any directive and then reads each, so a file this run deletes (a tool removed
// from the manifest) would otherwise fail the run.
package gen

//go:generate go run ../cmd/jana-mcp-toolgen -api ../api -gen .
