package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Redis is a real redis-server of the test's own, on a loopback port.
type Redis struct {
	Port int
	URL  string
	dir  string
	cmd  *exec.Cmd
}

// lookTool finds a binary on PATH or in the sbin directories Debian installs daemons in.
func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found: run scripts/cluster-setup.sh (make cluster-deps) to install it", name)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// StartRedis runs redis-server until the test ends. It fails the test when redis-server is
// missing: the tests that need one must not pass without it.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	r := &Redis{Port: FreePort(t), dir: t.TempDir()}
	r.URL = "redis://127.0.0.1:" + strconv.Itoa(r.Port) + "/0"
	r.Start(t)
	t.Cleanup(r.Stop)
	return r
}

// Start (re)starts the server on its port and waits until it answers.
func (r *Redis) Start(t testing.TB) {
	t.Helper()
	bin, err := lookTool("redis-server")
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir, "--loglevel", "warning")
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(r.Port), time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not listen on %d", r.Port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server (an outage, or the end of the test).
func (r *Redis) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}
