// Package toolkit is the seam every MCP tool is built on, hand-written (internal/tools) or
// generated from the manifest (gen/mcptools): the Tool type the catalogue lists, typed
// registration with input validation, bounded results with text and structured content,
// shared arguments (location, dates, paging), and one mapping from failures to errors a model
// can act on.
package toolkit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/jana"
)

// Env is what tools need at run time.
type Env struct {
	Jana *jana.Client
	// MaxResultBytes bounds a result's text plus structured content.
	MaxResultBytes int
	Logger         *slog.Logger
	Server         ServerInfo
	// Apps links the tools that have an MCP Apps view (a chart, a map) to it.
	Apps bool
	// ChartImages adds a PNG chart to trend answers; ChartImageMaxBytes bounds one.
	ChartImages        bool
	ChartImageMaxBytes int
	// Now is the clock (time.Now when nil). Tools tell the model today's date by it, so that
	// "last month" resolves; tests fix it.
	Now func() time.Time
	// Timeout is JANA_TIMEOUT, the budget of one backend call, and SlowTimeout
	// JANA_SLOW_TIMEOUT, that of Jana's heavy aggregate endpoints; descriptions quote them.
	Timeout, SlowTimeout time.Duration
	// ProgressEvery is how often a call still waiting for Jana tells a client that asked for
	// progress (DefaultProgressEvery when zero).
	ProgressEvery time.Duration

	memo memo // reference data the tools share (coverage, catalogues)
}

// Defaults of the Env fields that may be left zero (listing the catalogue, tests).
const (
	DefaultMaxResultBytes = 60000
	DefaultTimeout        = 30 * time.Second
	DefaultSlowTimeout    = 2 * time.Minute
	DefaultProgressEvery  = 5 * time.Second
)

// Today returns the current time by the Env's clock, in UTC.
func (env *Env) Today() time.Time {
	if env.Now != nil {
		return env.Now().UTC()
	}
	return time.Now().UTC()
}

func (env *Env) maxResultBytes() int {
	if env.MaxResultBytes > 0 {
		return env.MaxResultBytes
	}
	return DefaultMaxResultBytes
}

func (env *Env) timeouts() (normal, slow time.Duration) {
	normal, slow = env.Timeout, env.SlowTimeout
	if normal <= 0 {
		normal = DefaultTimeout
	}
	if slow <= 0 {
		slow = DefaultSlowTimeout
	}
	return normal, max(normal, slow)
}

// ServerInfo describes this server, for tools that report on it.
type ServerInfo struct {
	Version  string
	AuthMode string
	Started  time.Time
}

// Tool is one MCP tool: its definition as a model sees it, and how it answers.
type Tool struct {
	def    *mcp.Tool
	env    *Env
	args   *arguments
	handle func(ctx context.Context, data []byte) (*Page, error)
	checks []argCheck
}

// An ArgCheck checks one argument's value (as decoded JSON: a string, a []any, ...) beyond
// what its schema says, against data only known at run time (Jana's catalogues, say). It
// returns the value to use — a name spelled as the catalogue spells it — or an *ArgError.
type ArgCheck func(ctx context.Context, value any) (any, error)

type argCheck struct {
	arg   string
	check ArgCheck
}

// Name returns the tool's name.
func (t Tool) Name() string { return t.def.Name }

// Def returns the tool's definition as tools/list shows it.
func (t Tool) Def() *mcp.Tool { return t.def }

// HasArg reports whether the tool takes the argument.
func (t Tool) HasArg(name string) bool { _, ok := t.args.schema.Properties[name]; return ok }

// ArgumentsChecked reports whether the tool's own checker enforces all of its input schema, so
// that a call skips the JSON Schema library's slower validation (see arguments.checked).
func (t Tool) ArgumentsChecked() bool { return t.args.checked }

// WithCheck returns the tool with check run on argument arg, when a call gives it.
func (t Tool) WithCheck(arg string, check ArgCheck) Tool {
	t.checks = append(append([]argCheck(nil), t.checks...), argCheck{arg, check})
	return t
}

// AddTo registers the tool on s.
func (t Tool) AddTo(s *mcp.Server) {
	s.AddTool(t.def, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		ctx, stop := t.env.startProgress(ctx, req)
		defer stop()
		page, err := t.call(ctx, req.Params.Arguments)
		if err != nil {
			return t.env.errorResult(ctx, t.def.Name, err), nil
		}
		return page.render(t.env.maxResultBytes(), jana.CallInfoFrom(ctx).Summary()), nil
	})
}

// call validates raw arguments, runs the argument checks and the handler.
func (t Tool) call(ctx context.Context, raw json.RawMessage) (*Page, error) {
	m, err := t.args.decode(raw)
	if err != nil {
		return nil, err
	}
	for _, c := range t.checks {
		v, ok := m[c.arg]
		if !ok {
			continue
		}
		if m[c.arg], err = c.check(ctx, v); err != nil {
			return nil, err
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding arguments: %w", err)
	}
	return t.handle(ctx, data)
}

// Handler answers one call with validated arguments.
type Handler[In any] func(ctx context.Context, in In) (*Page, error)

// MaxNameLen keeps server name + tool name within Cursor's ~60 characters.
const MaxNameLen = 40

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// New builds a tool from a typed handler. def.InputSchema defaults to the schema derived from
// In; def.OutputSchema is what Output builds (the common keys alone when nil);
// def.Annotations default to read-only. Descriptions may quote the server's settings with
// {limit_max}, {limit_default}, {timeout} and {slow_timeout}; a `limit` argument's maximum is
// the number of rows that fit in a result (MCP_MAX_RESULT_BYTES). It panics on an invalid
// name or schema, a programming error the catalogue tests catch.
func New[In any](env *Env, def *mcp.Tool, h Handler[In]) Tool {
	if len(def.Name) > MaxNameLen || !validName.MatchString(def.Name) {
		panic(fmt.Sprintf("tool name %q must be snake_case and at most %d characters", def.Name, MaxNameLen))
	}
	if def.InputSchema == nil {
		def.InputSchema = Schema[In](nil)
	}
	sch, ok := def.InputSchema.(*jsonschema.Schema)
	if !ok {
		panic(fmt.Sprintf("tool %q: input schema must be a *jsonschema.Schema", def.Name))
	}
	out, ok := def.OutputSchema.(*Outputs)
	if def.OutputSchema == nil {
		out, ok = Output(), true
	}
	if !ok {
		panic(fmt.Sprintf("tool %q: output schema must be made by toolkit.Output", def.Name))
	}
	words := env.placeholders(out.rowBytes)
	if p := sch.Properties["limit"]; p != nil {
		// A default the tool's author chose stays (within the maximum); else the common one.
		var own int
		if json.Unmarshal(p.Default, &own) == nil && own > 0 {
			words.limitDefault = min(own, words.limitMax)
		}
		p.Maximum, p.Default = new(float64(words.limitMax)), json.RawMessage(strconv.Itoa(words.limitDefault))
	}
	def.Description = words.replace(def.Description)
	for _, p := range sch.Properties {
		p.Description = withDefault(words.replace(p.Description), p.Default)
	}
	args, err := newArguments(sch)
	if err != nil {
		panic(fmt.Sprintf("tool %q: %v", def.Name, err))
	}
	// Marshal the schemas once: tools/list would otherwise encode them on every call.
	raw, err := json.Marshal(sch)
	if err != nil {
		panic(fmt.Sprintf("tool %q: marshaling input schema: %v", def.Name, err))
	}
	def.InputSchema = json.RawMessage(raw)
	if raw, err = json.Marshal(out.schema); err != nil {
		panic(fmt.Sprintf("tool %q: marshaling output schema: %v", def.Name, err))
	}
	def.OutputSchema = json.RawMessage(raw)
	if def.Annotations == nil {
		def.Annotations = ReadOnly(def.Title)
	}
	handle := func(ctx context.Context, data []byte) (*Page, error) {
		in, err := unmarshalInput[In](data)
		if err != nil {
			return nil, err
		}
		return h(ctx, in)
	}
	return Tool{def: def, env: env, args: args, handle: handle}
}

// withDefault says an argument's default in its description too, where it does not already:
// the schema's default is not shown to every model.
func withDefault(desc string, def json.RawMessage) string {
	if len(def) == 0 || strings.Contains(strings.ToLower(desc), "default") {
		return desc
	}
	var v any
	if json.Unmarshal(def, &v) != nil {
		return desc
	}
	var text string
	switch d := v.(type) {
	case []any:
		parts := make([]string, len(d))
		for i, e := range d {
			parts[i] = fmt.Sprint(e)
		}
		text = strings.Join(parts, ", ")
	default:
		text = fmt.Sprint(d)
	}
	return strings.TrimSpace(desc + " Default: " + text + ".")
}

// words are the values of the placeholders descriptions may use.
type words struct {
	limitMax, limitDefault int
	timeout, slowTimeout   time.Duration
}

// placeholders works out the placeholders' values for a tool whose rows take rowBytes each
// (0 when it has no table).
func (env *Env) placeholders(rowBytes int) words {
	w := words{limitMax: MaxLimit}
	if rowBytes > 0 {
		w.limitMax = RowsThatFit(env.maxResultBytes(), rowBytes)
	}
	w.limitDefault = min(DefaultLimit, w.limitMax)
	w.timeout, w.slowTimeout = env.timeouts()
	return w
}

func (w words) replace(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	return strings.NewReplacer(
		"{limit_max}", strconv.Itoa(w.limitMax),
		"{limit_default}", strconv.Itoa(w.limitDefault),
		"{timeout}", humanDuration(w.timeout),
		"{slow_timeout}", humanDuration(w.slowTimeout),
	).Replace(s)
}

// RowsThatFit is how many rows of rowBytes fit in a result of maxBytes, keeping a fifth (at
// least 3000 bytes) for the title, notes and summaries and a tenth of a row spare, between 1
// and MaxLimit.
func RowsThatFit(maxBytes, rowBytes int) int {
	budget := maxBytes - max(3000, maxBytes/5)
	n := int(math.Floor(float64(budget) / (float64(rowBytes) * 1.1)))
	return min(max(n, 1), MaxLimit)
}

// humanDuration writes 30 s, 2 min, 90 s.
func humanDuration(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
	return fmt.Sprintf("%d s", int(math.Ceil(d.Seconds())))
}

// Outputs is a tool's output schema as Output builds it.
type Outputs struct {
	schema   *jsonschema.Schema
	rowBytes int // the largest row of its tables, estimated
}

// Schema returns the JSON schema.
func (o *Outputs) Schema() *jsonschema.Schema { return o.schema }

// ReadOnly returns the annotations of a tool that only reads from Jana: no side effects,
// safe to repeat, and reaching an external system (Jana's live data).
func ReadOnly(title string) *mcp.ToolAnnotations {
	openWorld := true
	destructive := false
	return &mcp.ToolAnnotations{
		Title:           title,
		ReadOnlyHint:    true,
		IdempotentHint:  true,
		DestructiveHint: &destructive,
		OpenWorldHint:   &openWorld,
	}
}

// Schema derives the input schema of In, in the portable subset clients handle: an object at
// the top, no $ref, no "null" types (optional arguments are simply omitted). adjust may add
// what a Go type cannot say (ranges, enums, item counts, defaults).
func Schema[In any](adjust func(props map[string]*jsonschema.Schema)) *jsonschema.Schema {
	s, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("deriving input schema: %v", err))
	}
	stripNull(s)
	if s.Properties == nil {
		s.Properties = map[string]*jsonschema.Schema{}
	}
	if adjust != nil {
		adjust(s.Properties)
	}
	for name, p := range s.Properties {
		boundSchema(name, p)
	}
	return s
}

// Bounds applied to arguments whose schema sets none, so that no argument carries unbounded
// input into Jana's query string.
const (
	maxStringLen = 200  // names, codes, free text
	maxDateLen   = 40   // ISO 8601 date-times with fractions and offsets
	maxCursorLen = 2048 // our cursors hold a few backend positions
	maxItems     = 50
)

// boundSchema gives a property (and its items) the bounds it lacks. Country codes get their pattern
// wherever they appear.
func boundSchema(name string, s *jsonschema.Schema) {
	switch s.Type {
	case "string":
		if strings.Contains(name, "country") && s.Pattern == "" && len(s.Enum) == 0 {
			s.Pattern = countryPattern
		}
		if s.MaxLength == nil && len(s.Enum) == 0 {
			n := maxStringLen
			switch {
			case name == "cursor":
				n = maxCursorLen
			case strings.HasPrefix(name, "date") || strings.HasSuffix(name, "_date") || strings.HasPrefix(name, "start") || strings.HasPrefix(name, "end"):
				n = maxDateLen
			case s.Pattern == countryPattern:
				n = 3
			}
			s.MaxLength = &n
		}
	case "array":
		if s.MaxItems == nil {
			n := maxItems
			s.MaxItems = &n
		}
		if s.Items == nil {
			s.Items = &jsonschema.Schema{Type: "string"}
		}
		boundSchema(name, s.Items)
	}
}

func stripNull(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if len(s.Types) > 0 {
		var kept []string
		for _, t := range s.Types {
			if t != "null" {
				kept = append(kept, t)
			}
		}
		if len(kept) == 1 {
			s.Type, s.Types = kept[0], nil
		} else {
			s.Types = kept
		}
	}
	stripNull(s.Items)
	for _, p := range s.Properties {
		stripNull(p)
	}
}
