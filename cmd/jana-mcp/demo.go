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
	"github.com/janaplatform/jana-mcp/internal/gctune"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
)

// newDemoCommand runs the sandbox backend on a loopback port and the MCP server against it,
// in one process, and prints client configuration to paste.
func newDemoCommand(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the sandbox Jana backend and the MCP server together, and print client configuration",
		Long: "Run the sandbox Jana backend and the MCP server against it, in one process, on loopback, and print\n" +
			"client configuration to paste. The flags below are the settings the demo honours; its backend is\n" +
			"always its own sandbox. Another port: jana-mcp demo --port 8081 (make demo PORT=8081).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd, demoEnv(getenv, stderr), stdout, stderr)
		},
	}
	config.RegisterFlagsFor(cmd.Flags(), demoSettings, map[string]string{
		"MCP_SERVER_HOST": demoEnv(getenv, stderr)("MCP_SERVER_HOST"),
		"LOG_FORMAT":      demoEnv(getenv, stderr)("LOG_FORMAT"),
	})
	return cmd
}

// demoSettings are the settings the demo honours with flags: it always talks to its own
// sandbox, so the backend's address and credentials are not among them.
var demoSettings = []string{"MCP_SERVER_HOST", "MCP_SERVER_PORT", "MCP_STATELESS", "MCP_AUTH_MODE",
	"JANA_TIMEOUT", "JANA_RETRIES", "LOG_LEVEL", "LOG_FORMAT"}

// demoEnv is the environment with the demo's own defaults: loopback, and logs for humans
// when they go to a terminal.
func demoEnv(getenv func(string) string, stderr io.Writer) func(string) string {
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		switch k {
		case "MCP_SERVER_HOST":
			return "127.0.0.1"
		case "LOG_FORMAT":
			if isTerminal(stderr) {
				return "text"
			}
			return "json"
		}
		return ""
	}
}

func runDemo(ctx context.Context, cmd *cobra.Command, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(config.Sources{Flags: cmd.Flags(), Getenv: getenv})
	if err != nil {
		return err
	}
	logger := newLogger(stderr, cfg.Log)
	gctune.Apply(getenv, logger)
	// The port first: a clash is answered before the dataset is built.
	ln, err := listen(cfg, " (make demo PORT=8081)")
	if err != nil {
		return err
	}
	defer ln.Close()

	logger.Info("building the sandbox's dataset")
	sb, err := sandbox.New(ctx, sandbox.Config{Logger: logger.With("component", "sandbox"), AccessTokenLifetime: demoJWTLifetime})
	if err != nil {
		return fmt.Errorf("starting sandbox: %w", err)
	}
	// A JWT to paste: the sandbox keeps sign-ins in memory, so it works while this demo runs.
	jwt, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		return fmt.Errorf("signing the demo user in: %w", err)
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
	host := ln.Addr().String()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		host = fmt.Sprintf("127.0.0.1:%d", tcp.Port)
	}
	if err := demoTemplate.Execute(stdout, demoInfo{
		Base: "http://" + host, Backend: cfg.Backend.URL.String(), Token: sb.DemoToken(), JWT: jwt, AuthMode: string(cfg.Auth.Mode),
		Email: sandbox.DefaultEmail, Password: sandbox.DefaultPassword,
	}); err != nil {
		return err
	}
	logger.Info("demo ready", slog.String("mcp", "http://"+host), slog.String("sandbox", cfg.Backend.URL.String()))
	return srv.Serve(ctx, ln)
}

// demoJWTLifetime is the access-token lifetime of the demo's sandbox: long enough that the
// printed JWT outlives any demo (the sandbox forgets it when the demo stops). Jana's own last
// minutes.
const demoJWTLifetime = 30 * 24 * time.Hour

type demoInfo struct {
	Base, Backend, Token, JWT, AuthMode, Email, Password string
}

var demoTemplate = template.Must(template.New("demo").Parse(`
Jana MCP demo
  MCP server      {{.Base}}   (Streamable HTTP: {{.Base}}/mcp, legacy SSE: {{.Base}}/sse)
  Landing page    {{.Base}}/   (open it in a browser: status, tools, client configurations)
  Sandbox Jana    {{.Backend}}   (user demo, email {{.Email}}, password {{.Password}})
  Demo JWT        {{.JWT}}
                  (a JWT access token, sent as "Authorization: Bearer …"; it works while this demo runs —
                  Jana's own expire after minutes, then the server tells you to sign in again)
  Demo token      {{.Token}}   (a legacy DRF token, "Authorization: Token …"; it does not expire)
  Auth mode       {{.AuthMode}}

With the JWT (Jana's current sign-in)
  Cursor (~/.cursor/mcp.json), Streamable HTTP with a header:
    {"mcpServers": {"jana": {"url": "{{.Base}}/mcp", "headers": {"Authorization": "Bearer {{.JWT}}"}}}}
  Cursor, legacy SSE with the token in the URL:
    {"mcpServers": {"jana": {"url": "{{.Base}}/sse?token={{.JWT}}"}}}
  Claude Code:
    claude mcp add --transport http jana {{.Base}}/mcp --header "Authorization: Bearer {{.JWT}}"
  Claude Desktop (claude_desktop_config.json), through mcp-remote:
    {"mcpServers": {"jana": {"command": "npx", "args": ["mcp-remote", "{{.Base}}/mcp", "--header", "Authorization: Bearer {{.JWT}}"]}}}

With the legacy DRF token
  Cursor (~/.cursor/mcp.json), Streamable HTTP with a header:
    {"mcpServers": {"jana": {"url": "{{.Base}}/mcp", "headers": {"Authorization": "Token {{.Token}}"}}}}
  Cursor, legacy SSE with the token in the URL:
    {"mcpServers": {"jana": {"url": "{{.Base}}/sse?token={{.Token}}"}}}
  Claude Code:
    claude mcp add --transport http jana {{.Base}}/mcp --header "Authorization: Token {{.Token}}"
    claude mcp add --transport sse jana-sse {{.Base}}/sse --header "Authorization: Token {{.Token}}"
  Claude Desktop (claude_desktop_config.json), through mcp-remote:
    {"mcpServers": {"jana": {"command": "npx", "args": ["mcp-remote", "{{.Base}}/mcp", "--header", "Authorization: Token {{.Token}}"]}}}

Sign in as Jana's clients do (here against the sandbox; use your own Jana and account the same way):
  JWT:     curl -s {{.Backend}}/api/auth/login/ -H 'Content-Type: application/json' -d '{"email": "{{.Email}}", "password": "{{.Password}}"}'
           (the access token is data.access_token; renew it with POST /api/auth/refresh/ {"refresh_token": …})
  device:  curl -s {{.Backend}}/api/auth/device-code/ -H 'Content-Type: application/json' -d '{"client_id": "jana-sdk"}'
           (approve at {{.Backend}}/device/, then poll POST /api/auth/device-token/)
  legacy:  curl -s {{.Backend}}/api/auth/login/ -H 'Content-Type: application/json' -d '{"username": "demo", "password": "{{.Password}}"}'

Try it without a client:
  curl -s {{.Base}}/health
  npx @modelcontextprotocol/inspector --cli {{.Base}}/mcp --transport http --header "Authorization: Bearer {{.JWT}}" --method tools/list

Press Ctrl-C to stop.
`))
