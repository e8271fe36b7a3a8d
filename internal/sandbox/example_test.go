package sandbox_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// A test starts a sandbox on a loopback listener and talks to it with the generated client,
// exactly as it would talk to Jana.
func Example() {
	ctx := context.Background()
	sb, err := sandbox.New(ctx, sandbox.Config{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()

	client, err := janaapi.NewClientWithResponses(srv.URL, janaapi.WithRequestEditorFn(
		func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Token "+sb.DemoToken())
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.V1DataSourcesClimatetraceSectorsListWithResponse(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode(), resp.JSON200.Count, resp.JSON200.Results[0].Name)

	// Faults are switched on at run time.
	sb.FailNext("sectors_list", http.StatusServiceUnavailable, 1)
	resp, _ = client.V1DataSourcesClimatetraceSectorsListWithResponse(ctx, nil)
	fmt.Println(resp.StatusCode(), sb.Stats().Faults)
	// Output:
	// 200 26 electricity-generation
	// 503 1
}
