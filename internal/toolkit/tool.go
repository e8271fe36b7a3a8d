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
	"regexp"
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
}

// ServerInfo describes this server, for tools that report on it.
type ServerInfo struct {
	Version  string
	AuthMode string
	Started  time.Time
}

// Tool is one MCP tool: its definition as a model sees it, and how to add it to a server.
type Tool struct {
	def *mcp.Tool
	add func(*mcp.Server)
}

// Name returns the tool's name.
func (t Tool) Name() string { return t.def.Name }

// AddTo registers the tool on s.
func (t Tool) AddTo(s *mcp.Server) { t.add(s) }

// Handler answers one call with validated arguments.
type Handler[In any] func(ctx context.Context, in In) (*Page, error)

// MaxNameLen keeps server name + tool name within Cursor's ~60 characters.
const MaxNameLen = 40

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// New builds a tool from a typed handler. def.InputSchema defaults to the schema derived from
// In; def.Annotations default to read-only. It panics on an invalid name, which is a
// programming error caught by the catalogue tests.
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
	args, err := newArguments(sch)
	if err != nil {
		panic(fmt.Sprintf("tool %q: %v", def.Name, err))
	}
	// Marshal the schema once: tools/list would otherwise encode every tool's schema on
	// every call.
	raw, err := json.Marshal(sch)
	if err != nil {
		panic(fmt.Sprintf("tool %q: marshaling input schema: %v", def.Name, err))
	}
	def.InputSchema = json.RawMessage(raw)
	if def.Annotations == nil {
		def.Annotations = ReadOnly(def.Title)
	}
	handler := func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		page, err := call(ctx, args, req.Params.Arguments, h)
		if err != nil {
			return env.errorResult(ctx, def.Name, err), nil
		}
		return page.render(env.MaxResultBytes, jana.CallInfoFrom(ctx).Summary()), nil
	}
	return Tool{def: def, add: func(s *mcp.Server) { s.AddTool(def, handler) }}
}

// call validates raw arguments, decodes them into In and runs the handler.
func call[In any](ctx context.Context, args *arguments, raw json.RawMessage, h Handler[In]) (*Page, error) {
	data, err := args.decode(raw)
	if err != nil {
		return nil, err
	}
	in, err := unmarshalInput[In](data)
	if err != nil {
		return nil, err
	}
	return h(ctx, in)
}

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
