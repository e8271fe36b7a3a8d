package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
)

// newDemoCommand runs the sandbox backend on a loopback port and the MCP server against it,
// in one process, and prints client configuration to paste.
func newDemoCommand(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the sandbox Jana backend and the MCP server together, and print client configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd, getenv, stdout, stderr)
		},
	}
	config.RegisterFlags(cmd.Flags())
	return cmd
}

func runDemo(ctx context.Context, cmd *cobra.Command, getenv func(string) string, stdout, stderr io.Writer) error {
	// The demo listens on loopback unless told otherwise, and talks to its own sandbox.
	demoEnv := func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		if k == "MCP_SERVER_HOST" {
			return "127.0.0.1"
		}
		return ""
	}
	cfg, err := config.Load(config.Sources{Flags: cmd.Flags(), Getenv: demoEnv})
	if err != nil {
		return err
	}
	logger := newLogger(stderr, cfg.Log)
	tuneGC(getenv, logger)

	sb, err := sandbox.New(ctx, sandbox.Config{Logger: logger.With("component", "sandbox")})
	if err != nil {
		return fmt.Errorf("starting sandbox: %w", err)
	}
	sbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("sandbox listener: %w", err)
	}
	sbSrv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := sbSrv.Serve(sbLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("sandbox stopped", "err", err)
		}
	}()
	defer sbSrv.Close()

	cfg.Backend.URL = &url.URL{Scheme: "http", Host: sbLn.Addr().String()}
	srv, err := server.New(cfg, logger, server.Options{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen.Addr())
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen.Addr(), err)
	}
	host := ln.Addr().String()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		host = fmt.Sprintf("127.0.0.1:%d", tcp.Port)
	}
	if err := demoTemplate.Execute(stdout, demoInfo{
		Base: "http://" + host, Backend: cfg.Backend.URL.String(), Token: sb.DemoToken(), AuthMode: string(cfg.Auth.Mode),
	}); err != nil {
		return err
	}
	logger.Info("demo ready", slog.String("mcp", "http://"+host), slog.String("sandbox", cfg.Backend.URL.String()))
	return srv.Serve(ctx, ln)
}

type demoInfo struct {
	Base, Backend, Token, AuthMode string
}

var demoTemplate = template.Must(template.New("demo").Parse(`
Jana MCP demo
  MCP server      {{.Base}}   (Streamable HTTP: {{.Base}}/mcp, legacy SSE: {{.Base}}/sse)
  Sandbox Jana    {{.Backend}}   (user demo / demo-password)
  Demo token      {{.Token}}
  Auth mode       {{.AuthMode}}

Cursor (~/.cursor/mcp.json), Streamable HTTP with a header:
  {"mcpServers": {"jana": {"url": "{{.Base}}/mcp", "headers": {"Authorization": "Token {{.Token}}"}}}}
Cursor, legacy SSE with the token in the URL:
  {"mcpServers": {"jana": {"url": "{{.Base}}/sse?token={{.Token}}"}}}

Claude Code:
  claude mcp add --transport http jana {{.Base}}/mcp --header "Authorization: Token {{.Token}}"
  claude mcp add --transport sse jana-sse {{.Base}}/sse --header "Authorization: Token {{.Token}}"

Claude Desktop (claude_desktop_config.json), through mcp-remote:
  {"mcpServers": {"jana": {"command": "npx", "args": ["mcp-remote", "{{.Base}}/mcp", "--header", "Authorization: Token {{.Token}}"]}}}

Try it without a client:
  curl -s {{.Base}}/health
  npx @modelcontextprotocol/inspector --cli {{.Base}}/mcp --transport http --header "Authorization: Token {{.Token}}" --method tools/list

Press Ctrl-C to stop.
`))
