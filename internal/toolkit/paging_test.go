package toolkit

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

// backend is a paged listing of n rows, some of them left out by the tool (every seventh, as
// OpenAQ's -999 markers are), served size rows a page.
type backend struct {
	n, size int
}

// page renders the tool's answer for pos: the backend page at pos.At, its rows from pos.Skip.
func (b backend) page(query any, pos Position, width int) *Page {
	pg, _ := strconv.Atoi(cmpOr(pos.At, "1"))
	t := &Table{Name: "rows", Columns: []string{"id", "text"}, Total: b.n}
	next := ""
	if pg*b.size < b.n {
		next = strconv.Itoa(pg + 1)
	}
	t.Pages("rows", pos, next)
	for i := 0; i < b.size && (pg-1)*b.size+i < b.n; i++ {
		id := (pg-1)*b.size + i
		if id%7 == 3 {
			continue // left out
		}
		t.AddAt(i, map[string]any{"id": id, "text": strings.Repeat("x", width)}, strconv.Itoa(id), strings.Repeat("x", width))
	}
	return &Page{Title: "Rows", Tables: []*Table{t}, Query: query}
}

func cmpOr(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// TestPagingLosesNoRow walks a listing whose pages are cut to fit the size bound: every row
// the tool keeps appears exactly once, in order. Before a cut page resumed inside its backend
// page, next_cursor jumped to the next backend page and the rows cut were never reached.
func TestPagingLosesNoRow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, size, width, maxBytes int }{
		{996, 100, 50, 6000},  // pages cut to a fraction
		{996, 100, 5, 60000},  // pages shown whole
		{37, 10, 400, 4000},   // a few rows a page
		{5, 1000, 2000, 4000}, // one row a page: always progress
	} {
		t.Run(fmt.Sprintf("%d_rows_%d_a_page_%d_bytes", tc.n, tc.size, tc.maxBytes), func(t *testing.T) {
			b := backend{n: tc.n, size: tc.size}
			type q struct{ Filter string }
			query := q{"all"}
			var got []int
			var cursor string
			cut := false
			for calls := 0; ; calls++ {
				if calls > 2*tc.n+10 {
					t.Fatal("paging does not end")
				}
				c, err := DecodeCursor(cursor, query)
				if err != nil {
					t.Fatal(err)
				}
				pos, ok, err := c.Position("rows")
				if err != nil || !ok {
					t.Fatalf("position: %v %v", ok, err)
				}
				res := b.page(query, pos, tc.width).render(tc.maxBytes, jana.CallSummary{})
				var m struct {
					Rows      []struct{ ID int } `json:"rows"`
					Next      string             `json:"next_cursor"`
					Truncated bool               `json:"truncated"`
				}
				if err := json.Unmarshal(res.StructuredContent.(json.RawMessage), &m); err != nil {
					t.Fatal(err)
				}
				text := res.Content[0].(*mcp.TextContent).Text
				if size := len(text) + len(res.StructuredContent.(json.RawMessage)); size > tc.maxBytes && len(m.Rows) > 1 {
					t.Fatalf("a result of %d bytes over the bound %d", size, tc.maxBytes)
				}
				cut = cut || m.Truncated
				if m.Truncated && !strings.Contains(text, "next_cursor") {
					t.Errorf("a cut page does not say the rest follow with next_cursor:\n%s", text[max(0, len(text)-300):])
				}
				for _, r := range m.Rows {
					got = append(got, r.ID)
				}
				if m.Next == "" {
					break
				}
				cursor = m.Next
			}
			var want []int
			for id := range tc.n {
				if id%7 != 3 {
					want = append(want, id)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("walked %d rows, the listing has %d kept rows: lost or repeated rows\n got %v\nwant %v", len(got), len(want), got, want)
			}
			if tc.maxBytes < 10000 && !cut {
				t.Error("no page was cut: the case does not test resuming")
			}
		})
	}
}

// TestLimitIsWhatFits: a tool's limit maximum is the number of its rows that fit in a result.
func TestLimitIsWhatFits(t *testing.T) {
	t.Parallel()
	type row struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	type in struct {
		Paging
	}
	for _, maxBytes := range []int{4000, 60000, 1000000} {
		env := &Env{MaxResultBytes: maxBytes}
		tool := New(env, &mcp.Tool{Name: "rows", Title: "Rows", Description: "Rows, 1-{limit_max} per page.",
			OutputSchema: Output(Rows[row]("rows", "")),
			InputSchema:  Schema[in](Constrain)}, func(_ context.Context, _ in) (*Page, error) { return nil, nil })
		var s struct {
			Properties map[string]struct {
				Maximum     float64 `json:"maximum"`
				Default     float64 `json:"default"`
				Description string  `json:"description"`
			} `json:"properties"`
		}
		_ = json.Unmarshal(tool.Def().InputSchema.(json.RawMessage), &s)
		limit := s.Properties["limit"]
		want := RowsThatFit(maxBytes, rowBytes(reflect.TypeFor[row]()))
		if int(limit.Maximum) != want || int(limit.Default) != min(DefaultLimit, want) {
			t.Errorf("bound %d: limit maximum %v, default %v; want %d, %d", maxBytes, limit.Maximum, limit.Default, want, min(DefaultLimit, want))
		}
		if !strings.Contains(tool.Def().Description, "1-"+strconv.Itoa(want)) || !strings.Contains(limit.Description, strconv.Itoa(want)) {
			t.Errorf("descriptions do not say the maximum %d: %q / %q", want, tool.Def().Description, limit.Description)
		}
		// A full page of the widest rows the estimate allows fits.
		p := &Page{Title: "Rows", Tables: []*Table{{Name: "rows", Columns: []string{"id", "name"}}}}
		for i := range want {
			p.Tables[0].Add(row{ID: 1234567, Name: strings.Repeat("n", 32)}, strconv.Itoa(1234567+i), strings.Repeat("n", 32))
		}
		res := p.render(maxBytes, jana.CallSummary{})
		if strings.Contains(res.Content[0].(*mcp.TextContent).Text, "Truncated") {
			t.Errorf("bound %d: a page of limit=%d rows was cut", maxBytes, want)
		}
	}
}
