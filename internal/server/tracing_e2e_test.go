package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// traceparentTransport adds a W3C traceparent to every client request, as a traced host would.
type traceparentTransport struct{ value string }

func (t traceparentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Traceparent", t.value)
	return http.DefaultTransport.RoundTrip(r)
}

// TestTracingFollowsACallIntoJana: with tracing on, a tool call joins the client's trace, each
// backend attempt is a child span, and Jana receives that span as its traceparent. No span
// carries the token.
func TestTracingFollowsACallIntoJana(t *testing.T) {
	t.Parallel()
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	exporter := tracetest.NewInMemoryExporter()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServerWith(t, testenv.Config(t, sb.URL, map[string]string{"MCP_CACHE_ENABLED": "false"}), server.Options{SpanExporter: exporter})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	for i, tc := range []struct{ transport, path string }{{testenv.Streamable, "/locations/5/"}, {testenv.SSE, "/locations/6/"}} {
		cs, err := testenv.ConnectVia(ctx, t, srv.URL, tc.transport, sb.Token, "query",
			traceparentTransport{"00-" + traceID + "-00f067aa0ba902b7-01"})
		if err != nil {
			t.Fatal(err)
		}
		sb.FailNext("v1_data_sources_openaq_locations_retrieve", 503, 1) // two attempts, two spans
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_station", Arguments: map[string]any{"station_id": 5 + i}})
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %s", tc.transport, err, testenv.Text(res))
		}
		cs.Close()

		var call, attempts = 0, map[string]bool{}
		for _, s := range exporter.GetSpans() {
			if s.SpanContext.TraceID().String() != traceID {
				continue
			}
			switch {
			case s.Name == "tools/call get_station" && hasAttr(s.Attributes, "mcp.transport", transportName(tc.transport)):
				call++
			case strings.HasPrefix(s.Name, "jana GET /api/v1/data-sources/openaq/locations/{id}/"):
				attempts[s.SpanContext.SpanID().String()] = true
			}
			for _, a := range s.Attributes {
				if strings.Contains(a.Value.Emit(), sb.Token) {
					t.Errorf("span %s carries the token in %s", s.Name, a.Key)
				}
			}
		}
		if call != 1 {
			t.Errorf("%s: %d tool-call spans in the client's trace, want 1", tc.transport, call)
		}
		sent := sb.Traceparents(tc.path)
		if len(sent) != 2 {
			t.Fatalf("%s: Jana saw %d requests for %s, want 2", tc.transport, len(sent), tc.path)
		}
		for _, tp := range sent {
			parts := strings.Split(tp, "-")
			if len(parts) != 4 || parts[1] != traceID || !attempts[parts[2]] {
				t.Errorf("%s: Jana got traceparent %q, want one of the attempt spans of trace %s", tc.transport, tp, traceID)
			}
		}
	}
}

func transportName(tr string) string {
	if tr == testenv.SSE {
		return "sse"
	}
	return "streamable"
}

func hasAttr(attrs []attribute.KeyValue, key, value string) bool {
	for _, a := range attrs {
		if string(a.Key) == key && a.Value.AsString() == value {
			return true
		}
	}
	return false
}
