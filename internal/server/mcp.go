package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/tools"
	"github.com/janaplatform/jana-mcp/internal/version"
	"github.com/janaplatform/jana-mcp/internal/views"
)

// newMCPServer builds an MCP server with the tools given (all the server serves, or one
// connection's choice), the resources, the prompts those tools can follow, and completions
// for the prompts' arguments and the resource templates' variables.
func (s *Server) newMCPServer(catalogue []toolkit.Tool, resources []toolkit.Resource, prompts []toolkit.Prompt) *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{
		Name:    "jana-mcp",
		Title:   "Jana Environmental Data Platform",
		Version: version.String(),
	}, &mcp.ServerOptions{
		// Replaced at initialize (instructionsMiddleware) by one with today's date and the
		// data's coverage.
		Instructions: tools.StaticInstructions(s.env),
		Logger:       s.logger.With("component", "mcp"),
		// Session ids name the replica that owns them (MCP_REDIS_URL): any replica can route.
		GetSessionID:      s.newSessionID,
		CompletionHandler: tools.Complete(s.env),
	})
	served := map[string]bool{}
	for _, t := range catalogue {
		t.AddTo(srv)
		served[t.Name()] = true
	}
	toolkit.AddResources(srv, resources)
	toolkit.AddPrompts(srv, prompts, func(name string) bool { return served[name] })
	if s.cfg.Tools.Apps {
		views.AddTo(srv) // the chart and map the tools' _meta.ui links to
	}
	srv.AddReceivingMiddleware(s.recoverMCP, s.sessionMiddleware, s.instructionsMiddleware, s.toolMiddleware)
	return srv
}

func toolNames(list []toolkit.Tool) []string {
	names := make([]string, len(list))
	for i, t := range list {
		names[i] = t.Name()
	}
	return names
}

// instructionsMiddleware gives initialize (and 2026-07-28's server/discover) instructions
// that say today's date and where each source's data begins and ends, so that relative dates
// resolve and a model does not ask for months Jana has no data for.
func (s *Server) instructionsMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		if err != nil {
			return res, err
		}
		switch r := res.(type) {
		case *mcp.InitializeResult:
			r.Instructions = tools.Instructions(ctx, s.env)
		case *mcp.DiscoverResult:
			r.Instructions = tools.Instructions(ctx, s.env)
		}
		return res, err
	}
}

// sessionMiddleware binds a new stateful Streamable HTTP session to the reservation its
// initialize POST made (handleMCP); the session table gives it back when the session closes
// (on DELETE, on idle timeout or at shutdown) or closes it if it has not finished initializing
// (notifications/initialized) within MCP_INIT_TIMEOUT, so that abandoned handshakes stop
// counting against the caps. (SSE sessions are bound by their GET handler.)
func (s *Server) sessionMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		switch method {
		case "initialize":
			if err != nil || transportOf(ctx) != transportStreamable {
				break
			}
			ss, ok := req.GetSession().(*mcp.ServerSession)
			// The session's context is that of the POST that created it, so it holds the
			// reservation.
			if sess, reserved := ctx.Value(reservationKey{}).(*session); ok && reserved && !s.sessions.claim(ctx, sess, ss) {
				_ = ss.Close()
			}
		case "notifications/initialized":
			if id := sseSessionOf(ctx); id != "" {
				s.sessions.initialized(id)
			} else if ss, ok := req.GetSession().(*mcp.ServerSession); ok {
				s.sessions.initialized(ss.ID())
			}
		}
		return res, err
	}
}

// reservationKey holds the session reserved for an initialize POST.
type reservationKey struct{}

// toolMiddleware wraps every tools/call: it gives the call its caller, a call id and a
// record of its backend calls, ties its lifetime to the connection that carries it, counts it
// for graceful shutdown, and logs and measures it.
func (s *Server) toolMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		call, ok := req.(*mcp.CallToolRequest)
		if !ok {
			return next(ctx, method, req)
		}
		ticket, why := s.sessions.calls.enter(limitKeyOf(ctx))
		if why != "" {
			return s.refuse(ctx, call.Params.Name, why, req), nil
		}
		// The call counts until its answer is written. The SDK writes it after this
		// middleware returns and only then ends the request's context; leaving on return let
		// shutdown close the session in between and lose the answer of a call it had waited
		// for.
		context.AfterFunc(ctx, func() { s.sessions.calls.leave(ticket) })

		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		// Shutdown ends calls still running at MCP_SHUTDOWN_TIMEOUT: closing a stateful
		// session waits for its calls, which would otherwise run on up to JANA_TIMEOUT.
		defer context.AfterFunc(s.cutCtx, cancel)()
		if lifetime := connOf(ctx).lifetime; lifetime != nil {
			// The request's context does not end with its connection (the SDK detaches it);
			// end it here so that a dropped stream cancels the backend call in flight.
			defer context.AfterFunc(lifetime, cancel)()
		}
		id := toolkit.CallID(ctx) // given by recoverMCP
		ctx, info := jana.WithCallInfo(ctx)
		tool := call.Params.Name
		ctx, span := s.startSpan(ctx, tool, id, req)

		start := time.Now()
		res, err := next(ctx, method, req)
		elapsed := time.Since(start)
		if err == nil && ctx.Err() != nil && s.cutCtx.Err() != nil {
			// Cut by the shutdown deadline: the client should retry, on another replica.
			res, err = nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: restartingText}
		}

		outcome := "ok"
		if err != nil {
			outcome = "error"
		} else if r, ok := res.(*mcp.CallToolResult); ok && r.IsError {
			outcome = "tool_error"
		}
		sum := info.Summary()
		s.metrics.toolCalls.WithLabelValues(tool, outcome).Inc()
		s.metrics.toolDuration.WithLabelValues(tool).Observe(elapsed.Seconds())
		caller := "none"
		if c, ok := jana.CallerFrom(ctx); ok {
			caller = c.Key()
		}
		level := slog.LevelInfo
		if outcome != "ok" {
			level = slog.LevelWarn
		}
		endSpan(span, outcome)
		if s.logger.Enabled(ctx, level) {
			s.logger.LogAttrs(ctx, level, "tool call",
				slog.String("tool", tool), slog.String("outcome", outcome), slog.Float64("duration_ms", ms(elapsed)),
				slog.Int("backend_status", sum.LastStatus), slog.Int("backend_attempts", sum.Attempts),
				slog.Float64("backend_ms", ms(sum.Elapsed)), slog.Bool("cached", sum.Cached), slog.String("call_id", id),
				slog.String("session_id", sessionID(ctx, req)), slog.String("transport", transportOf(ctx)),
				slog.String("caller", caller))
		}
		return preEncode(res), err
	}
}

// restartingText answers a call cut short by the shutdown deadline.
const restartingText = "The server is restarting and cut this call short before it finished. Retry it: your client reconnects, to another replica if there is one."

// refusals are the answers to calls that were not admitted.
var refusals = map[refusal]string{
	refusedDraining: "This server is shutting down and takes no new calls. Retry: your client reconnects to another replica.",
	refusedBusy:     "This server is running as many tool calls as it allows (MCP_MAX_INFLIGHT). Retry in a few seconds.",
	refusedShareUsed: "You already have as many tool calls running as one caller may (MCP_MAX_INFLIGHT_PER_CALLER). " +
		"Wait for one of them to finish, then retry.",
}

// refuse answers a call that was not admitted, and logs and counts it like any call.
func (s *Server) refuse(ctx context.Context, tool string, why refusal, req mcp.Request) *mcp.CallToolResult {
	s.metrics.toolCalls.WithLabelValues(tool, "refused").Inc()
	s.logger.WarnContext(ctx, "tool call", "tool", tool, "outcome", "refused", "reason", string(why),
		"duration_ms", 0, "backend_status", 0, "session_id", sessionID(ctx, req), "transport", transportOf(ctx))
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: refusals[why]}}}
	res.IsError = true
	return res
}

// sessionID is the id a call's session is logged under.
func sessionID(ctx context.Context, req mcp.Request) string {
	if id := req.GetSession().ID(); id != "" {
		return id
	}
	return sseSessionOf(ctx) // the SDK has no id for legacy SSE sessions
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// connInfo is what a request's context says about the connection it arrived on.
type connInfo struct {
	transport string
	// lifetime is the context of the connection (the SSE stream, or the stateless POST),
	// whose end must cancel the request's tool calls; nil when the SDK ends them itself.
	lifetime context.Context
	sseID    string // the legacy SSE session's id (the session_id of its /messages URL)
}

type connKey struct{}

func withConn(ctx context.Context, ci connInfo) context.Context {
	return context.WithValue(ctx, connKey{}, ci)
}

func connOf(ctx context.Context) connInfo {
	ci, _ := ctx.Value(connKey{}).(connInfo)
	return ci
}

func transportOf(ctx context.Context) string { return connOf(ctx).transport }

func sseSessionOf(ctx context.Context) string { return connOf(ctx).sseID }

// startSpan starts the tool call's span, as a child of the client's trace when the request
// carried a traceparent (the current POST's headers for Streamable HTTP; the stream's for SSE).
func (s *Server) startSpan(ctx context.Context, tool, callID string, req mcp.Request) (context.Context, trace.Span) {
	if s.tracing == nil {
		return ctx, nil
	}
	if extra := req.GetExtra(); extra != nil && extra.Header != nil {
		ctx = s.tracing.Propagator.Extract(ctx, propagation.HeaderCarrier(extra.Header))
	}
	return s.tracing.Tracer.Start(ctx, "tools/call "+tool, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("mcp.tool", tool),
			attribute.String("mcp.call_id", callID),
			attribute.String("mcp.transport", transportOf(ctx)),
			attribute.String("mcp.session_id", sessionID(ctx, req)),
		))
}

func endSpan(span trace.Span, outcome string) {
	if span == nil {
		return
	}
	span.SetAttributes(attribute.String("mcp.outcome", outcome))
	if outcome != "ok" {
		span.SetStatus(otelcodes.Error, outcome)
	}
	span.End()
}
