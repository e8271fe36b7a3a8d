package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/janaplatform/jana-mcp/internal/bench"
)

func newFloorCommand(getenv func(string) string, stdout io.Writer) *cobra.Command {
	var listen, url, backend, token, pprofAddr string
	cmd := &cobra.Command{
		Use:   "floor",
		Short: "Serve the go-sdk floor: a minimal go-sdk server with one tool that GETs a backend URL",
		Long: `Serve the thinnest possible go-sdk bridge, the floor the bridge's overhead is judged against:
one tool, "` + bench.FloorTool + `", that GETs --url with "Authorization: Token <token>" and returns
the body as text. Legacy SSE at ` + bench.FloorSSEPath + `, stateful Streamable HTTP at ` + bench.FloorMCPPath + `,
stateless at ` + bench.FloorStatelessPath + `, Prometheus at /metrics. Runs until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				url = backend + bench.LightPath
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			stop, err := servePprof(cmd.Context(), pprofAddr)
			if err != nil {
				_ = ln.Close()
				return err
			}
			defer stop()
			srv := &http.Server{Handler: bench.NewFloor(url, token), ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(stdout, "floor: http://%s (GET %s)\n", ln.Addr(), url)
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			select {
			case err := <-served:
				return err
			case <-cmd.Context().Done():
			}
			ctx, cancel := context.WithTimeout(context.WithoutCancel(cmd.Context()), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				_ = srv.Close() // event streams do not end by themselves
			}
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&listen, "listen", "127.0.0.1:8090", "address to listen on")
	fl.StringVar(&backend, "backend", "http://127.0.0.1:8000", "Jana (or sandbox) base URL; the tool GETs the light call's path on it")
	fl.StringVar(&url, "url", "", "full URL the tool GETs (overrides --backend)")
	tokenFlag(fl, getenv, &token)
	fl.StringVar(&pprofAddr, "pprof", "", "also serve net/http/pprof on this loopback address")
	return cmd
}
