// Package mcptools holds the MCP tools generated from api/tools.yaml: typed bindings of
// selected Jana operations through the generated client. Regenerate with `make generate`
// (gen/generate.go).
package mcptools
