package sandbox

import "github.com/janaplatform/jana-mcp/internal/sandbox/data"

// NewFromDataset is New over a dataset that is already built, so that tests can start many
// sandboxes with different configurations from one dataset (building it takes about 0.5 s).
func NewFromDataset(cfg Config, ds *data.Dataset) (*Sandbox, error) { return assemble(cfg, ds) }
