package sandbox

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DRF's field error messages, reproduced so clients see exactly what the backend says.
const (
	msgInteger  = "A valid integer is required."
	msgNumber   = "A valid number is required."
	msgBoolean  = "Must be a valid boolean."
	msgChoice   = "%q is not a valid choice."
	msgDate     = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
	msgDateTime = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	msgMax      = "Ensure this value is less than or equal to %s."
	msgMin      = "Ensure this value is greater than or equal to %s."
	msgMaxLen   = "Ensure this field has no more than %d characters."
	msgMinLen   = "Ensure this field has at least %d characters."
	msgMinItems = "Ensure this field has at least %d elements."
	msgMaxItems = "Ensure this field has no more than %d elements."
)

// checkQuery validates q against the operation's schema and rewrites it in place into the
// canonical form the generated wrapper binds: values normalised, renamed parameters mapped
// back to their committed names. q is echo's parsed query; the raw query string is untouched,
// so pagination links keep the client's spelling.
func checkQuery(op *opSpec, q url.Values) *apiError {
	var unknown []string
	for name := range q {
		if _, ok := op.params[name]; !ok {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return unknownParams(unknown, op.allowed)
	}
	var errs map[string][]string
	fail := func(name, msg string) {
		if errs == nil {
			errs = map[string][]string{}
		}
		if !slices.Contains(errs[name], msg) {
			errs[name] = append(errs[name], msg)
		}
	}
	for name, values := range q {
		p := op.params[name]
		var out []string
		switch {
		case p.Type == "array" && p.Explode:
			var items []string
			for _, v := range values {
				items = append(items, splitList(v)...)
			}
			if len(items) == 0 {
				delete(q, name)
				continue
			}
			if p.MinItems != nil && len(items) < *p.MinItems {
				fail(name, fmt.Sprintf(msgMinItems, *p.MinItems))
			}
			if p.MaxItems != nil && len(items) > *p.MaxItems {
				fail(name, fmt.Sprintf(msgMaxItems, *p.MaxItems))
			}
			for _, it := range items {
				v, msg := checkScalar(p.Items, it)
				if msg != "" {
					fail(name, msg)
				}
				out = append(out, v)
			}
		case p.Type == "array":
			// Django's QueryDict.get: a repeated non-exploded parameter keeps its last value.
			items := splitList(values[len(values)-1])
			if len(items) == 0 {
				delete(q, name)
				continue
			}
			norm := make([]string, 0, len(items))
			for _, it := range items {
				v, msg := checkScalar(p.Items, it)
				if msg != "" {
					fail(name, msg)
				}
				norm = append(norm, v)
			}
			out = []string{strings.Join(norm, ",")}
		default:
			raw := strings.TrimSpace(values[len(values)-1])
			if raw == "" {
				// django-filter ignores empty values.
				delete(q, name)
				continue
			}
			v, msg := checkScalar(p, raw)
			if msg != "" {
				fail(name, msg)
			}
			out = []string{v}
		}
		if p.Canonical != name {
			delete(q, name)
		}
		q[p.Canonical] = out
	}
	for name, p := range op.params {
		if _, ok := q[p.Canonical]; p.Required && !ok {
			fail(name, msgFieldIsRequired)
		}
	}
	if errs != nil {
		return fieldErrors(errs)
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// checkScalar validates one value and returns its canonical form or a DRF message.
func checkScalar(p *paramSpec, v string) (string, string) {
	if p == nil {
		return v, ""
	}
	switch p.Type {
	case "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return v, msgInteger
		}
		if msg := checkRange(p, float64(n)); msg != "" {
			return v, msg
		}
		return strconv.FormatInt(n, 10), ""
	case "number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return v, msgNumber
		}
		if msg := checkRange(p, f); msg != "" {
			return v, msg
		}
		return strconv.FormatFloat(f, 'g', -1, 64), ""
	case "boolean":
		switch strings.ToLower(v) {
		case "true", "1":
			return "true", ""
		case "false", "0":
			return "false", ""
		}
		return v, msgBoolean
	}
	switch p.Format {
	case "date":
		if _, err := time.Parse(time.DateOnly, v); err == nil {
			return v, ""
		}
		if p.Bound != "" {
			if t, ok := parseDateTime(v); ok {
				return boundDate(t, p.Bound == "from"), ""
			}
		}
		return v, msgDate
	case "date-time":
		t, ok := parseDateTime(v)
		if !ok {
			return v, msgDateTime
		}
		return t.UTC().Format(time.RFC3339Nano), ""
	}
	if len(p.Enum) > 0 && !slices.Contains(p.Enum, v) {
		return v, fmt.Sprintf(msgChoice, v)
	}
	if n := len([]rune(v)); p.MaxLen != nil && n > *p.MaxLen {
		return v, fmt.Sprintf(msgMaxLen, *p.MaxLen)
	} else if p.MinLen != nil && n < *p.MinLen {
		return v, fmt.Sprintf(msgMinLen, *p.MinLen)
	}
	return v, ""
}

// boundDate turns an instant into the date that selects the same rows, which all start at
// midnight UTC: start_time >= t is the rows from the first midnight at or after t, and
// start_time <= t those up to the last midnight at or before it.
func boundDate(t time.Time, from bool) string {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if from && d.Before(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format(time.DateOnly)
}

func checkRange(p *paramSpec, f float64) string {
	if p.Max != nil && f > *p.Max {
		return fmt.Sprintf(msgMax, strconv.FormatFloat(*p.Max, 'g', -1, 64))
	}
	if p.Min != nil && f < *p.Min {
		return fmt.Sprintf(msgMin, strconv.FormatFloat(*p.Min, 'g', -1, 64))
	}
	return ""
}

// A '+' in an unencoded offset arrives as a space; Django would reject it, but restoring it is
// harmless and spares clients a confusing error.
var spacedOffset = regexp.MustCompile(`(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?) (\d{2}:?\d{2})$`)

// parseDateTime accepts the ISO 8601 forms Django's DateTimeField does; naive times are UTC.
func parseDateTime(v string) (time.Time, bool) {
	v = spacedOffset.ReplaceAllString(v, "$1+$4")
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04",
		"2006-01-02 15:04:05.999999999", "2006-01-02 15:04", "2006-01-02T15:04Z07:00", time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
