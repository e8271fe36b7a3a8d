package toolkit

import (
	"strconv"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
)

// Helpers called by the tool bindings generated from api/tools.yaml (gen/mcptools). They keep
// the generated code short and typed: the generator picks the helper that fits each Go type.

// ParseDate parses a tool argument into a Jana date parameter.
func ParseDate(arg, v string) (*openapi_types.Date, error) {
	if v == "" {
		return nil, nil
	}
	t, _, err := parseWhen(v)
	if err != nil {
		return nil, Invalid(arg, "%v", err)
	}
	return &openapi_types.Date{Time: t}, nil
}

// ParseDateTime parses a tool argument into a Jana date-time parameter.
func ParseDateTime(arg, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, _, err := parseWhen(v)
	if err != nil {
		return nil, Invalid(arg, "%v", err)
	}
	return &t, nil
}

// Text cells for generated rows.

// Str formats a string pointer.
func Str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Int formats an integer.
func Int[T ~int | ~int32 | ~int64](v T) string { return strconv.FormatInt(int64(v), 10) }

// IntPtr formats an integer pointer.
func IntPtr[T ~int | ~int32 | ~int64](p *T) string {
	if p == nil {
		return ""
	}
	return Int(*p)
}

// NumPtr formats a number pointer.
func NumPtr(p *float64) string {
	if p == nil {
		return ""
	}
	return Num(*p)
}

// Bool formats a boolean.
func Bool(v bool) string { return strconv.FormatBool(v) }

// BoolPtr formats a boolean pointer.
func BoolPtr(p *bool) string {
	if p == nil {
		return ""
	}
	return Bool(*p)
}

// Time formats an instant as RFC 3339 in UTC.
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// TimePtr formats an instant pointer.
func TimePtr(p *time.Time) string {
	if p == nil {
		return ""
	}
	return Time(*p)
}

// Date formats a date.
func Date(d openapi_types.Date) string { return d.Format(time.DateOnly) }

// DatePtr formats a date pointer.
func DatePtr(p *openapi_types.Date) string {
	if p == nil {
		return ""
	}
	return Date(*p)
}

// Strings formats a list of strings.
func Strings[T ~string](v []T) string {
	parts := make([]string, len(v))
	for i, s := range v {
		parts[i] = string(s)
	}
	return strings.Join(parts, ";")
}

// StringsPtr formats a pointer to a list of strings.
func StringsPtr[T ~string](p *[]T) string {
	if p == nil {
		return ""
	}
	return Strings(*p)
}

// EnumText formats a value of a generated string enum type.
func EnumText[T ~string](v T) string { return string(v) }

// SourceNamed returns the attribution for a manifest "source" value.
func SourceNamed(name string) []Source {
	switch name {
	case "openaq":
		return []Source{OpenAQ}
	case "climatetrace":
		return []Source{ClimateTRACE}
	case "edgar":
		return []Source{EDGAR}
	case "gcp":
		return []Source{GCP}
	case "gleif":
		return []Source{GLEIF}
	case "noaa":
		return []Source{NOAA}
	case "all":
		return []Source{OpenAQ, ClimateTRACE, EDGAR}
	}
	return nil
}

// CursorHelp describes the cursor argument of generated list tools.
const CursorHelp = "To get the next page, the next_cursor of the previous result; pass the other arguments unchanged."

// RowsTitle is the first line of a generated result: its title and how many of what it
// lists (key, the rows' name) it shows, e.g. "…: 2 sensors." for one station's details.
func RowsTitle(title, key string, rows, total int) string {
	if total > rows {
		return title + ": " + strconv.Itoa(rows) + " " + key + " on this page, " + strconv.Itoa(total) + " in all."
	}
	return title + ": " + strconv.Itoa(rows) + " " + key + "."
}

// Opt returns a one-value list of the value behind p, or nil.
func Opt[T any](p *T) []T {
	if p == nil {
		return nil
	}
	return []T{*p}
}
