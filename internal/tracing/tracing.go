// Package tracing sets up the optional OpenTelemetry tracing: a span for each tool call and for
// each backend attempt, joined to the client's trace when its request carries a W3C
// traceparent, and continued into Jana with the traceparent header, so that a slow answer can
// be followed from the assistant into the backend. It is off unless MCP_TRACING=otlp; the
// exporter then reads the standard OTEL_EXPORTER_OTLP_* variables. Spans carry tool names,
// endpoints and statuses, never tokens.
package tracing

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Provider is an enabled tracing setup.
type Provider struct {
	tp *sdktrace.TracerProvider
	// Tracer starts the spans.
	Tracer trace.Tracer
	// Propagator reads and writes the W3C traceparent header.
	Propagator propagation.TextMapPropagator
}

// New returns the provider for mode ("" or "off": nil, tracing disabled; "otlp": OTLP over
// HTTP). A non-nil exporter (tests) overrides the mode and exports synchronously.
func New(ctx context.Context, mode, version string, exporter sdktrace.SpanExporter) (*Provider, error) {
	var opt sdktrace.TracerProviderOption
	switch {
	case exporter != nil:
		opt = sdktrace.WithSyncer(exporter)
	case mode == "" || mode == "off":
		return nil, nil
	case mode == "otlp":
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("MCP_TRACING=otlp: %w", err)
		}
		opt = sdktrace.WithBatcher(exp)
	default:
		return nil, fmt.Errorf("MCP_TRACING: %q is not one of off, otlp", mode)
	}
	tp := sdktrace.NewTracerProvider(opt, sdktrace.WithResource(resource.NewSchemaless(
		semconv.ServiceName("jana-mcp"), semconv.ServiceVersion(version),
	)))
	return &Provider{
		tp:         tp,
		Tracer:     tp.Tracer("github.com/janaplatform/jana-mcp"),
		Propagator: propagation.TraceContext{},
	}, nil
}

// Shutdown flushes and stops the exporter.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.tp.Shutdown(ctx)
}
