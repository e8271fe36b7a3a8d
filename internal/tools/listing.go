package tools

import (
	"context"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// Listed returns the tools exactly as a client's tools/list shows them: the catalogue is served
// by an MCP server over an in-memory transport and listed by an MCP client. Snapshots and the
// README's tool reference are made from this, so they show what a model sees.
func Listed(ctx context.Context) ([]*mcp.Tool, error) {
	return List(ctx, All(&toolkit.Env{Apps: true}))
}

// List returns the definitions of the tools of a catalogue as tools/list shows them.
func List(ctx context.Context, catalogue []toolkit.Tool) ([]*mcp.Tool, error) {
	srv := mcp.NewServer(&mcp.Implementation{Name: "jana-mcp", Version: "listing"}, nil)
	for _, t := range catalogue {
		t.AddTo(srv)
	}
	st, ct := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		return nil, fmt.Errorf("serving the catalogue: %w", err)
	}
	defer ss.Close()
	client := mcp.NewClient(&mcp.Implementation{Name: "listing", Version: "0"}, nil)
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		return nil, fmt.Errorf("listing the catalogue: %w", err)
	}
	defer cs.Close()
	var out []*mcp.Tool
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		out = append(out, tool)
	}
	return out, nil
}
