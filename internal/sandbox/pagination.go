package sandbox

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"
)

// DRF pagination settings of the backend.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
	// maxOffset caps limit/offset offsets (a larger one reads past every table anyway).
	maxOffset = 1 << 40
)

// served is the name a committed query parameter has in the served schema (after renames).
func (s *apiSpec) served(canonical string) string {
	if nu, ok := s.original[canonical]; ok {
		return nu
	}
	return canonical
}

// link is DRF's replace_query_param/remove_query_param applied to the absolute request URL:
// the other parameters are kept as the client sent them, keys sorted as Python's urlencode does.
func (s *Sandbox) link(c echo.Context, set map[string]string, remove ...string) *string {
	r := c.Request()
	q, _ := url.ParseQuery(stateOf(c).rawQuery)
	for k, v := range set {
		q.Set(s.spec.served(k), v)
	}
	for _, k := range remove {
		q.Del(s.spec.served(k))
	}
	u := url.URL{Scheme: requestScheme(r), Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	str := u.String()
	return &str
}

// absolute is an absolute URL of path on the request's host (DRF's build_absolute_uri).
func (s *Sandbox) absolute(c echo.Context, path string) *string {
	u := url.URL{Scheme: requestScheme(c.Request()), Host: c.Request().Host, Path: path}
	str := u.String()
	return &str
}

// requestScheme is the scheme the client used. Behind the production proxy Django trusts
// X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
func requestScheme(r *http.Request) string {
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		return p
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// pageSize is DRF's page_size handling: positive values up to the maximum, else the default.
func pageSize(v *int) int {
	if v == nil || *v <= 0 {
		return defaultPageSize
	}
	return min(*v, maxPageSize)
}

// window is a slice of a paginated result with its links.
type window struct {
	offset, limit int
	next, prev    *string
}

// pageNumberWindow is DRF's PageNumberPagination.
func (s *Sandbox) pageNumberWindow(c echo.Context, page, size *int, count int) (window, error) {
	n := pageSize(size)
	p := 1
	if page != nil {
		p = *page
	}
	pages := max(1, (count+n-1)/n)
	if p < 1 || p > pages {
		return window{}, detail(404, msgInvalidPage)
	}
	w := window{offset: (p - 1) * n, limit: n}
	if p < pages {
		w.next = s.link(c, map[string]string{"page": strconv.Itoa(p + 1)})
	}
	switch {
	case p == 2:
		w.prev = s.link(c, nil, "page")
	case p > 2:
		w.prev = s.link(c, map[string]string{"page": strconv.Itoa(p - 1)})
	}
	return w, nil
}

// pageOrOffsetWindow is Jana's pagination of counted lists: DRF's PageNumberPagination that
// also takes limit and offset (its clients' SDK sends page_size and limit together). A page
// number, or neither limit nor offset, pages by number; otherwise rows are paged by limit and
// offset, whose links the answer then carries. limit and page_size are the same setting.
func (s *Sandbox) pageOrOffsetWindow(c echo.Context, page, size, limit, offset *int, count int) (window, error) {
	if page == nil && (limit != nil || offset != nil) {
		return s.limitOffsetWindow(c, firstOf(limit, size), offset, count), nil
	}
	return s.pageNumberWindow(c, page, firstOf(size, limit), count)
}

// firstOf returns the first non-nil value: a canonical parameter, then its aliases.
func firstOf[T any](values ...*T) *T {
	for _, v := range values {
		if v != nil {
			return v
		}
	}
	return nil
}

// limitOffsetWindow is DRF's LimitOffsetPagination.
func (s *Sandbox) limitOffsetWindow(c echo.Context, limit, offset *int, count int) window {
	w := window{limit: pageSize(limit)}
	if offset != nil && *offset > 0 {
		// Past every table's end, and far from overflowing offset+limit.
		w.offset = min(*offset, maxOffset)
	}
	if w.offset+w.limit < count {
		w.next = s.link(c, map[string]string{"limit": strconv.Itoa(w.limit), "offset": strconv.Itoa(w.offset + w.limit)})
	}
	switch {
	case w.offset <= 0:
	case w.offset-w.limit <= 0:
		w.prev = s.link(c, map[string]string{"limit": strconv.Itoa(w.limit)}, "offset")
	default:
		w.prev = s.link(c, map[string]string{"limit": strconv.Itoa(w.limit), "offset": strconv.Itoa(w.offset - w.limit)})
	}
	return w
}

// cursorPos is a decoded DRF cursor. Positions are row ids, which are unique, so DRF's offset
// component is always zero.
type cursorPos struct {
	reverse  bool
	position int64
	set      bool
}

func encodeCursor(reverse bool, position int64) string {
	q := ""
	if reverse {
		q = "r=1&"
	}
	q += "p=" + strconv.FormatInt(position, 10)
	return base64.StdEncoding.EncodeToString([]byte(q))
}

func decodeCursor(v *string) (cursorPos, error) {
	if v == nil {
		return cursorPos{}, nil
	}
	raw, err := base64.StdEncoding.DecodeString(*v)
	if err != nil {
		return cursorPos{}, detail(404, msgInvalidCursor)
	}
	q, err := url.ParseQuery(string(raw))
	if err != nil {
		return cursorPos{}, detail(404, msgInvalidCursor)
	}
	var cp cursorPos
	if r := q.Get("r"); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil {
			return cursorPos{}, detail(404, msgInvalidCursor)
		}
		cp.reverse = n != 0
	}
	if o := q.Get("o"); o != "" && o != "0" {
		return cursorPos{}, detail(404, msgInvalidCursor)
	}
	if p := q.Get("p"); p != "" {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 {
			return cursorPos{}, detail(404, msgInvalidCursor)
		}
		cp.position, cp.set = n, true
	}
	return cp, nil
}

// maxCursorSkip bounds offset on cursor lists, whose rows are found by walking them.
const maxCursorSkip = 1_000_000

// cursorArgs are the paging parameters of a cursor-paginated list: Jana also takes limit (as
// page_size) and offset (rows to skip before the first page).
type cursorArgs struct {
	Cursor                *string
	PageSize, Limit, Skip *int
}

// cursorPage is DRF's CursorPagination over rows ordered by id. after(p, n) returns up to n
// rows with id > p (p = 0: from the start) and whether more follow; before(p, n) returns up to
// n rows with id < p in id order and whether more precede.
func cursorPage[T any](s *Sandbox, c echo.Context, args cursorArgs,
	after, before func(int64, int) ([]T, bool), id func(T) int64) ([]T, *string, *string, error) {
	cp, err := decodeCursor(args.Cursor)
	if err != nil {
		return nil, nil, nil, err
	}
	n := pageSize(firstOf(args.PageSize, args.Limit))
	if !cp.set && args.Skip != nil && *args.Skip > 0 {
		if *args.Skip > maxCursorSkip {
			return []T{}, nil, nil, nil
		}
		skipped, _ := after(0, *args.Skip)
		if len(skipped) < *args.Skip {
			return []T{}, nil, nil, nil
		}
		cp = cursorPos{position: id(skipped[len(skipped)-1]), set: true}
	}
	var rows []T
	var hasNext, hasPrev bool
	switch {
	case cp.reverse && cp.set:
		var more bool
		rows, more = before(cp.position, n)
		hasPrev, hasNext = more, true
	case cp.set:
		rows, hasNext = after(cp.position, n)
		hasPrev = true
	default:
		rows, hasNext = after(0, n)
	}
	var next, prev *string
	if hasNext {
		pos := cp.position
		if len(rows) > 0 {
			pos = id(rows[len(rows)-1])
		}
		next = s.link(c, map[string]string{"cursor": encodeCursor(false, pos)})
	}
	if hasPrev {
		pos := cp.position
		if len(rows) > 0 {
			pos = id(rows[0])
		}
		prev = s.link(c, map[string]string{"cursor": encodeCursor(true, pos)})
	}
	if rows == nil {
		rows = []T{}
	}
	return rows, next, prev, nil
}
