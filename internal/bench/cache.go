package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// CacheConfig measures the response cache: the sandbox answers after Latency, the server
// (cache on) at MCP must answer repeated calls from memory, and Concurrent identical calls
// arriving together must cost one backend request.
type CacheConfig struct {
	// MCP is the server's stateful Streamable HTTP endpoint; Sandbox the sandbox's base URL
	// (its /__sandbox admin endpoints are used).
	MCP, Sandbox string
	Token        string
	Latency      time.Duration
	// Repeat is how long the repeated call is measured.
	Repeat     time.Duration
	Concurrent int
}

// CacheResult is the outcome of Cache.
type CacheResult struct {
	Latency string `json:"injected_latency"`
	// First is the first (missing) call; Repeated the calls after it on one session.
	FirstMS  float64 `json:"first_ms"`
	Repeated Summary `json:"repeated"`
	// Concurrent is the burst of identical calls on as many sessions; BackendRequests the
	// requests the sandbox saw for it.
	Concurrent      Summary `json:"concurrent"`
	ConcurrentCalls int     `json:"concurrent_calls"`
	BackendRequests int64   `json:"backend_requests"`
}

// Cache runs the measurement. It leaves the sandbox's latency at zero.
func Cache(ctx context.Context, cfg CacheConfig) (res *CacheResult, err error) {
	if err := setLatency(ctx, cfg.Sandbox, cfg.Latency); err != nil {
		return nil, err
	}
	defer func() {
		if rerr := setLatency(context.WithoutCancel(ctx), cfg.Sandbox, 0); rerr != nil && err == nil {
			err = rerr
		}
	}()
	client := NewClient(2 * cfg.Concurrent)
	defer client.Close()
	target := Target{URL: cfg.MCP, Transport: Streamable, Token: cfg.Token}
	res = &CacheResult{Latency: cfg.Latency.String(), ConcurrentCalls: cfg.Concurrent}

	repeated := Call{Tool: LightTool, Args: json.RawMessage(LightArgs)}
	cs, err := client.Connect(ctx, target)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	_, err = repeated.Invoke(ctx, cs)
	res.FirstMS = ms(time.Since(t0))
	if err != nil {
		_ = cs.Close()
		return nil, fmt.Errorf("first call: %w", err)
	}
	run := Drive(ctx, 1, 0, cfg.Repeat, func(ctx context.Context, _ int) error {
		_, err := repeated.Invoke(ctx, cs)
		return err
	})
	_ = cs.Close()
	res.Repeated = run.Summary()

	// The burst asks for another page size, which nothing has cached yet.
	burst := Call{Tool: LightTool, Args: json.RawMessage(`{"limit":37}`)}
	sessions, err := client.ConnectMany(ctx, target, cfg.Concurrent, 32)
	if err != nil {
		return nil, err
	}
	defer CloseAll(sessions)
	before, err := backendRequests(ctx, cfg.Sandbox, LightOperation)
	if err != nil {
		return nil, err
	}
	lanes := make([]lane, len(sessions))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, cs := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			_, err := burst.Invoke(ctx, cs)
			lanes[i].add(time.Since(t0), err)
		}()
	}
	t0 = time.Now()
	close(start)
	wg.Wait()
	burstRun := Run{Window: time.Since(t0)}
	for _, l := range lanes {
		burstRun.Merge(Run{Durations: l.durations, Errors: l.errors, FirstErr: l.firstErr})
	}
	res.Concurrent = burstRun.Summary()
	after, err := backendRequests(ctx, cfg.Sandbox, LightOperation)
	if err != nil {
		return nil, err
	}
	res.BackendRequests = after - before
	return res, nil
}

// setLatency sets the sandbox's injected latency through its admin API.
func setLatency(ctx context.Context, sandbox string, d time.Duration) error {
	body, _ := json.Marshal(map[string]string{"latency": d.String()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, sandbox+"/__sandbox/faults", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sandbox faults: status %d", resp.StatusCode)
	}
	return nil
}

// backendRequests reads the sandbox's request count of one operation.
func backendRequests(ctx context.Context, sandbox, operation string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sandbox+"/__sandbox/stats", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var stats struct {
		Operations map[string]struct {
			Requests int64 `json:"requests"`
		} `json:"operations"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		return 0, fmt.Errorf("sandbox stats: %w", err)
	}
	return stats.Operations[operation].Requests, nil
}
