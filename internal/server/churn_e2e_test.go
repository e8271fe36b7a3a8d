package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// TestNoGrowthAfterSessionChurn opens and closes thousands of sessions — legacy SSE and
// stateful Streamable HTTP, half of them with a tool call, one in ten abandoned by its client
// (a dropped stream, a session never deleted, left to MCP_SESSION_TIMEOUT) — and checks that
// the goroutines return to their baseline and the heap does not grow: nothing per session
// outlives it.
//
// It does not run in parallel: it counts the goroutines of the whole test binary.
func TestNoGrowthAfterSessionChurn(t *testing.T) {
	sessions := 2000
	if testing.Short() {
		sessions = 400
	}
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{
		"MCP_MAX_SESSIONS_PER_TOKEN": "100000", "MCP_SSE_KEEPALIVE": "1s", "MCP_SESSION_TIMEOUT": "1s", "LOG_LEVEL": "warn",
	}))
	client := &http.Transport{MaxIdleConnsPerHost: 64}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var calls atomic.Int64
	churn := func(n int) {
		const workers = 8
		var wg sync.WaitGroup
		next := atomic.Int64{}
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= n || t.Failed() {
						return
					}
					transport, auth := testenv.SSE, "query"
					if i%2 == 1 {
						transport, auth = testenv.Streamable, "header"
					}
					if i%10 >= 8 {
						if err := abandon(srv.URL, transport, sb.Token, client); err != nil {
							t.Errorf("session %d over %s, abandoned: %v", i, transport, err)
						}
						continue
					}
					cs, err := testenv.ConnectVia(ctx, t, srv.URL, transport, sb.Token, auth, client)
					if err != nil {
						t.Errorf("session %d over %s: %v", i, transport, err)
						return
					}
					if i%4 < 2 { // half the sessions make a call
						res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_station", Arguments: map[string]any{"station_id": 1 + i%5}})
						if err != nil || res.IsError {
							t.Errorf("session %d: get_station: %v", i, err)
						}
						calls.Add(1)
					}
					if err := cs.Close(); err != nil {
						t.Errorf("session %d: close: %v", i, err)
					}
				}
			}()
		}
		wg.Wait()
	}
	active := func() float64 {
		m, _ := scrape(t, srv.URL)
		return m.value("jana_mcp_sessions_active")
	}
	// settle waits until every session is gone and the goroutine count stops moving.
	settle := func() int {
		if !eventually(10*time.Second, func() bool { return active() == 0 }) {
			t.Fatalf("sessions still active: %v", active())
		}
		client.CloseIdleConnections()
		prev, stable := -1, 0
		eventually(15*time.Second, func() bool {
			runtime.GC()
			n := runtime.NumGoroutine()
			if n == prev {
				stable++
			} else {
				prev, stable = n, 0
			}
			return stable >= 10 // unchanged for ~200 ms
		})
		return prev
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}

	churn(64) // warm up: pools, caches, lazily started goroutines
	baseGoroutines, baseHeap := settle(), heap()
	start := time.Now()
	churn(sessions)
	elapsed := time.Since(start)
	if t.Failed() {
		return
	}
	if !eventually(15*time.Second, func() bool { return active() == 0 }) {
		t.Fatalf("sessions still active after the churn: %v", active())
	}
	// Poll for the exact baseline (closures in the SDK and net/http end asynchronously), but
	// accept a few goroutines of noise; a leak would be one or more per session.
	var after int
	eventually(15*time.Second, func() bool {
		client.CloseIdleConnections()
		after = runtime.NumGoroutine()
		return after <= baseGoroutines
	})
	ok := after <= baseGoroutines+3
	afterHeap := heap()
	t.Logf("%d sessions (%d tool calls) in %v; goroutines %d before, %d after; heap in use %.1f MB before, %.1f MB after",
		sessions, calls.Load(), elapsed.Round(time.Millisecond), baseGoroutines, after, mb(baseHeap), mb(afterHeap))
	if !ok {
		var dump strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&dump, 1)
		t.Errorf("goroutines did not return to the baseline: %d before, %d after\n%s", baseGoroutines, after, dump.String())
	}
	// Per-session state that leaked would show as megabytes after 2000 sessions; allow for
	// the noise of the runtime's own pools.
	if grown := int64(afterHeap) - int64(baseHeap); grown > 8<<20 {
		t.Errorf("heap in use grew by %.1f MB after %d sessions", float64(grown)/(1<<20), sessions)
	}
}

// abandon opens a session by hand, makes a tool call and leaves without ending the session:
// the SSE stream is dropped, the Streamable HTTP session is left to expire.
func abandon(base, transport, token string, rt http.RoundTripper) error {
	hc := &http.Client{Transport: rt}
	call := toolCall(2, "get_station", map[string]any{"station_id": 3})
	if transport == testenv.Streamable {
		h := with(jsonRPCHeaders, "Authorization", "Token "+token)
		r, err := trySend(request{method: http.MethodPost, url: base + "/mcp", header: h, body: initialize, client: hc})
		if err != nil || r.status != http.StatusOK {
			return fmt.Errorf("initialize: %v %d", err, r.status)
		}
		h = with(h, "Mcp-Session-Id", r.header.Get("Mcp-Session-Id"), "MCP-Protocol-Version", "2025-06-18")
		for _, body := range []string{initialized, call} {
			if _, err := trySend(request{method: http.MethodPost, url: base + "/mcp", header: h, body: body, client: hc}); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // drops the stream
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/sse?token="+token, nil)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if post, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			for _, body := range []string{initialize, initialized, call} {
				r, err := trySend(request{method: http.MethodPost, url: base + post, header: map[string]string{"Content-Type": "application/json"}, body: body, client: hc})
				if err != nil || r.status != http.StatusAccepted {
					return fmt.Errorf("POST %s: %v %d", post, err, r.status)
				}
			}
			return nil
		}
	}
	return fmt.Errorf("no endpoint event: %v", sc.Err())
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
