package toolkit

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
)

// Cursor is where the next page of each listing starts: listing name -> backend position
// (a page number, an offset or Jana's own cursor). A listing absent from a non-empty cursor is
// exhausted. Models see only an opaque string bound to the query that produced it. Names and
// positions are UTF-8 text, as JSON carries them; other bytes would come back as U+FFFD.
type Cursor map[string]string

type cursorWire struct {
	Query string `json:"q"`
	Pos   Cursor `json:"p"`
}

// EncodeCursor returns the opaque next_cursor for query (the tool's input with its cursor
// field cleared), or "" when no listing has more rows.
func EncodeCursor(query any, c Cursor) string {
	if len(c) == 0 {
		return ""
	}
	data, err := json.Marshal(cursorWire{Query: queryHash(query), Pos: c})
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return base64.RawURLEncoding.EncodeToString(data)
}

// DecodeCursor reads a cursor made by EncodeCursor for the same query. An empty raw cursor
// returns nil: start from the beginning.
func DecodeCursor(raw string, query any) (Cursor, error) {
	if raw == "" {
		return nil, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(raw)
	var w cursorWire
	if err != nil || json.Unmarshal(data, &w) != nil || len(w.Pos) == 0 {
		return nil, Invalid("cursor", "is not a next_cursor this tool returned; omit it to start from the first page")
	}
	if w.Query != queryHash(query) {
		return nil, Invalid("cursor", "belongs to a query with different arguments; repeat the previous arguments unchanged, or omit cursor to start over")
	}
	return w.Pos, nil
}

func queryHash(query any) string {
	data, _ := json.Marshal(query)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:6])
}

// NextParam extracts a query parameter (page, offset or cursor) from a DRF next URL. The URL
// itself is never followed: its host is whatever Jana believed its own name to be.
func NextParam(next *string, param string) string {
	if next == nil || *next == "" {
		return ""
	}
	u, err := url.Parse(*next)
	if err != nil {
		return ""
	}
	return u.Query().Get(param)
}
