package toolkit

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// More helpers for gen/mcptools: arguments of every type drf-spectacular emits, and cells for
// every type of field (api/README.md, "Types", lists which helper serves which type).

// ParseUUID parses a tool argument into a UUID parameter.
func ParseUUID(arg, v string) (openapi_types.UUID, error) {
	u, err := uuid.Parse(v)
	if err != nil {
		return openapi_types.UUID{}, Invalid(arg, "%q is not a UUID (such as 3f2a1c9e-8b7d-4e6f-a5c4-1d2e3f4a5b6c)", bound(v, 40))
	}
	return u, nil
}

// DateOf parses a tool argument into a date parameter's value.
func DateOf(arg, v string) (openapi_types.Date, error) {
	t, _, err := parseWhen(v)
	if err != nil {
		return openapi_types.Date{}, Invalid(arg, "%v", err)
	}
	return openapi_types.Date{Time: t}, nil
}

// DateTimeOf parses a tool argument into a date-time parameter's value.
func DateTimeOf(arg, v string) (time.Time, error) {
	t, _, err := parseWhen(v)
	if err != nil {
		return time.Time{}, Invalid(arg, "%v", err)
	}
	return t, nil
}

// JSONText is the JSON text of an argument of any JSON value (a JSONField parameter), which
// is what the parameter carries.
func JSONText(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// Num32Ptr formats a float32 pointer.
func Num32Ptr(p *float32) string {
	if p == nil {
		return ""
	}
	return Num(float64(*p))
}

// TextPtr formats a pointer to a value that formats itself (a UUID).
func TextPtr[T fmt.Stringer](p *T) string {
	if p == nil {
		return ""
	}
	return (*p).String()
}

// List formats a list of scalars, joined with ";" like Strings.
func List[T any](v []T) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ";")
}

// JSON formats any value as compact JSON: objects, lists of objects, JSONFields. A nil pointer,
// map or interface is an empty cell.
func JSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil || string(data) == "null" {
		return ""
	}
	return string(data)
}

// Via returns f(p), or the zero value of its type when p is nil: a field inside an optional
// object, flattened into a row.
func Via[S, T any](p *S, f func(*S) T) T {
	if p == nil {
		var zero T
		return zero
	}
	return f(p)
}

// Value returns the value behind p, or the zero value when p is nil.
func Value[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
