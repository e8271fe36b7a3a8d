package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func newRecoverServer(logs io.Writer) *Server {
	return &Server{logger: slog.New(slog.NewJSONHandler(logs, nil)), metrics: newMetrics()}
}

// TestRecoverHTTP: a handler that panics is answered with a JSON 500 carrying the request id,
// logged with its stack and counted; the server goes on serving over the same socket.
func TestRecoverHTTP(t *testing.T) {
	var logs bytes.Buffer
	s := newRecoverServer(&logs)
	e := echo.New()
	e.HTTPErrorHandler = s.errorHandler
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { c.Response().Header().Set(echo.HeaderXRequestID, "req-1"); return next(c) }
	}, s.recoverHTTP)
	e.GET("/boom", func(echo.Context) error { panic("boom") })
	e.GET("/ok", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	srv := httptest.NewServer(e)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), `"request_id":"req-1"`) {
		t.Errorf("panicking handler: %d %s, want a JSON 500 naming the request id", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "panic recovered") || !strings.Contains(logs.String(), "recover_test.go") {
		t.Errorf("the panic was not logged with its stack: %s", logs.String())
	}
	if n := panicsCounted(t, s, "http"); n != 1 {
		t.Errorf("jana_mcp_panics_total{where=http} = %v, want 1", n)
	}
	if resp, err := http.Get(srv.URL + "/ok"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the next request: %v %v", err, resp)
	}
}

// TestRecoverMCPRequest: a panic while serving a request that is not a tool call (here
// tools/list) becomes a JSON-RPC internal error naming an id that the log line carries too.
func TestRecoverMCPRequest(t *testing.T) {
	var logs bytes.Buffer
	s := newRecoverServer(&logs)
	h := s.recoverMCP(func(context.Context, string, mcp.Request) (mcp.Result, error) { panic("in tools/list") })
	_, err := h(context.Background(), "tools/list", &mcp.ListToolsRequest{})
	var werr *jsonrpc.Error
	if !errors.As(err, &werr) || werr.Code != jsonrpc.CodeInternalError {
		t.Fatalf("err = %v, want a JSON-RPC internal error", err)
	}
	var line struct {
		CallID string `json:"call_id"`
	}
	_ = json.Unmarshal(logs.Bytes(), &line)
	if line.CallID == "" || !strings.Contains(werr.Message, line.CallID) {
		t.Errorf("error %q and log %s do not share the id", werr.Message, logs.String())
	}
	if n := panicsCounted(t, s, "mcp"); n != 1 {
		t.Errorf("jana_mcp_panics_total{where=mcp} = %v, want 1", n)
	}
}

func panicsCounted(t *testing.T, s *Server, where string) float64 {
	t.Helper()
	fams, err := s.metrics.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "jana_mcp_panics_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "where" && l.GetValue() == where {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
