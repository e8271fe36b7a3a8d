package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/janaplatform/jana-mcp/internal/config"
)

// envOnlyHelp lists the settings a command reads that have no flag: the credentials (named
// only, never with a value) and the rest, for its --help.
func envOnlyHelp() string {
	var b strings.Builder
	b.WriteString("Settings without flags (environment or --config file; see README for each):\n")
	var secrets, others []string
	for _, f := range config.EnvOnly() {
		if f.Secret {
			secrets = append(secrets, f.Env)
		} else {
			others = append(others, f.Env)
		}
	}
	fmt.Fprintf(&b, "  credentials: %s\n", wrap(secrets, 76, "    "))
	fmt.Fprintf(&b, "  others:      %s\n", wrap(others, 76, "    "))
	return b.String()
}

func wrap(words []string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for i, w := range words {
		if i > 0 {
			b.WriteString(",")
			if line+len(w)+2 > width {
				b.WriteString("\n" + indent)
				line = len(indent)
			} else {
				b.WriteString(" ")
				line++
			}
		}
		b.WriteString(w)
		line += len(w) + 1
	}
	return b.String()
}

// listen opens the server's listener; a port in use is answered with the setting that changes
// it, rather than the bare socket error.
func listen(cfg config.Config, hint string) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Listen.Addr())
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("port %d is in use (another jana-mcp, or another program, listens there): "+
			"choose another with --port or MCP_SERVER_PORT%s", cfg.Listen.Port, hint)
	}
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", cfg.Listen.Addr(), err)
	}
	return ln, nil
}

// isTerminal reports whether w is a terminal (logs for humans), not a file or a pipe.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
