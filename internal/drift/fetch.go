package drift

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/jana"
)

// FetchSchema downloads the backend's schema (YAML) from /api/schema/, authenticated like every
// other backend call: with JANA_TOKEN, or JANA_USERNAME/JANA_PASSWORD logged in, when given.
func FetchSchema(ctx context.Context, b config.Backend) ([]byte, error) {
	client, err := jana.New(b, config.Cache{}, config.Auth{}, jana.Options{})
	if err != nil {
		return nil, err
	}
	defer client.Close()
	if client.HasService() {
		ctx = jana.WithCaller(ctx, jana.ServiceCaller())
	}
	format := janaapi.SchemaRetrieveParamsFormatYaml
	resp, err := client.API().SchemaRetrieve(ctx, &janaapi.SchemaRetrieveParams{Format: &format},
		func(_ context.Context, r *http.Request) error {
			r.Header.Set("Accept", "application/vnd.oai.openapi")
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("fetching %s/api/schema/: %w", b.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s/api/schema/: HTTP %d (set JANA_TOKEN or JANA_USERNAME/JANA_PASSWORD if the schema needs authentication)",
			b.URL.Redacted(), resp.StatusCode)
	}
	return data, nil
}
