package sandbox

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// faultSettings is an immutable snapshot of the fault configuration; requests read it with one
// atomic load, so an idle injector costs nothing.
type faultSettings struct {
	faults  FaultConfig
	latency time.Duration
	jitter  time.Duration
	slow    map[string]time.Duration // raw configuration, for reporting
	slowOps map[string]time.Duration // resolved: operationId -> delay
	active  bool                     // any rate, latency or slow delay set
}

type failRule struct {
	op     string // "" = any operation
	status int
	left   int
}

// current returns the fault configuration in force.
func (f *faultInjector) current() FaultConfig { return f.settings.Load().faults }

// faultInjector decides, per request, whether to delay it or answer with an injected error.
type faultInjector struct {
	spec     *apiSpec
	initial  *faultSettings
	settings atomic.Pointer[faultSettings]

	mu      sync.Mutex
	rng     *rand.Rand
	rules   []failRule
	pending atomic.Int64 // requests still to fail, so the common path skips the mutex
}

func newFaultInjector(cfg Config, spec *apiSpec) (*faultInjector, error) {
	f := &faultInjector{spec: spec, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed))}
	fs, err := f.build(cfg.Faults, cfg.Latency, cfg.LatencyJitter, cfg.Slow)
	if err != nil {
		return nil, err
	}
	f.initial = fs
	f.settings.Store(fs)
	return f, nil
}

func (f *faultInjector) build(fc FaultConfig, latency, jitter time.Duration, slow map[string]time.Duration) (*faultSettings, error) {
	var sum float64
	for _, p := range fc.ErrorRates {
		sum += p
	}
	if sum > 1 {
		return nil, fmt.Errorf("error_rates: probabilities add up to %v, more than 1", sum)
	}
	for status, p := range fc.ErrorRates {
		if status < 400 || status > 599 {
			return nil, fmt.Errorf("error_rates: status %d is not an HTTP error status", status)
		}
		if p < 0 || p > 1 {
			return nil, fmt.Errorf("error_rates: probability %v for %d is outside [0, 1]", p, status)
		}
	}
	if fc.RetryAfter < 0 {
		return nil, fmt.Errorf("retry_after: must not be negative")
	}
	if latency < 0 || jitter < 0 {
		return nil, fmt.Errorf("latency: must not be negative")
	}
	fs := &faultSettings{faults: FaultConfig{ErrorRates: maps.Clone(fc.ErrorRates), RetryAfter: fc.RetryAfter,
		HTML503: fc.HTML503, IgnoredParams: slices.Clone(fc.IgnoredParams)}, latency: latency, jitter: jitter, slow: maps.Clone(slow),
		slowOps: map[string]time.Duration{}}
	for key, d := range slow {
		if d < 0 {
			return nil, fmt.Errorf("slow: delay for %q must not be negative", key)
		}
		matched := false
		for id := range f.spec.ops {
			if matchOperation(id, key) {
				fs.slowOps[id] = max(fs.slowOps[id], d)
				matched = true
			}
		}
		if !matched {
			return nil, fmt.Errorf("slow: %q matches no operation", key)
		}
	}
	for _, p := range fc.ErrorRates {
		fs.active = fs.active || p > 0
	}
	fs.active = fs.active || latency > 0 || jitter > 0 || len(fs.slowOps) > 0
	return fs, nil
}

// matchOperation reports whether key names operation id: exactly, or as a suffix at a word
// boundary, with or without the trailing _list/_retrieve/_create action.
func matchOperation(id, key string) bool {
	if key == "" {
		return true
	}
	if id == key || strings.HasSuffix(id, "_"+key) {
		return true
	}
	for _, action := range []string{"_list", "_retrieve", "_create"} {
		if base, ok := strings.CutSuffix(id, action); ok && (base == key || strings.HasSuffix(base, "_"+key)) {
			return true
		}
	}
	return false
}

// set replaces the error-rate part of the configuration, keeping delays.
func (f *faultInjector) set(fc FaultConfig) error {
	cur := f.settings.Load()
	fs, err := f.build(fc, cur.latency, cur.jitter, cur.slow)
	if err != nil {
		return err
	}
	f.settings.Store(fs)
	return nil
}

func (f *faultInjector) setDelays(latency, jitter time.Duration, slow map[string]time.Duration) error {
	cur := f.settings.Load()
	fs, err := f.build(cur.faults, latency, jitter, slow)
	if err != nil {
		return err
	}
	f.settings.Store(fs)
	return nil
}

func (f *faultInjector) failNext(op string, status, n int) error {
	if status < 400 || status > 599 {
		return fmt.Errorf("fail_next: status %d is not an HTTP error status", status)
	}
	if op != "" {
		matched := false
		for id := range f.spec.ops {
			matched = matched || matchOperation(id, op)
		}
		if !matched {
			return fmt.Errorf("fail_next: %q matches no operation", op)
		}
	}
	if n <= 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, failRule{op: op, status: status, left: n})
	f.pending.Add(int64(n))
	return nil
}

func (f *faultInjector) reset() {
	f.settings.Store(f.initial)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
	f.pending.Store(0)
}

// delay applies latency and jitter, returning errCancelled if the client gives up first.
func (f *faultInjector) delay(ctx context.Context, st *reqState) error {
	fs := f.settings.Load()
	if !fs.active || (fs.latency == 0 && fs.jitter == 0) {
		return nil
	}
	d := fs.latency
	if fs.jitter > 0 {
		f.mu.Lock()
		d += time.Duration(f.rng.Int64N(int64(fs.jitter)))
		f.mu.Unlock()
	}
	st.fault = "latency"
	return sleep(ctx, d)
}

// slowDown applies the operation's configured slowness.
func (f *faultInjector) slowDown(ctx context.Context, st *reqState, op *opSpec) error {
	fs := f.settings.Load()
	d := fs.slowOps[op.ID]
	if d == 0 {
		return nil
	}
	st.fault = "slow"
	return sleep(ctx, d)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return errCancelled
	}
}

// inject returns an injected error response for this request, if one is due: deterministic
// fail-next rules first, then the random error rates.
func (f *faultInjector) inject(op *opSpec) *apiError {
	fs := f.settings.Load()
	if f.pending.Load() > 0 {
		f.mu.Lock()
		for i := range f.rules {
			r := &f.rules[i]
			if r.left > 0 && matchOperation(op.ID, r.op) {
				r.left--
				status := r.status
				f.pending.Add(-1)
				f.rules = slices.DeleteFunc(f.rules, func(r failRule) bool { return r.left == 0 })
				f.mu.Unlock()
				return faultResponse(status, fs.faults, "fail_next")
			}
		}
		f.mu.Unlock()
	}
	if !fs.active || len(fs.faults.ErrorRates) == 0 {
		return nil
	}
	f.mu.Lock()
	u := f.rng.Float64()
	f.mu.Unlock()
	// Statuses in a fixed order so a seed gives the same sequence of faults.
	statuses := slices.Sorted(maps.Keys(fs.faults.ErrorRates))
	for _, status := range statuses {
		p := fs.faults.ErrorRates[status]
		if u < p {
			return faultResponse(status, fs.faults, "error_rate")
		}
		u -= p
	}
	return nil
}

// nginx503 is the page the production proxy serves when the backend is unavailable.
const nginx503 = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n" +
	"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

func faultResponse(status int, fc FaultConfig, kind string) *apiError {
	var e *apiError
	switch status {
	case http.StatusTooManyRequests:
		wait := fc.RetryAfter
		if wait <= 0 {
			wait = 1
		}
		unit := "seconds"
		if wait == 1 {
			unit = "second"
		}
		e = &apiError{status: status, body: map[string]any{
			"detail":      fmt.Sprintf("Request was throttled. Expected available in %d %s.", wait, unit),
			"retry_after": wait,
		}, header: map[string]string{"Retry-After": strconv.Itoa(wait)}}
	case http.StatusServiceUnavailable:
		if fc.HTML503 {
			e = &apiError{status: status, html: nginx503}
		} else {
			e = detail(status, msgUnavailable)
		}
	case http.StatusInternalServerError:
		e = detail(status, msgServerError)
	case http.StatusBadGateway:
		e = detail(status, msgBadGateway)
	default:
		e = detail(status, http.StatusText(status))
	}
	e.fault = kind
	return e
}
