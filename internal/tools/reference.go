package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// Reference describes one tool for people, from its definition as tools/list shows it: the
// README's tool reference (cmd/jana-mcp-docs) and `jana-mcp tools` are both written from it.
type Reference struct {
	Name        string     `json:"name"`
	Title       string     `json:"title"`
	Toolsets    []string   `json:"toolsets"`
	Description string     `json:"description"`
	Arguments   []Argument `json:"arguments"`
}

// Argument is one argument of a tool, from its input schema.
type Argument struct {
	Name        string `json:"name"`
	Type        string `json:"type"` // string, integer, number[], …
	Required    bool   `json:"required"`
	Default     any    `json:"default,omitempty"`
	Description string `json:"description"`
	// Constraints are what the schema allows, in words: "one of `a`, `b`", "range 1–1000",
	// "exactly 2 items".
	Constraints []string `json:"constraints,omitempty"`
}

// Describe returns the references of the tools a selection names (empty: every tool), in the
// order tools/list gives them.
func Describe(ctx context.Context, sel Selection) ([]Reference, error) {
	picked, err := Select(All(&toolkit.Env{Apps: true}), sel)
	if err != nil {
		return nil, err
	}
	list, err := List(ctx, picked)
	if err != nil {
		return nil, err
	}
	return References(list), nil
}

// References describes tool definitions, arguments in name order.
func References(list []*mcp.Tool) []Reference {
	out := make([]Reference, 0, len(list))
	for _, t := range list {
		r := Reference{Name: t.Name, Title: t.Title, Description: t.Description, Toolsets: toolsetsOf(t.Name), Arguments: []Argument{}}
		data, _ := json.Marshal(t.InputSchema)
		var s schema
		_ = json.Unmarshal(data, &s)
		for _, n := range slices.Sorted(maps.Keys(s.Properties)) {
			p := s.Properties[n]
			r.Arguments = append(r.Arguments, Argument{Name: n, Type: p.typeName(), Required: slices.Contains(s.Required, n),
				Default: p.Default, Description: p.Description, Constraints: p.constraints()})
		}
		out = append(out, r)
	}
	return out
}

// toolsetsOf names the toolsets a tool is in.
func toolsetsOf(tool string) []string {
	out := []string{}
	for _, ts := range Toolsets {
		if slices.Contains(ts.Tools, tool) {
			out = append(out, ts.Name)
		}
	}
	return out
}

// schema is what a reference reads of a JSON schema.
type schema struct {
	Type        string             `json:"type"`
	Description string             `json:"description"`
	Properties  map[string]*schema `json:"properties"`
	Required    []string           `json:"required"`
	Items       *schema            `json:"items"`
	Enum        []any              `json:"enum"`
	Minimum     *float64           `json:"minimum"`
	Maximum     *float64           `json:"maximum"`
	MinItems    *int               `json:"minItems"`
	MaxItems    *int               `json:"maxItems"`
	Default     any                `json:"default"`
}

func (p *schema) typeName() string {
	if p.Type == "array" && p.Items != nil {
		return p.Items.Type + "[]"
	}
	return p.Type
}

func (p *schema) constraints() []string {
	var parts []string
	target := p
	if p.Items != nil {
		target = p.Items
	}
	if len(target.Enum) > 0 {
		vals := make([]string, len(target.Enum))
		for i, v := range target.Enum {
			vals[i] = fmt.Sprintf("`%v`", v)
		}
		parts = append(parts, "one of "+strings.Join(vals, ", "))
	}
	if target.Minimum != nil || target.Maximum != nil {
		lo, hi := "", ""
		if target.Minimum != nil {
			lo = fmt.Sprint(*target.Minimum)
		}
		if target.Maximum != nil {
			hi = fmt.Sprint(*target.Maximum)
		}
		parts = append(parts, fmt.Sprintf("range %s–%s", lo, hi))
	}
	if p.MinItems != nil && p.MaxItems != nil && *p.MinItems == *p.MaxItems {
		parts = append(parts, fmt.Sprintf("exactly %d items", *p.MinItems))
	}
	return parts
}
