package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Proc is a server under test running as a subprocess, so that its RSS and goroutines are
// its own and not the harness's.
type Proc struct {
	Name string
	// Base is the server's base URL (http://127.0.0.1:port).
	Base string
	// Log is the file that holds the process's stdout and stderr.
	Log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// ProcSpec describes a subprocess to start.
type ProcSpec struct {
	Name string
	Path string
	Args []string
	// Env is added to the harness's environment, less GOGC and GOMEMLIMIT: the harness
	// chooses every server's collector setting, and a server started without them runs
	// with its own default (the bridge's is in cmd/jana-mcp/gc.go; the floor's is Go's).
	Env []string
	Dir string
	// Port is the port the process will listen on (see FreePort); Ready is the path that
	// answers 200 once it is up ("" accepts any HTTP answer).
	Port  int
	Ready string
	// LogDir receives <Name>.log.
	LogDir string
}

// Start starts the process and waits until it answers on its port.
func Start(ctx context.Context, spec ProcSpec) (*Proc, error) {
	log, err := os.Create(spec.LogDir + "/" + spec.Name + ".log")
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = append(withoutCollectorSettings(os.Environ()), spec.Env...)
	cmd.Dir = spec.Dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", spec.Name, err)
	}
	p := &Proc{Name: spec.Name, Base: "http://127.0.0.1:" + strconv.Itoa(spec.Port), Log: log.Name(), cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := p.waitReady(ctx, spec.Ready, 60*time.Second); err != nil {
		_ = p.Stop()
		return nil, fmt.Errorf("%s did not come up (log: %s): %w", spec.Name, p.Log, err)
	}
	return p, nil
}

// withoutCollectorSettings drops GOGC and GOMEMLIMIT from an environment.
func withoutCollectorSettings(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, "GOGC=") || strings.HasPrefix(kv, "GOMEMLIMIT=")
	})
}

// Pid returns the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

func (p *Proc) waitReady(ctx context.Context, path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-p.done:
			return fmt.Errorf("exited: %v", p.err)
		default:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.Base+path, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if path == "" || resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("%s%s answers %d", p.Base, path, resp.StatusCode)
			}
			return err
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// Stop asks the process to end (SIGTERM), and kills it after 15 s.
func (p *Proc) Stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within 15s; killed", p.Name)
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) && exit.Sys().(syscall.WaitStatus).Signaled() {
		return nil // ended by our SIGTERM (Node does so)
	}
	return p.err
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
