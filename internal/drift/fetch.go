package drift

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/janaplatform/jana-mcp/gen/janaops"
	"github.com/janaplatform/jana-mcp/internal/jana"
)

// FetchSchema downloads the backend's schema (YAML) from its schema operation (api/tools.yaml,
// adapter.schema: /api/schema/), authenticated like every other backend call: with JANA_TOKEN,
// or signed in with JANA_EMAIL/JANA_PASSWORD (a JWT, at JANA_AUTH_URL) or
// JANA_USERNAME/JANA_PASSWORD (a DRF token), when given.
func FetchSchema(ctx context.Context, b jana.Config) ([]byte, error) {
	b.Cache = jana.CacheConfig{} // one answer, read once
	client, err := jana.New(b, jana.Options{})
	if err != nil {
		return nil, err
	}
	defer client.Close()
	if client.HasService() {
		ctx = jana.WithCaller(ctx, jana.ServiceCaller())
	}
	// drf-spectacular answers YAML for ?format=yaml or this Accept header.
	resp, err := janaops.Schema(ctx, client.API(), func(_ context.Context, r *http.Request) error {
		q := r.URL.Query()
		q.Set("format", "yaml")
		r.URL.RawQuery = q.Encode()
		r.Header.Set("Accept", "application/vnd.oai.openapi")
		return nil
	})
	if errors.Is(err, janaops.ErrAbsent) {
		return nil, fmt.Errorf("api/tools.yaml names no schema operation (adapter.schema): %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("fetching %s/api/schema/: %w", b.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s/api/schema/: HTTP %d (set JANA_TOKEN, JANA_EMAIL/JANA_PASSWORD or JANA_USERNAME/JANA_PASSWORD if the schema needs authentication)",
			b.URL.Redacted(), resp.StatusCode)
	}
	return data, nil
}
