// Package api holds the contract with Jana: its OpenAPI schema exactly as the backend serves
// it (openapi.yaml), the overlay and oapi-codegen configuration that turn it into gen/janaapi,
// and the manifest of operations exposed as MCP tools. See api/README.md.
package api

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPIYAML returns a copy of the committed Jana schema (api/openapi.yaml).
func OpenAPIYAML() []byte { return bytes.Clone(openAPI) }
