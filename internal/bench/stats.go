package bench

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Summary is one measurement: how many calls completed in the measured window, how fast,
// how long they took and how many failed. Latencies are in milliseconds.
type Summary struct {
	Calls      int     `json:"calls"`
	Errors     int     `json:"errors"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"calls_per_s"`
	P50        float64 `json:"p50_ms"`
	P95        float64 `json:"p95_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	Mean       float64 `json:"mean_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

// Run is the raw record of one measurement: every recorded call's duration and error
// count over a window. Runs of one configuration measured in several rounds merge into one.
type Run struct {
	Durations []time.Duration
	Errors    int
	FirstErr  string
	Window    time.Duration
}

// Merge adds other's calls and window to r.
func (r *Run) Merge(other Run) {
	r.Durations = append(r.Durations, other.Durations...)
	r.Errors += other.Errors
	r.Window += other.Window
	if r.FirstErr == "" {
		r.FirstErr = other.FirstErr
	}
}

// Summary computes the figures of r.
func (r Run) Summary() Summary {
	all := slices.Clone(r.Durations)
	slices.Sort(all)
	out := Summary{Calls: len(all), Errors: r.Errors, FirstError: r.FirstErr, Seconds: r.Window.Seconds()}
	if r.Window > 0 {
		out.PerSecond = round3(float64(len(all)) / r.Window.Seconds())
	}
	if len(all) == 0 {
		return out
	}
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	out.P50 = ms(quantile(all, 0.50))
	out.P95 = ms(quantile(all, 0.95))
	out.P99 = ms(quantile(all, 0.99))
	out.Max = ms(all[len(all)-1])
	out.Mean = ms(sum / time.Duration(len(all)))
	return out
}

// lane is one worker's record, so that recording takes no lock.
type lane struct {
	durations []time.Duration
	errors    int
	firstErr  string
}

func (l *lane) add(d time.Duration, err error) {
	l.durations = append(l.durations, d)
	if err != nil {
		l.errors++
		if l.firstErr == "" {
			l.firstErr = err.Error()
		}
	}
}

// quantile is the nearest-rank quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// Drive runs workers that each call fn back to back: for warmup, unrecorded, then for
// duration, recorded. A call counts if it starts inside the measured window; calls in flight
// when it closes finish and are recorded. fn gets the worker's index. A worker whose session
// closed (mcp.ErrConnectionClosed) stops, with one more error recorded so that a session
// lost during the warm-up still shows.
func Drive(ctx context.Context, workers int, warmup, duration time.Duration, fn func(ctx context.Context, worker int) error) Run {
	lanes := make([]lane, workers)
	start := time.Now()
	from, to := start.Add(warmup), start.Add(warmup+duration)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := &lanes[w]
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(to) {
					return
				}
				err := fn(ctx, w)
				if !t0.Before(from) {
					l.add(time.Since(t0), err)
				}
				if errors.Is(err, mcp.ErrConnectionClosed) {
					// The session is gone: calling again would only count the same failure.
					l.add(0, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	run := Run{Window: duration}
	for _, l := range lanes {
		run.Merge(Run{Durations: l.durations, Errors: l.errors, FirstErr: l.firstErr})
	}
	run.Window = duration
	return run
}
