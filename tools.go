//go:build tools

// Package tools pins the versions of the code generators. cmd/jana-mcp-toolgen runs
// oapi-codegen as a library (go.mod pins it); this import keeps its command at the same
// version, for running it by hand (go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen).
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
