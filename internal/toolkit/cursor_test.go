package toolkit

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// cursorQuery stands for a tool's input with its cursor cleared.
type cursorQuery struct {
	Text  string `json:"text,omitempty"`
	Limit int    `json:"limit,omitempty"`
}

// FuzzCursor checks the cursor codec: any string a model sends as a cursor is read without a
// panic and refused as an argument error naming cursor, unless it is one of ours; a cursor
// made for a query reads back as the positions it holds; and it is refused for any other
// query.
func FuzzCursor(f *testing.F) {
	q := cursorQuery{Text: "GBR", Limit: 100}
	ours := EncodeCursor(q, Cursor{"openaq": "2", "climatetrace": "cD0yMDI0"})
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, raw := range []string{
		"", "x", "====", ours, ours[:len(ours)-1], ours + "A", ours + "=",
		b64(`{}`), b64(`null`), b64(`[]`), b64(`{"q":"","p":{}}`), b64(`{"q":1,"p":{"a":1}}`),
		b64(`{"q":"000000000000","p":{"a":"1"}}`), b64(`{"p":{"a":null}}`), b64("\xff"),
		base64.StdEncoding.EncodeToString([]byte(`{"q":"","p":{"a":"1"}}`)),
	} {
		f.Add(raw, "openaq", "2", q.Text, q.Limit)
	}
	f.Add("", "", "", "", 0)
	f.Add("", "a\x00b", "\u2028", "\xff", -1)

	f.Fuzz(func(t *testing.T, raw, listing, pos, text string, limit int) {
		query := cursorQuery{Text: text, Limit: limit}

		got, err := DecodeCursor(raw, query)
		switch {
		case err != nil:
			var arg *ArgError
			if !errors.As(err, &arg) || arg.Arg != "cursor" {
				t.Fatalf("DecodeCursor(%q): error %v is not an argument error naming cursor", raw, err)
			}
		case raw != "" && len(got) == 0:
			t.Fatalf("DecodeCursor(%q) accepted a cursor without positions", raw)
		}

		if !utf8.ValidString(listing) || !utf8.ValidString(pos) {
			// Positions are text, as JSON carries it: Jana's page numbers, offsets and
			// base64 cursors. Other bytes would come back as U+FFFD.
			listing, pos = strings.ToValidUTF8(listing, "?"), strings.ToValidUTF8(pos, "?")
		}
		want := Cursor{listing: pos, "other": "1"}
		enc := EncodeCursor(query, want)
		back, err := DecodeCursor(enc, query)
		if err != nil {
			t.Fatalf("a cursor made for %+v is refused for it: %v", query, err)
		}
		if !maps.Equal(want, back) {
			t.Fatalf("cursor round trip (-want +got):\n%s", cmp.Diff(want, back))
		}

		for _, other := range []cursorQuery{{Text: text + "x", Limit: limit}, {Text: text, Limit: limit + 1}} {
			if sameJSON(query, other) {
				continue // not another query: a string that JSON cannot tell apart
			}
			if _, err := DecodeCursor(enc, other); err == nil {
				t.Fatalf("a cursor made for %+v is accepted for %+v", query, other)
			}
		}
	})
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
