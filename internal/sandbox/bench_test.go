package sandbox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Server time of light endpoints, without the network: the benchmarks elsewhere compare the
// MCP bridge against a direct GET, so the sandbox's own overhead must stay far below 1 ms.
func BenchmarkLightEndpoints(b *testing.B) {
	sb, err := assemble(Config{Seed: testSeed, Logger: textLogger(io.Discard)}, testDataset(b))
	if err != nil {
		b.Fatal(err)
	}
	h := sb.Handler()
	token := "Token " + sb.DemoToken()
	for _, path := range []string{
		"/api/v1/esg/health/",
		"/api/v1/data-sources/openaq/parameters/",
		"/api/v1/esg/parameters/",
		"/api/v1/data-sources/climatetrace/sectors/",
		"/api/v1/data-sources/openaq/locations/?country_code=GB&page_size=20",
		"/api/v1/data-sources/openaq/measurements/?location_id=42&page_size=100",
	} {
		b.Run(path, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", token)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
