//go:build tools

// Package tools pins the versions of the code generators `go generate` runs, so that
// generation is reproducible on a fresh machine (see the Makefile's generate target).
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
