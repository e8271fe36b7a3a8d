package sandbox

import (
	"fmt"

	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// NewFromDataset is New over a dataset that is already built, so that tests can start many
// sandboxes with different configurations from one dataset (building it takes about 0.4 s).
// The dataset must have been built with cfg.Seed, which also derives the default tokens.
func NewFromDataset(cfg Config, ds *data.Dataset) (*Sandbox, error) {
	if ds == nil || ds.Seed != cfg.Seed {
		return nil, fmt.Errorf("sandbox: dataset was not built with seed %d", cfg.Seed)
	}
	return assemble(cfg, ds)
}
