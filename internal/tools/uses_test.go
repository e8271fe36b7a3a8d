package tools_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/janaplatform/jana-mcp/api"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/spec"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/toolgen"
)

// TestCuratedUsesDeclared checks what api/tools.yaml declares each hand-written tool sends and
// reads (what `make drift` attributes changes by) against what the tool really does, calling it
// with every filter it has (filterCalls) against the sandbox:
//   - sends: exactly the query parameters the sandbox received, and, for name=v1|v2, no other
//     values;
//   - reads: exactly the fields of Jana's answers that matter, found by removing each field from
//     the answers, one at a time, and seeing whether what the tool shows changes. A field read
//     whole (an object passed on as JSON) covers the fields inside it.
//
// On a mismatch it prints the declaration the tool's behaviour calls for.
func TestCuratedUsesDeclared(t *testing.T) {
	if testing.Short() {
		t.Skip("calls each hand-written tool once for every field of its answers")
	}
	t.Parallel()
	m, err := toolgen.LoadManifest(filepath.Join(testenv.RepoRoot(t), "api/tools.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(m.Curated)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var calls []map[string]any
			for _, c := range filterCalls {
				if c.tool == name {
					calls = append(calls, c.args)
				}
			}
			if len(calls) == 0 {
				t.Fatalf("no call of %s in filterCalls", name)
			}
			observed := observeUses(t, name, calls)
			checkUses(t, name, m.Curated[name], observed)
		})
	}
}

// observedUse is what a tool was seen sending to and reading from one operation.
type observedUse struct {
	sends  map[string][]string // parameter -> values sent
	fields []spec.Path         // leaf fields present in the answers
	reads  []spec.Path         // those whose removal changes what the tool shows
}

func observeUses(t *testing.T, tool string, calls []map[string]any) map[string]*observedUse {
	t.Helper()
	mut := newMutator(t)
	// A fixed clock: answers that report "now" would otherwise change between two calls.
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	h := newHarnessWith(t, sandbox.Config{Clock: func() time.Time { return at }}, harnessOptions{jana: jana.Options{Transport: mut}})
	uses := map[string]*observedUse{}
	use := func(op string) *observedUse {
		if uses[op] == nil {
			uses[op] = &observedUse{sends: map[string][]string{}}
		}
		return uses[op]
	}
	show := func(args map[string]any) shown {
		_, text, m := h.call(t, tool, args)
		return shown{text: text, fields: m}
	}
	// A call that pages goes on to its second page, which sends the position.
	for _, args := range slices.Clone(calls) {
		if _, _, m := h.call(t, tool, args); m["next_cursor"] != nil {
			next := maps.Clone(args)
			next["cursor"] = m["next_cursor"]
			calls = append(calls, next)
		}
	}
	baseline := make([]shown, len(calls))
	volatile := make([]shown, len(calls))       // what differs from one call to the next (counters of this bridge)
	hits := make([]map[string]bool, len(calls)) // the operations each call reached
	for i, args := range calls {
		h.events()
		mut.record()
		baseline[i] = show(args)
		volatile[i] = baseline[i].differences(show(args))
		hits[i] = map[string]bool{}
		for _, e := range h.events() {
			hits[i][e.OperationID] = true
			q, err := url.ParseQuery(e.RawQuery)
			if err != nil {
				t.Fatal(err)
			}
			u := use(e.OperationID)
			for k, vs := range q {
				for _, v := range vs {
					if !slices.Contains(u.sends[k], v) {
						u.sends[k] = append(u.sends[k], v)
					}
				}
			}
		}
		for op, bodies := range mut.recorded() {
			u := use(op)
			for _, b := range bodies {
				var v any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatal(err)
				}
				u.fields = append(u.fields, leaves(v, "")...)
			}
			slices.Sort(u.fields)
			u.fields = slices.Compact(u.fields)
		}
	}
	for _, op := range slices.Sorted(maps.Keys(uses)) {
		u := uses[op]
		for _, f := range u.fields {
			if f == "." {
				continue // a scalar answer: nothing to remove
			}
			for i, args := range calls {
				if !hits[i][op] {
					continue
				}
				mut.drop(op, f)
				got := show(args)
				mut.drop("", "")
				changed := !got.same(baseline[i], volatile[i])
				if changed {
					// Look again against a fresh showing, in case something else moved on.
					volatile[i] = volatile[i].merge(baseline[i].differences(show(args)))
					changed = !got.same(baseline[i], volatile[i])
				}
				if changed {
					u.reads = append(u.reads, f)
					break
				}
			}
		}
	}
	return uses
}

func checkUses(t *testing.T, tool string, declared map[string]toolgen.Usage, observed map[string]*observedUse) {
	t.Helper()
	ok := true
	for _, op := range slices.Sorted(maps.Keys(declared)) {
		if observed[op] == nil {
			t.Errorf("%s is declared to call %s, which none of its calls reached", tool, op)
			ok = false
		}
	}
	for _, op := range slices.Sorted(maps.Keys(observed)) {
		o := observed[op]
		d, isDeclared := declared[op]
		if !isDeclared {
			t.Errorf("%s calls %s, which api/tools.yaml does not declare", tool, op)
			ok = false
			continue
		}
		sends := map[string][]string{}
		for _, s := range d.Sends {
			name, values, fixed := strings.Cut(s, "=")
			sends[name] = nil
			if fixed {
				sends[name] = strings.Split(values, "|")
			}
		}
		for _, name := range slices.Sorted(maps.Keys(o.sends)) {
			values, isDeclared := sends[name]
			switch {
			case !isDeclared:
				t.Errorf("%s sends %s to %s, which is not declared", tool, name, op)
				ok = false
			case values != nil:
				for _, v := range o.sends[name] {
					if !slices.Contains(values, v) {
						t.Errorf("%s sends %s=%s to %s; the declaration allows only %s", tool, name, v, op, strings.Join(values, "|"))
						ok = false
					}
				}
			}
		}
		for _, name := range slices.Sorted(maps.Keys(sends)) {
			if _, sent := o.sends[name]; !sent {
				t.Errorf("%s is declared to send %s to %s, which no call sent", tool, name, op)
				ok = false
			}
		}
		var reads []spec.Path
		for _, r := range d.Reads {
			reads = append(reads, spec.Path(r))
		}
		for _, r := range o.reads {
			if !slices.ContainsFunc(reads, func(d spec.Path) bool { return r.Within(d) }) {
				t.Errorf("%s reads %s of %s's answer (what it shows changes without it), which is not declared", tool, r, op)
				ok = false
			}
		}
		for _, d := range reads {
			if !slices.ContainsFunc(o.reads, func(r spec.Path) bool { return r.Within(d) }) {
				t.Errorf("%s is declared to read %s of %s's answer, but removing it changes nothing it shows", tool, d, op)
				ok = false
			}
		}
	}
	if !ok {
		t.Logf("what %s does, as api/tools.yaml would declare it (add =value|value to a parameter it only ever sends with those):\n%s", tool, declaration(tool, observed))
	}
}

// declaration writes what was observed as api/tools.yaml's curated entry.
func declaration(tool string, observed map[string]*observedUse) string {
	entry := map[string]map[string]map[string][]string{tool: {}}
	for op, o := range observed {
		var reads []string
		for _, r := range o.reads {
			reads = append(reads, string(r))
		}
		entry[tool][op] = map[string][]string{"sends": slices.Sorted(maps.Keys(o.sends)), "reads": reads}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	_ = enc.Encode(entry)
	return b.String()
}

// shown is what a tool call shows: its text, and its structured content.
type shown struct {
	text   string
	fields map[string]any
}

// differences is, of two showings of one call, the lines of text and the structured fields that
// differ: get_system_health reports this bridge's request counters, which every call moves.
func (s shown) differences(o shown) shown {
	d := shown{fields: map[string]any{}}
	a, b := strings.Split(s.text, "\n"), strings.Split(o.text, "\n")
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			d.text += a[i] + "\n"
		}
	}
	for k, v := range s.fields {
		if !jsonEqual(v, o.fields[k]) {
			d.fields[k] = true
		}
	}
	return d
}

func (s shown) merge(o shown) shown {
	out := shown{text: s.text + o.text, fields: maps.Clone(s.fields)}
	maps.Copy(out.fields, o.fields)
	return out
}

// same reports whether two showings agree outside what is volatile.
func (s shown) same(o, volatile shown) bool {
	a, b := strings.Split(s.text, "\n"), strings.Split(o.text, "\n")
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !strings.Contains(volatile.text, b[i]+"\n") {
			return false
		}
	}
	if len(s.fields) != len(o.fields) {
		return false
	}
	for k, v := range s.fields {
		if volatile.fields[k] == nil && !jsonEqual(v, o.fields[k]) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// leaves lists the paths of a JSON value's leaves: scalars, nulls, empty lists and objects.
func leaves(v any, at spec.Path) []spec.Path {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return []spec.Path{at}
		}
		var out []spec.Path
		for k, child := range x {
			out = append(out, leaves(child, at.Join(k))...)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []spec.Path{at.Join("[]")}
		}
		var out []spec.Path
		for _, child := range x {
			out = append(out, leaves(child, at.Join("[]"))...)
		}
		return out
	}
	if at == "" {
		return []spec.Path{"."}
	}
	return []spec.Path{at}
}

// remove deletes the field at steps from a JSON value, in every item of the lists on the way.
func remove(v any, steps []string) {
	if len(steps) == 0 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if len(steps) == 1 {
			delete(x, steps[0])
			return
		}
		remove(x[steps[0]], steps[1:])
	case []any:
		if steps[0] == "[]" {
			for _, item := range x {
				remove(item, steps[1:])
			}
		}
	}
}

// mutator is the bridge's transport to the sandbox in these tests: it records Jana's answers
// per operation and can remove one field from an operation's answers.
type mutator struct {
	routes []route
	mu     sync.Mutex
	op     string
	field  spec.Path
	bodies map[string][][]byte
}

type route struct {
	method string
	re     *regexp.Regexp
	op     string
}

func newMutator(t *testing.T) *mutator {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `yaml:"operationId"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPIYAML(), &doc); err != nil {
		t.Fatal(err)
	}
	m := &mutator{}
	param := regexp.MustCompile(`\\\{[^}]+\\\}`)
	for path, item := range doc.Paths {
		re := regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(path), "[^/]+") + "$")
		for method, op := range item {
			m.routes = append(m.routes, route{method: strings.ToUpper(method), re: re, op: op.OperationID})
		}
	}
	return m
}

// record starts recording answers afresh.
func (m *mutator) record() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bodies = map[string][][]byte{}
}

func (m *mutator) recorded() map[string][][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bodies
}

// drop removes field from op's answers from now on ("" for none).
func (m *mutator) drop(op string, field spec.Path) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.op, m.field = op, field
}

func (m *mutator) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		return resp, err
	}
	op := ""
	for _, r := range m.routes {
		if r.method == req.Method && r.re.MatchString(req.URL.Path) {
			op = r.op
		}
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bodies != nil && m.op == "" {
		var v any
		if json.Unmarshal(body, &v) == nil {
			m.bodies[op] = append(m.bodies[op], body)
		}
	}
	if op != "" && op == m.op {
		var v any
		if json.Unmarshal(body, &v) == nil {
			remove(v, m.field.Steps())
			if body, err = json.Marshal(v); err != nil {
				return nil, err
			}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	return resp, nil
}
