package toolkit

import (
	"fmt"
	"strings"
)

// FilterCheck checks rows against a filter that was sent to Jana. Jana has answered 200 with
// rows a filter should have excluded (its own contract probe of 2026-04-28 recorded Climate
// TRACE emissions ignoring country_code): such rows must never be shown as filtered ones.
type FilterCheck struct {
	param string // the parameter that was sent, e.g. country_iso3
	sent  []string
	want  map[string]bool
	bad   int
	seen  int
}

// CheckFilter returns a check of rows against the values sent in param, or nil when nothing
// was sent (every row passes a nil check).
func CheckFilter[T ~string](param string, sent []T) *FilterCheck {
	if len(sent) == 0 {
		return nil
	}
	f := &FilterCheck{param: param, want: make(map[string]bool, len(sent))}
	for _, v := range sent {
		f.sent = append(f.sent, string(v))
		f.want[strings.ToLower(string(v))] = true
	}
	return f
}

// Keep reports whether a row with value passes the filter (case-insensitive), counting the
// rows that do not.
func (f *FilterCheck) Keep(value string) bool {
	if f == nil {
		return true
	}
	f.seen++
	if f.want[strings.ToLower(value)] {
		return true
	}
	f.bad++
	return false
}

// Note is what to tell the model when rows did not match, or "".
func (f *FilterCheck) Note() string {
	if f == nil || f.bad == 0 {
		return ""
	}
	sent := strings.Join(f.sent, ", ")
	if len(sent) > 80 {
		sent = sent[:80] + "…"
	}
	return fmt.Sprintf("Warning: Jana did not apply the %s filter: %d of the %d rows it returned have other values than those sent (%s). "+
		"They are left out, so this answer may miss matching rows and any total over it is incomplete; report this to Jana's operators.",
		f.param, f.bad, f.seen, sent)
}

// Mismatched is the number of rows that failed the check.
func (f *FilterCheck) Mismatched() int {
	if f == nil {
		return 0
	}
	return f.bad
}

// NoteFilters adds to the page the notes of checks that found mismatches, and marks the
// structured content so that clients can tell.
func (p *Page) NoteFilters(checks ...*FilterCheck) {
	for _, c := range checks {
		if n := c.Note(); n != "" {
			p.Notes = append(p.Notes, n)
			if p.Fields == nil {
				p.Fields = map[string]any{}
			}
			p.Fields["filter_not_applied"] = append(anySlice(p.Fields["filter_not_applied"]), c.param)
		}
	}
}

func anySlice(v any) []string {
	s, _ := v.([]string)
	return s
}
