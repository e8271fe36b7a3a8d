package toolkit

import (
	"strconv"
)

// Position is where a listing resumes: the backend position of a page (a page number, an
// offset, or Jana's own cursor; "" for the first page) and how many rows at the start of that
// page were already shown. A page cut to fit the size bound resumes inside the backend page it
// came from, at the first row it did not show, so that paging never loses or repeats a row.
type Position struct {
	At   string
	Skip int
}

// skipSuffix marks the key holding a listing's Skip in a Cursor; listing names never hold it.
const skipSuffix = "~skip"

// Position returns where listing resumes. ok is false when the cursor is non-empty and has no
// position for listing: that listing was exhausted on an earlier page.
func (c Cursor) Position(listing string) (pos Position, ok bool, err error) {
	if c == nil {
		return Position{}, true, nil
	}
	at, ok := c[listing]
	if !ok {
		return Position{}, false, nil
	}
	pos.At = at
	if s, has := c[listing+skipSuffix]; has {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 1<<20 {
			return Position{}, false, Invalid("cursor", "is damaged; omit it to start from the first page")
		}
		pos.Skip = n
	}
	return pos, true, nil
}

// set records where listing resumes.
func (c Cursor) set(listing string, pos Position) {
	c[listing] = pos.At
	if pos.Skip > 0 {
		c[listing+skipSuffix] = strconv.Itoa(pos.Skip)
	}
}

// PositionInt reads a numeric position (a page number or an offset) of listing; start is the
// first page's. ok is false when the listing was exhausted on an earlier page.
func (c Cursor) PositionInt(listing string, start int) (n int, pos Position, ok bool, err error) {
	pos, ok, err = c.Position(listing)
	if err != nil || !ok {
		return 0, pos, ok, err
	}
	if pos.At == "" {
		return start, pos, true, nil
	}
	n, err = strconv.Atoi(pos.At)
	if err != nil || n < start || n > 1<<30 {
		return 0, pos, false, Invalid("cursor", "is damaged; omit it to start from the first page")
	}
	return n, pos, true, nil
}

// Pages marks the table as one backend page of a listing: the page at pos, whose rows before
// pos.Skip were shown before, and the position of the next backend page (next, "" at the end).
// With it the result's next_cursor resumes exactly after the last row shown, whether the page
// was shown whole or cut to fit. The page's Query must be set.
func (t *Table) Pages(listing string, pos Position, next string) {
	t.listing, t.at, t.skip, t.next = listing, pos.At, pos.Skip, next
}

// AddAt appends the row at index i of the backend page (rows left out, such as OpenAQ's -999
// markers, simply have no AddAt). A row shown on an earlier page (i below the position's Skip)
// is not added; AddAt reports whether the row was.
func (t *Table) AddAt(i int, item any, cells ...string) bool {
	t.seen = i + 1
	if i < t.skip {
		return false
	}
	t.src = append(t.src, i)
	t.Items = append(t.Items, item)
	t.Rows = append(t.Rows, cells)
	return true
}

// Skip is how many rows at the start of the backend page were shown before.
func (t *Table) Skip() int { return t.skip }

// resume returns where the table's listing resumes when shown rows of it are shown, and
// whether it resumes at all.
func (t *Table) resume(shown int) (Position, bool) {
	if shown < len(t.Rows) {
		skip := t.skip
		if shown > 0 {
			skip = t.src[shown-1] + 1
		}
		return Position{At: t.at, Skip: skip}, true
	}
	if t.next != "" {
		return Position{At: t.next}, true
	}
	return Position{}, false
}

// nextCursor is the page's next_cursor when cut rows of each table are shown, or "".
func (p *Page) nextCursor(cut []int) string {
	c := Cursor{}
	paged := false
	for i, t := range p.Tables {
		if t.listing == "" {
			continue
		}
		paged = true
		if pos, ok := t.resume(cut[i]); ok {
			c.set(t.listing, pos)
		}
	}
	if !paged {
		return ""
	}
	return EncodeCursor(p.Query, c)
}

// paged reports whether any table pages through a listing.
func (p *Page) paged() bool {
	for _, t := range p.Tables {
		if t.listing != "" {
			return true
		}
	}
	return false
}
