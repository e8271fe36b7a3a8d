package tools

import (
	"slices"
	"time"

	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func numPtr(p *float64) string {
	if p == nil {
		return ""
	}
	return toolkit.Num(*p)
}

func timePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func contains(list []string, v string) bool { return slices.Contains(list, v) }

func ptr[T any](v T) *T { return &v }
