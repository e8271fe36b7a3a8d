package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Call is one tool call of a mix.
type Call struct {
	Tool string          `json:"tool"`
	Args json.RawMessage `json:"args,omitempty"`
	// Weight is the call's share of the mix relative to the others (default 1).
	Weight int `json:"weight,omitempty"`
}

// Mix is the tool calls a load draws from, by weight.
type Mix []Call

// SingleCall is a mix of one tool with JSON arguments ("" for none).
func SingleCall(tool, args string) (Mix, error) {
	if tool == "" {
		return nil, errors.New("a tool name is required")
	}
	c := Call{Tool: tool, Weight: 1}
	if args = strings.TrimSpace(args); args != "" {
		if !json.Valid([]byte(args)) {
			return nil, fmt.Errorf("arguments of %s are not JSON: %s", tool, args)
		}
		c.Args = json.RawMessage(args)
	}
	return Mix{c}, nil
}

// ReadMix reads a JSON mix file: [{"tool": "...", "args": {...}, "weight": 3}, ...].
func ReadMix(path string) (Mix, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Mix
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("mix %s: %w", path, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("mix %s is empty", path)
	}
	for i := range m {
		if m[i].Tool == "" {
			return nil, fmt.Errorf("mix %s: entry %d has no tool", path, i)
		}
		if m[i].Weight < 0 {
			return nil, fmt.Errorf("mix %s: entry %d has a negative weight", path, i)
		}
		if m[i].Weight == 0 {
			m[i].Weight = 1
		}
	}
	return m, nil
}

// pick draws a call.
func (m Mix) pick(r *rand.Rand) Call {
	if len(m) == 1 {
		return m[0]
	}
	total := 0
	for _, c := range m {
		total += c.Weight
	}
	n := r.IntN(total)
	for _, c := range m {
		if n < c.Weight {
			return c
		}
		n -= c.Weight
	}
	return m[len(m)-1]
}

// ToolError is a call answered with isError: the server worked, the tool failed.
type ToolError struct {
	Tool, Text string
}

func (e *ToolError) Error() string {
	text := e.Text
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	return fmt.Sprintf("%s: tool error: %s", e.Tool, text)
}

// Invoke makes the call on cs; a tool error counts as an error. It returns the result's text
// length.
func (c Call) Invoke(ctx context.Context, cs *mcp.ClientSession) (int, error) {
	params := &mcp.CallToolParams{Name: c.Tool}
	if len(c.Args) > 0 {
		params.Arguments = c.Args
	} else {
		params.Arguments = json.RawMessage("{}")
	}
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", c.Tool, err)
	}
	n := 0
	var text strings.Builder
	for _, content := range res.Content {
		if tc, ok := content.(*mcp.TextContent); ok {
			n += len(tc.Text)
			if res.IsError {
				text.WriteString(tc.Text)
			}
		}
	}
	if res.IsError {
		return n, &ToolError{Tool: c.Tool, Text: text.String()}
	}
	return n, nil
}
