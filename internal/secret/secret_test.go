package secret

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestNeverPrinted: every way a value is printed, logged or marshalled shows the placeholder.
func TestNeverPrinted(t *testing.T) {
	t.Parallel()
	const pw = "hunter2-password"
	s := Value(pw)
	var b strings.Builder
	fmt.Fprintf(&b, "%v %s %+v %#v %q", s, s, struct{ P Value }{s}, s, s)
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "secret", s)
	data, err := json.Marshal(map[string]Value{"p": s})
	if err != nil {
		t.Fatal(err)
	}
	b.Write(data)
	if strings.Contains(b.String(), pw) {
		t.Fatalf("leaked: %s", b.String())
	}
	if s.Reveal() != pw || s.IsZero() || !Value("").IsZero() || Value("").String() != "" {
		t.Error("Reveal, IsZero or the empty value's String")
	}
}
