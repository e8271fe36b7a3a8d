// Package secret holds credentials so that they cannot be printed by accident. It is a leaf:
// the settings (internal/config) and the Jana adapter (internal/jana) both use it without
// depending on each other.
package secret

import "log/slog"

// Value is a credential (password or token). It prints, logs and marshals as a fixed
// placeholder so that it cannot reach a log line, an error message or a metrics label by
// accident; Reveal returns the value for the one place that must send it (the backend).
type Value string

const redacted = "[redacted]"

// Reveal returns the secret's value.
func (s Value) Reveal() string { return string(s) }

// IsZero reports whether no secret is set.
func (s Value) IsZero() bool { return s == "" }

// String implements fmt.Stringer.
func (s Value) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer, so %#v does not leak either.
func (s Value) GoString() string { return s.String() }

// LogValue implements slog.LogValuer.
func (s Value) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText implements encoding.TextMarshaler (used by JSON and YAML encoders).
func (s Value) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
