package toolkit

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	fastjson "github.com/segmentio/encoding/json"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

// Page is a tool's answer. It renders twice: as compact text (what most clients show the
// model) and as structured content, both cut to the same rows when over the size bound.
type Page struct {
	Title  string         // first line: what the result holds
	Notes  []string       // further lines: caveats, dropped values, summaries
	Fields map[string]any // structured fields besides the tables
	Tables []*Table
	// Query is what next_cursor is bound to (the tool's input with its cursor cleared), for
	// pages whose tables page through a backend listing (Table.Pages).
	Query any
	// Sources are credited on every result.
	Sources []Source
	// Images follow the text (a chart for clients that show images); their producer bounds
	// their size, so cutting rows does not count them.
	Images []*mcp.ImageContent
}

// Table is one list of rows: text cells for the text rendering and items for the structured
// content, in the same order.
type Table struct {
	Name    string // structured key; heading when a page has several tables
	Columns []string
	Rows    [][]string
	Items   []any
	// Total is how many rows Jana holds for the query, or -1 when unknown.
	Total int

	// Paging (Pages): the listing's cursor key, the backend positions of this page and the
	// next, the rows of this page shown before, and each row's index in the backend page.
	listing, at, next string
	skip, seen        int
	src               []int
}

// Add appends the next row of the backend page. A tool that leaves rows out uses AddAt.
func (t *Table) Add(item any, cells ...string) { t.AddAt(t.seen, item, cells...) }

// Source is a data provider to attribute.
type Source struct {
	Name    string `json:"name"`
	URL     string `json:"url"`
	License string `json:"license,omitempty"`
}

// The sources Jana serves.
var (
	OpenAQ       = Source{Name: "OpenAQ", URL: "https://openaq.org", License: "CC BY 4.0"}
	ClimateTRACE = Source{Name: "Climate TRACE", URL: "https://climatetrace.org", License: "CC BY 4.0"}
	EDGAR        = Source{Name: "EDGAR (European Commission JRC)", URL: "https://edgar.jrc.ec.europa.eu", License: "CC BY 4.0"}
	GCP          = Source{Name: "Global Carbon Project", URL: "https://globalcarbonbudget.org", License: "CC BY 4.0"}
	GLEIF        = Source{Name: "GLEIF", URL: "https://www.gleif.org", License: "CC0 1.0"}
	NOAA         = Source{Name: "NOAA Storm Events Database", URL: "https://www.ncdc.noaa.gov/stormevents/", License: "US Public Domain"}
)

// render builds the CallToolResult, cutting rows until text plus structured content fit in
// maxBytes. It never cuts silently: the text and the structured content say what was cut and
// how to narrow or page.
func (p *Page) render(maxBytes int, call jana.CallSummary) *mcp.CallToolResult {
	total := 0
	for _, t := range p.Tables {
		total += len(t.Rows)
	}
	keep := 1.0
	var text string
	var structured []byte
	for {
		cut := p.cut(keep, total)
		cursor := p.nextCursor(cut)
		text, structured = p.text(cut, cursor, call), p.structured(cut, cursor, call)
		size := len(text) + len(structured)
		if size <= maxBytes || total == 0 || keep == 0 {
			break
		}
		// Shrink in proportion to the overshoot, and always by at least one row.
		next := keep * float64(maxBytes) / float64(size) * 0.95
		if kept := float64(total) * next; kept >= float64(total)*keep-1 {
			next = (float64(total)*keep - 1) / float64(total)
		}
		keep = math.Max(0, next)
	}
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
	for _, img := range p.Images {
		res.Content = append(res.Content, img)
	}
	res.StructuredContent = json.RawMessage(structured)
	return res
}

// cut returns how many rows of each table to keep for the fraction keep. A paged result
// always keeps one row, so that following next_cursor makes progress.
func (p *Page) cut(keep float64, total int) []int {
	out := make([]int, len(p.Tables))
	kept := 0
	for i, t := range p.Tables {
		out[i] = len(t.Rows)
		if keep < 1 {
			out[i] = int(math.Floor(float64(len(t.Rows)) * keep))
		}
		kept += out[i]
	}
	if kept == 0 && total > 0 && p.paged() {
		for i, t := range p.Tables {
			if len(t.Rows) > 0 {
				out[i] = 1
				break
			}
		}
	}
	return out
}

func truncated(p *Page, cut []int) bool {
	for i, t := range p.Tables {
		if cut[i] < len(t.Rows) {
			return true
		}
	}
	return false
}

const (
	truncationHint      = "Narrow the query (smaller area, shorter date range, fewer parameters) or lower limit"
	pagedTruncationHint = "The rest follow: call again with the same arguments and next_cursor as cursor"
)

func (p *Page) hint() string {
	if p.paged() {
		return pagedTruncationHint
	}
	return truncationHint
}

func (p *Page) text(cut []int, next string, call jana.CallSummary) string {
	var b strings.Builder
	b.WriteString(p.Title)
	b.WriteByte('\n')
	for _, n := range p.Notes {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	if call.Cached && call.CacheAge >= time.Second {
		fmt.Fprintf(&b, "Served from cache: fetched from Jana %s ago.\n", call.CacheAge.Round(time.Second))
	}
	for i, t := range p.Tables {
		if len(p.Tables) > 1 || t.Name != "" && len(t.Rows) == 0 {
			fmt.Fprintf(&b, "\n## %s: %s\n", t.Name, countText(cut[i], t))
		}
		if len(t.Rows) == 0 {
			continue
		}
		writeCSV(&b, t.Columns)
		for _, r := range t.Rows[:cut[i]] {
			writeCSV(&b, r)
		}
	}
	if truncated(p, cut) {
		shown, all := 0, 0
		for i, t := range p.Tables {
			shown += cut[i]
			all += len(t.Rows)
		}
		fmt.Fprintf(&b, "\nTruncated: showing %d of %d rows to stay within the result size limit. %s.\n", shown, all, p.hint())
	}
	if next != "" {
		fmt.Fprintf(&b, "\nMore rows are available: call again with the same arguments and cursor=%q.\n", next)
	}
	if len(p.Sources) > 0 {
		b.WriteString("\nSources: ")
		for i, s := range p.Sources {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(s.Name)
			b.WriteString(" (")
			b.WriteString(s.URL)
			if s.License != "" {
				b.WriteString(", ")
				b.WriteString(s.License)
			}
			b.WriteString(")")
		}
		b.WriteString(", via Jana.\n")
	}
	return b.String()
}

func countText(n int, t *Table) string {
	switch {
	case len(t.Rows) == 0:
		return "no rows"
	case t.Total > len(t.Rows):
		return fmt.Sprintf("%d rows shown of %d matching", n, t.Total)
	case n < len(t.Rows):
		return fmt.Sprintf("%d of %d rows shown", n, len(t.Rows))
	}
	return fmt.Sprintf("%d rows", n)
}

func (p *Page) structured(cut []int, next string, call jana.CallSummary) []byte {
	m := make(map[string]any, len(p.Fields)+len(p.Tables)+6)
	for k, v := range p.Fields {
		m[k] = v
	}
	m["title"] = p.Title
	if len(p.Notes) > 0 {
		m["notes"] = p.Notes
	}
	for i, t := range p.Tables {
		items := t.Items[:cut[i]]
		if items == nil {
			items = []any{}
		}
		m[t.Name] = items
	}
	if truncated(p, cut) {
		m["truncated"] = true
		m["truncation_hint"] = p.hint()
	}
	if next != "" {
		m["next_cursor"] = next
	}
	if call.Cached {
		m["data_age_seconds"] = int(call.CacheAge.Seconds())
	}
	if len(p.Sources) > 0 {
		m["attribution"] = p.Sources
	}
	data, err := fastjson.Marshal(m)
	if err != nil {
		// Items are plain data built by the tools; failing here is a programming error.
		panic(fmt.Sprintf("marshaling structured content: %v", err))
	}
	return data
}

func writeCSV(b *strings.Builder, cells []string) {
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.ContainsAny(c, ",\"\n\r") {
			c = strings.NewReplacer("\"", "\"\"", "\n", " ", "\r", " ").Replace(c)
			b.WriteByte('"')
			b.WriteString(c)
			b.WriteByte('"')
		} else {
			b.WriteString(c)
		}
	}
	b.WriteByte('\n')
}

// Num formats a number compactly for text cells: whole numbers from 1000 up, four
// significant digits below.
func Num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return ""
	case a >= 1000:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case a == 0:
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
