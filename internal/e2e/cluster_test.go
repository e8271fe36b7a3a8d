package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/testenv/syncbuf"
)

// binary builds cmd/jana-mcp once per test binary.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "jana-mcp-e2e")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "jana-mcp")
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", path, "github.com/janaplatform/jana-mcp/cmd/jana-mcp").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%v\n%s", err, out)
	}
	return path, nil
})

// replica is one `jana-mcp serve` of the cluster.
type replica struct {
	cmd  *exec.Cmd
	base string // its own address
	id   string // its replica id, from the "cluster" log line
	logs *syncbuf.Buffer
	mu   sync.Mutex
}

func startReplica(t *testing.T, bin string, env []string) *replica {
	t.Helper()
	port := testenv.FreePort(t)
	r := &replica{base: "http://127.0.0.1:" + strconv.Itoa(port), logs: &syncbuf.Buffer{}}
	r.cmd = exec.Command(bin, "serve")
	r.cmd.Env = append(env, "MCP_SERVER_HOST=127.0.0.1", "MCP_SERVER_PORT="+strconv.Itoa(port))
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.Stdout = r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var once sync.Once
		for sc.Scan() {
			line := sc.Text()
			_, _ = r.logs.Write([]byte(line + "\n"))
			var l struct{ Msg, Replica string }
			if json.Unmarshal([]byte(line), &l) == nil {
				switch l.Msg {
				case "cluster":
					r.mu.Lock()
					r.id = l.Replica
					r.mu.Unlock()
				case "serving":
					once.Do(func() { close(ready) })
				}
			}
		}
	}()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
	})
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatalf("replica did not start:\n%s", r.logs.String())
	}
	return r
}

func (r *replica) replicaID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.id
}

// startNginx runs nginx as a round-robin balancer without stickiness over the replicas, with
// streaming settings an MCP deployment needs (no buffering, long reads), and returns its URL.
func startNginx(t *testing.T, backends []string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			t.Fatal("nginx is not installed and the cluster test needs it: run scripts/cluster-setup.sh (make cluster-deps)")
		}
		bin = "/usr/sbin/nginx"
	}
	dir := t.TempDir()
	port := testenv.FreePort(t)
	var servers strings.Builder
	for _, b := range backends {
		fmt.Fprintf(&servers, "    server %s;\n", strings.TrimPrefix(b, "http://"))
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers would otherwise run as nobody, who cannot read the test's folder
	}
	conf := fmt.Sprintf(`%s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  # No keepalive to the replicas: a request to a replica that died is then refused before it
  # is sent, and nginx passes it to the next one (it never retries a POST it has sent).
  upstream mcp {
%[3]s  }
  server {
    listen 127.0.0.1:%[4]d;
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_read_timeout 300s;
    }
  }
}
`, user, dir, servers.String(), port)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-g", "daemon off;")
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Its workers are children of the master: kill the whole group, or they keep the output
	// pipe (and Wait) open.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("nginx: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get(url + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not come up:\n%s\n%s", out.String(), b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metricValue sums a counter's series from a replica's /metrics whose line contains match.
func metricValue(t *testing.T, base, name, match string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, name) && strings.Contains(line, match) {
			f, _ := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
			sum += f
		}
	}
	return sum
}

// session is a go-sdk client session through the balancer.
type session struct {
	cs        *mcp.ClientSession
	transport string
	owner     string // the replica id its session id names
}

// idRecorder learns a session's id from the requests its client sends: the session_id of the
// legacy transport's POSTs, or the Mcp-Session-Id the server minted.
type idRecorder struct {
	mu   sync.Mutex
	id   string
	next http.RoundTripper
}

func (r *idRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	if id := req.URL.Query().Get("session_id"); id != "" && r.id == "" {
		r.id = id
	}
	if err == nil && r.id == "" {
		r.id = resp.Header.Get("Mcp-Session-Id")
	}
	return resp, err
}

func (r *idRecorder) owner() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	owner, _, _ := strings.Cut(r.id, ".")
	return owner
}

// connectThrough opens a go-sdk session through the balancer. Streamable sessions reconnect
// their event stream as real clients do (a stream that went through a replica that died).
func connectThrough(ctx context.Context, lb, transport, token string) (*session, error) {
	rec := &idRecorder{next: headerTransport{"Token " + token, http.DefaultTransport}}
	hc := &http.Client{Transport: rec}
	var tr mcp.Transport
	if transport == testenv.SSE {
		tr = &mcp.SSEClientTransport{Endpoint: lb + "/sse", HTTPClient: hc}
	} else {
		tr = &mcp.StreamableClientTransport{Endpoint: lb + "/mcp", HTTPClient: hc, MaxRetries: 3}
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cluster-test", Version: "0"}, nil).
		Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		return nil, err
	}
	if _, err := cs.ListTools(ctx, nil); err != nil { // the SSE id shows on the first POST
		return nil, err
	}
	return &session{cs: cs, transport: transport, owner: rec.owner()}, nil
}

type headerTransport struct {
	auth string
	next http.RoundTripper
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", h.auth)
	return h.next.RoundTrip(r)
}

// TestClusterBehindNginx is the deployment the design record promises: three replicas of the
// real binary on one Redis behind nginx round-robin with no stickiness, on loopback. Many
// concurrent sessions of the go-sdk client (SSE and stateful /mcp) and the TypeScript SDK
// client have every call answered while their requests spread over the replicas; a rate
// limit holds once across the cluster; a replica killed with SIGKILL loses only its own
// sessions; with Redis stopped the remaining sessions' calls are still answered.
func TestClusterBehindNginx(t *testing.T) {
	nodeBin := node(t)
	t.Parallel()
	bin, err := binary()
	if err != nil {
		t.Fatalf("building jana-mcp: %v", err)
	}
	start := time.Now()
	redis := testenv.StartRedis(t)
	// A user per session, so that each has the whole rate limit to itself; one for the
	// TypeScript client, one for the rate-limit phase.
	var accounts []sandbox.User
	for i := range 26 {
		accounts = append(accounts, sandbox.User{Username: fmt.Sprintf("user%d", i), Password: "pw", Token: fmt.Sprintf("%040x", 7000+i)})
	}
	limitedToken, tsToken := accounts[24].Token, accounts[25].Token
	sb := testenv.StartSandbox(t, sandbox.Config{Users: accounts})
	env := []string{"JANA_BACKEND_URL=" + sb.URL, "MCP_REDIS_URL=" + redis.URL, "MCP_CLUSTER_TTL=3s", "LOG_LEVEL=info",
		"MCP_REDIS_TIMEOUT=5s", // about sharing: a loaded machine must not make replicas fall back
		"MCP_RATE_LIMIT=0", "MCP_RATE_LIMIT_SSE=0", "MCP_RATE_LIMIT_MESSAGES=120", "MCP_CACHE_ENABLED=false"}
	var replicas []*replica
	var bases []string
	for range 3 {
		r := startReplica(t, bin, env)
		replicas = append(replicas, r)
		bases = append(bases, r.base)
	}
	lb := startNginx(t, bases)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Sessions of the go-sdk client, SSE and stateful /mcp, until every replica owns some of
	// each (the balancer decides where each opens).
	var sessions []*session
	owned := map[string]int{}
	for i := 0; i < 24 && (len(sessions) < 16 || len(owned) < 6); i++ {
		tr := testenv.SSE
		if i%2 == 1 {
			tr = testenv.Streamable
		}
		s, err := connectThrough(ctx, lb, tr, accounts[i].Token)
		if err != nil {
			t.Fatalf("session %d (%s) through nginx: %v", i, tr, err)
		}
		owned[s.owner+"/"+tr]++
		sessions = append(sessions, s)
		t.Cleanup(func() { _ = s.cs.Close() })
	}
	callAll := func(phase string, n int, ok func(*session) bool) (answered, failed int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, s := range sessions {
			wg.Go(func() {
				for range n {
					res, err := s.cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_pollutants", Arguments: map[string]any{"limit": 2}})
					good := err == nil && !res.IsError
					mu.Lock()
					if good {
						answered++
					} else {
						failed++
						if ok(s) {
							t.Errorf("%s: a %s session's call failed: %v %v", phase, s.transport, err, res)
						}
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return answered, failed
	}

	// 1. Every call answered, each session's calls spread over the replicas.
	answered, _ := callAll("all replicas up", 10, func(*session) bool { return true })
	forwarded := 0.0
	for _, r := range replicas {
		forwarded += metricValue(t, r.base, "jana_mcp_forwarded_total", `result="ok"`)
	}
	t.Logf("phase 1: %d calls answered by %d go-sdk sessions (owners by replica and transport: %v); %v requests forwarded to their session's replica",
		answered, len(sessions), owned, forwarded)
	if forwarded < float64(answered)/3 {
		t.Errorf("only %v of ~%d requests were forwarded: the balancer did not spread them", forwarded, 2*answered)
	}
	out, err := run(t, 2*time.Minute, nodeBin, "test/node/mcp-client.mjs", "--base", lb, "--token", tsToken,
		"--transport", "both", "--calls", testenv.CallsPath(t))
	if err != nil {
		t.Errorf("TypeScript client through nginx: %v\n%s", err, out)
	}

	// 2. A rate limit holds once across the cluster: 120 messages a minute, not 3 × 120.
	limited := 0
	h := map[string]string{"Authorization": "Token " + limitedToken, "Content-Type": "application/json",
		"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"}
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`
	for range 200 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, lb+"/mcp", strings.NewReader(body))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	perReplica := make([]float64, len(replicas))
	for i, r := range replicas {
		perReplica[i] = metricValue(t, r.base, "jana_mcp_rate_limited_total", `limit="messages"`)
	}
	t.Logf("phase 2: %d of 200 messages limited (limit 120/min across the cluster); refusals per replica %v", limited, perReplica)
	if limited < 60 {
		t.Errorf("%d of 200 messages limited: the limit of 120 a minute did not hold across the replicas", limited)
	}

	// 3. SIGKILL one replica: only the sessions it owned are lost.
	victim := replicas[2]
	victimID := victim.replicaID()
	if victimID == "" {
		t.Fatal("the replica did not log its id")
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.cmd.Wait()
	lost := 0
	for _, s := range sessions {
		if s.owner == victimID {
			lost++
		}
	}
	survivor := func(s *session) bool { return s.owner != victimID }
	answered, failed := callAll("after the kill", 5, survivor)
	t.Logf("phase 3: replica %s killed; %d of %d sessions were its own; %d calls answered, %d failed (only the victim's sessions may fail)",
		victimID, lost, len(sessions), answered, failed)
	if lost == 0 || failed < lost {
		t.Errorf("the killed replica owned %d sessions, and %d calls failed: its sessions should be gone", lost, failed)
	}

	// 4. Redis stopped: the surviving sessions are still served.
	redis.Stop()
	answered, failed = callAll("Redis down", 5, survivor)
	t.Logf("phase 4: Redis stopped; %d calls answered, %d failed", answered, failed)
	for _, r := range replicas[:2] {
		resp, err := http.Get(r.base + "/ready")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("/ready with Redis down: %v %v", err, resp)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
	t.Logf("cluster test took %s", time.Since(start).Round(time.Second))
}
