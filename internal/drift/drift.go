// Package drift compares a live Jana schema with the committed one (api/openapi.yaml) and names
// the MCP tools a change affects, by what each tool really sends and reads (gen/uses.gen.yaml):
// a removed or renamed parameter it sends, a new required parameter, a removed enum value it
// sends, a field it reads removed (even an optional one) or of another type. Those fail the
// check; every other change oasdiff finds is listed, unattributed.
package drift

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/janaplatform/jana-mcp/internal/spec"
	"github.com/janaplatform/jana-mcp/internal/toolgen"
)

// OasdiffModule is the pinned oasdiff CLI, run with `go run` so that its dependencies stay out
// of this module's graph (it pins its own kin-openapi).
const OasdiffModule = "github.com/oasdiff/oasdiff@v1.37.0"

// Change is one difference oasdiff found.
type Change struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	Level       int    `json:"level"` // 1 info, 2 warning, 3 error
	Operation   string `json:"operation"`
	OperationID string `json:"operationId"`
	Path        string `json:"path"`
}

// Impact is a change in something a tool uses.
type Impact struct {
	toolgen.Use
	Method, Path string // of the operation, in the committed schema
	Kind         string // one of the Impact… constants
	Name         string // the parameter or field (a spec.Path) concerned, "" for the operation
	Text         string
	Changes      []Change // what oasdiff reported of it
}

// The kinds of impact.
const (
	ImpactOperationRemoved     = "operation-removed"
	ImpactOperationRenamed     = "operation-renamed"
	ImpactParameterRemoved     = "parameter-removed"
	ImpactParameterDeprecated  = "parameter-deprecated"
	ImpactParameterTypeChanged = "parameter-type-changed"
	ImpactEnumValueRemoved     = "enum-value-removed"
	ImpactNewRequiredParameter = "new-required-parameter"
	ImpactFieldRemoved         = "field-removed"
	ImpactFieldTypeChanged     = "field-type-changed"
)

// Report is the outcome of a comparison.
type Report struct {
	Base, Revision string
	Impacts        []Impact // changes in what tools use: the check fails
	Unattributed   []Change // what oasdiff found that no tool uses
	Next           []string // what to do next, the report's last lines
}

// Failed reports whether a tool is affected.
func (r *Report) Failed() bool { return len(r.Impacts) > 0 }

// Tools lists the affected tools, each once, in order.
func (r *Report) Tools() []string {
	var out []string
	for _, i := range r.Impacts {
		if !slices.Contains(out, i.Tool) {
			out = append(out, i.Tool)
		}
	}
	return out
}

// Options configure Compare.
type Options struct {
	Base     string // committed schema (api/openapi.yaml)
	Revision string // the live schema, as a file
	Uses     string // gen/uses.gen.yaml: what each tool sends and reads
	// Overlay (api/overlay.yaml, optional) is applied to both schemas before their types are
	// compared, with the drf-spectacular fixes generation makes: a type is compared as the
	// generated code sees it.
	Overlay        string
	SeverityLevels string // oasdiff severity overrides (api/oasdiff-levels.txt), optional
}

// Compare finds what changed in what each tool uses, and runs oasdiff for the rest.
func Compare(ctx context.Context, o Options) (*Report, error) {
	uses, err := toolgen.ReadUses(o.Uses)
	if err != nil {
		return nil, err
	}
	base, err := spec.PrepareFiles(o.Base, o.Overlay)
	if err != nil {
		return nil, err
	}
	rev, err := spec.PrepareFiles(o.Revision, o.Overlay)
	if err != nil {
		return nil, err
	}
	changes, err := oasdiff(ctx, o)
	if err != nil {
		return nil, err
	}
	r := &Report{Base: o.Base, Revision: o.Revision, Next: []string{
		"Next: `make regenerate` takes the live schema and walks through the rest: it regenerates, names",
		"every api/tools.yaml entry and hand-written tool to fix, and says what changes for users."}}
	b, v := index(base.Doc), index(rev.Doc)
	for _, u := range uses {
		r.Impacts = append(r.Impacts, impacts(u, b, v)...)
	}
	matched := make([]bool, len(changes))
	for i := range r.Impacts {
		for j, c := range changes {
			if reports(c, r.Impacts[i]) {
				r.Impacts[i].Changes = append(r.Impacts[i].Changes, c)
				matched[j] = true
			}
		}
	}
	for j, c := range changes {
		if !matched[j] {
			r.Unattributed = append(r.Unattributed, c)
		}
	}
	return r, nil
}

func oasdiff(ctx context.Context, o Options) ([]Change, error) {
	args := []string{"run", OasdiffModule, "changelog", o.Base, o.Revision, "--format", "json"}
	if o.SeverityLevels != "" {
		args = append(args, "--severity-levels", o.SeverityLevels)
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("oasdiff: %w\n%s", err, errOut.String())
	}
	var changes []Change
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &changes); err != nil {
		return nil, fmt.Errorf("reading oasdiff's output: %w\n%s", err, out.String())
	}
	return changes, nil
}

// ops indexes a schema's operations by operationId and by "METHOD path".
type ops struct {
	byID, byRoute map[string]*spec.Operation
}

func index(doc *openapi3.T) ops {
	x := ops{byID: map[string]*spec.Operation{}, byRoute: map[string]*spec.Operation{}}
	for _, o := range spec.Operations(doc) {
		o := o
		x.byID[o.Op.OperationID] = &o
		x.byRoute[o.Method+" "+o.Path] = &o
	}
	return x
}

// impacts compares what one use needs in the committed schema (b) with the live one (v).
func impacts(u toolgen.Use, b, v ops) []Impact {
	bo := b.byID[u.Operation]
	if bo == nil {
		return nil // the committed schema lacks it: make generate would have said so
	}
	var out []Impact
	add := func(kind, name, format string, a ...any) {
		out = append(out, Impact{Use: u, Method: bo.Method, Path: bo.Path, Kind: kind, Name: name, Text: fmt.Sprintf(format, a...)})
	}
	vo := v.byID[u.Operation]
	if vo == nil {
		if vo = v.byRoute[bo.Method+" "+bo.Path]; vo == nil {
			add(ImpactOperationRemoved, "", "the operation is gone (no %s, no %s %s)", u.Operation, bo.Method, bo.Path)
			return out
		}
		add(ImpactOperationRenamed, "", "the operation is now %s: its generated client method is renamed", vo.Op.OperationID)
	}

	bp, vp := params(bo), params(vo)
	sent := map[string]bool{}
	for _, s := range u.Sends {
		sent[s.Name] = true
		was, now := bp[s.Name], vp[s.Name]
		switch {
		case was == nil:
			continue // not in the committed schema: make generate would have said so
		case now == nil:
			add(ImpactParameterRemoved, s.Name, "parameter %s, which it sends, is gone%s", s.Name, added(bp, vp))
			continue
		case now.Deprecated && !was.Deprecated:
			add(ImpactParameterDeprecated, s.Name, "parameter %s, which it sends, is deprecated%s", s.Name, describe(now.Description))
		}
		if t0, t1 := paramType(was), paramType(now); t0 != t1 {
			add(ImpactParameterTypeChanged, s.Name, "parameter %s, which it sends, changed from %s to %s", s.Name, t0, t1)
		}
		if accepted := enumOf(now); accepted != nil {
			for _, value := range s.Values {
				if !slices.Contains(accepted, value) {
					add(ImpactEnumValueRemoved, s.Name, "parameter %s no longer accepts %q, which it sends (it accepts: %s)", s.Name, value, strings.Join(accepted, ", "))
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(vp)) {
		if p := vp[name]; p.Required && p.In != openapi3.ParameterInPath && !sent[name] && (bp[name] == nil || !bp[name].Required) {
			add(ImpactNewRequiredParameter, name, "the operation now requires parameter %s, which it does not send", name)
		}
	}

	br, vr := answer(bo), answer(vo)
	for _, path := range u.Reads {
		was := spec.Resolve(br, path)
		if was == nil {
			continue
		}
		now := spec.Resolve(vr, path)
		if now == nil {
			add(ImpactFieldRemoved, string(path), "field %s, which it reads, is gone from the answer", path)
			continue
		}
		if t0, t1 := spec.TypeOf(was), spec.TypeOf(now); t0 != t1 {
			add(ImpactFieldTypeChanged, string(path), "field %s, which it reads, changed from %s to %s", path, orAny(t0), orAny(t1))
		}
	}
	return out
}

// params maps an operation's parameters other than path ones by name.
func params(o *spec.Operation) map[string]*openapi3.Parameter {
	out := map[string]*openapi3.Parameter{}
	for _, p := range o.Params() {
		if p.In != openapi3.ParameterInPath {
			out[p.Name] = p
		}
	}
	return out
}

// added lists, for a message, the parameters the live operation has and the committed one lacks
// (a renamed parameter is one gone and one added).
func added(was, now map[string]*openapi3.Parameter) string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(now)) {
		if was[name] == nil {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " (new parameters: " + strings.Join(out, ", ") + ")"
}

func paramType(p *openapi3.Parameter) string {
	if p.Schema == nil {
		return ""
	}
	return strings.TrimSuffix(spec.TypeOf(p.Schema.Value), " | null")
}

// enumOf is the values a parameter accepts (its items', for a list), nil when any.
func enumOf(p *openapi3.Parameter) []string {
	if p.Schema == nil || p.Schema.Value == nil {
		return nil
	}
	s := p.Schema.Value
	if s.Items != nil && s.Items.Value != nil {
		s = s.Items.Value
	}
	var out []string
	for _, v := range s.Enum {
		if v != nil {
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}

// answer is an operation's 200 JSON answer schema, nil without one.
func answer(o *spec.Operation) *openapi3.SchemaRef {
	if o.Op.Responses == nil {
		return nil
	}
	r := o.Op.Responses.Value("200")
	if r == nil || r.Value == nil {
		return nil
	}
	for _, ct := range slices.Sorted(maps.Keys(r.Value.Content)) {
		if strings.Contains(ct, "json") {
			return r.Value.Content[ct].Schema
		}
	}
	return nil
}

// reports reports whether an oasdiff change is (part of) an impact: same operation, and it names
// the parameter or field.
func reports(c Change, i Impact) bool {
	if c.OperationID != i.Operation && (c.Operation != i.Method || c.Path != i.Path) {
		return false
	}
	switch i.Kind {
	case ImpactOperationRemoved, ImpactOperationRenamed:
		return strings.Contains(c.ID, "operation") || strings.Contains(c.ID, "endpoint")
	case ImpactFieldRemoved, ImpactFieldTypeChanged:
		return strings.Contains(c.Text, "`"+oasdiffPath(i.Name)+"`") || (oasdiffPath(i.Name) == "" && strings.Contains(c.ID, "response-body"))
	}
	return strings.Contains(c.ID, "request-parameter") && strings.Contains(c.Text, "`"+i.Name+"`")
}

// oasdiffPath writes a field path as oasdiff does: results[].name is results/items/name.
func oasdiffPath(p string) string {
	var parts []string
	for _, s := range spec.Path(p).Steps() {
		if s == "[]" {
			s = "items"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "/")
}

// Write prints the report for a person: what affects which tool, and what to do next.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "Schema drift from %s to %s: %d change(s) in what tools use, %d other change(s)\n",
		r.Base, r.Revision, len(r.Impacts), len(r.Unattributed))
	if len(r.Impacts)+len(r.Unattributed) == 0 {
		fmt.Fprintln(w, "No changes: the committed schema matches the live one.")
		return
	}
	if len(r.Impacts) > 0 {
		fmt.Fprintf(w, "\nTOOLS AFFECTED (%d) — fix before deploying against this backend:\n", len(r.Tools()))
		for _, tool := range r.Tools() {
			first := true
			for _, i := range r.Impacts {
				if i.Tool != tool {
					continue
				}
				if first {
					fmt.Fprintf(w, "  tool %s\n", i.Who())
					first = false
				}
				var ids []string
				for _, c := range i.Changes {
					ids = append(ids, c.ID)
				}
				seen := ""
				if len(ids) > 0 {
					seen = " [" + strings.Join(slices.Compact(ids), ", ") + "]"
				}
				fmt.Fprintf(w, "    %s %s (%s): %s%s\n", i.Method, i.Path, i.Operation, i.Text, seen)
			}
		}
	}
	if len(r.Unattributed) > 0 {
		fmt.Fprintf(w, "\nChanges no tool uses (%d):\n", len(r.Unattributed))
		for _, c := range r.Unattributed {
			where := "schema"
			if c.OperationID != "" {
				where = fmt.Sprintf("%s %s (%s)", c.Operation, c.Path, c.OperationID)
			}
			fmt.Fprintf(w, "  %s: %s [%s, %s]\n", where, plain(c.Text), c.ID, levelName(c.Level))
		}
	}
	if len(r.Next) > 0 {
		fmt.Fprintln(w)
		for _, line := range r.Next {
			fmt.Fprintln(w, line)
		}
	}
}

func levelName(l int) string {
	switch l {
	case 3:
		return "error"
	case 2:
		return "warning"
	}
	return "info"
}

// plain removes oasdiff's markdown backticks.
func plain(s string) string { return strings.ReplaceAll(s, "`", "") }

func describe(s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return ""
	}
	return " (" + strings.TrimSuffix(s, ".") + ")"
}

func orAny(t string) string {
	if t == "" {
		return "any JSON"
	}
	return t
}

// WriteTemp writes data to a temporary file and returns its path.
func WriteTemp(data []byte, pattern string) (string, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return "", err
	}
	return f.Name(), nil
}
