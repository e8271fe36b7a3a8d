package gctune

import (
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// settle collects until the target is want, or gives up after many collections (the tuner
// adjusts it from a finalizer, after each collection).
func settle(t *testing.T, want int) {
	t.Helper()
	for range 200 {
		runtime.GC()
		runtime.Gosched()
		if gogc() == want {
			return
		}
	}
	t.Fatalf("GOGC = %d after 200 collections, want %d", gogc(), want)
}

// TestTargetFollowsTheHeap: with GOGC set nothing changes; without it the target is 200
// while the heap is small, falls to 50 once the heap in use passes the budget, and comes back
// when the heap is freed.
func TestTargetFollowsTheHeap(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	debug.SetGCPercent(100)
	if st := Apply(func(k string) string { return map[string]string{"GOGC": "100"}[k] }, logger); st.Tuned {
		t.Errorf("GOGC set: %+v, want the target left alone", st)
	}
	if got := gogc(); got != 100 {
		t.Errorf("GOGC set to 100: the target is %d", got)
	}

	st := Apply(func(string) string { return "" }, logger)
	if !st.Tuned || st.Budget == 0 {
		t.Fatalf("GOGC unset: %+v, want the target to follow the heap", st)
	}
	settle(t, MaxGCPercent)

	// A live heap past the budget: the target falls to its floor.
	live := make([][]byte, 0, st.Budget>>20+64)
	for range cap(live) {
		live = append(live, make([]byte, 1<<20))
	}
	settle(t, MinGCPercent)
	runtime.KeepAlive(live)
	live = nil
	settle(t, MaxGCPercent)
}

func TestBudget(t *testing.T) {
	if got := budget(0); got != HeapBudget {
		t.Errorf("no container limit: budget %d, want %d", got, HeapBudget)
	}
	if got := budget(2 << 30); got != (2<<30)/10*7 {
		t.Errorf("2 GiB container: budget %d, want 70%%", got)
	}
}
