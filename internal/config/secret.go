package config

import "log/slog"

// Secret is a credential (password or token). It prints, logs and marshals as a fixed
// placeholder so that it cannot reach a log line, an error message or a metrics label by
// accident; Reveal returns the value for the one place that must send it (the backend).
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether no secret is set.
func (s Secret) IsZero() bool { return s == "" }

// String implements fmt.Stringer.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer, so %#v does not leak either.
func (s Secret) GoString() string { return s.String() }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText implements encoding.TextMarshaler (used by JSON and YAML encoders).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
