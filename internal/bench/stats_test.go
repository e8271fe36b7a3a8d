package bench

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRunSummary(t *testing.T) {
	t.Parallel()
	var r Run
	for i := 100; i >= 1; i-- { // 1 ms … 100 ms, unsorted
		r.Durations = append(r.Durations, time.Duration(i)*time.Millisecond)
	}
	r.Errors, r.FirstErr, r.Window = 2, "boom", 2*time.Second
	got := r.Summary()
	want := Summary{Calls: 100, Errors: 2, Seconds: 2, PerSecond: 50, P50: 50, P95: 95, P99: 99, Max: 100, Mean: 50.5, FirstError: "boom"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got := (Run{}).Summary(); got.Calls != 0 || got.P50 != 0 {
		t.Errorf("empty run: %+v", got)
	}
}

func TestRunMerge(t *testing.T) {
	t.Parallel()
	a := Run{Durations: []time.Duration{time.Millisecond}, Window: time.Second}
	a.Merge(Run{Durations: []time.Duration{3 * time.Millisecond, 2 * time.Millisecond}, Errors: 1, FirstErr: "x", Window: time.Second})
	got := a.Summary()
	if got.Calls != 3 || got.Errors != 1 || got.FirstError != "x" || got.Seconds != 2 || got.PerSecond != 1.5 || got.P50 != 2 {
		t.Errorf("merged: %+v", got)
	}
}

func TestDrive(t *testing.T) {
	t.Parallel()
	errOdd := errors.New("odd")
	run := Drive(context.Background(), 3, 20*time.Millisecond, 80*time.Millisecond, func(_ context.Context, w int) error {
		time.Sleep(time.Millisecond)
		if w == 1 {
			return errOdd
		}
		return nil
	})
	s := run.Summary()
	if s.Calls < 30 || s.Errors == 0 || s.Errors >= s.Calls || s.P50 < 1 || s.Seconds != 0.08 {
		t.Errorf("drive: %+v", s)
	}
}

func TestMixPick(t *testing.T) {
	t.Parallel()
	m := Mix{{Tool: "a", Weight: 3}, {Tool: "b", Weight: 1}}
	counts := map[string]int{}
	r := newRand(7)
	for range 4000 {
		counts[m.pick(r).Tool]++
	}
	if counts["a"] < 2700 || counts["a"] > 3300 || counts["a"]+counts["b"] != 4000 {
		t.Errorf("weights 3:1 drew %v", counts)
	}
	if _, err := SingleCall("t", "{nope"); err == nil {
		t.Error("invalid JSON arguments accepted")
	}
}
