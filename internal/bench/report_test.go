package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMetricLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line  string
		name  string
		value float64
		ok    bool
	}{
		{"go_goroutines 42", "go_goroutines", 42, true},
		{`jana_mcp_sessions_active{transport="sse"} 5`, "jana_mcp_sessions_active", 5, true},
		{"process_resident_memory_bytes 2.5e+07", "process_resident_memory_bytes", 2.5e7, true},
		{"garbage", "", 0, false},
	} {
		name, value, ok := metricLine(tc.line)
		if name != tc.name || value != tc.value || ok != tc.ok {
			t.Errorf("%q: got %q %v %v", tc.line, name, value, ok)
		}
	}
}

func TestParseGoBench(t *testing.T) {
	t.Parallel()
	out := "goos: linux\nBenchmarkToolsList-2   \t    1293\t   1917321 ns/op\t   1836330 p50-ns\t 14.00 tools\t 1264357 B/op\t    4260 allocs/op\nPASS\n"
	got := ParseGoBench(out)
	want := []GoBench{{Name: "BenchmarkToolsList-2", N: 1293, Metrics: map[string]float64{
		"ns/op": 1917321, "p50-ns": 1836330, "tools": 14, "B/op": 1264357, "allocs/op": 4260}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReportKeepsAnalysis(t *testing.T) {
	t.Parallel()
	r := &SuiteResult{Started: time.Unix(0, 0).UTC(), Plan: StandardPlan(),
		Comparisons: []Comparison{{Transport: Streamable, Sessions: 32,
			Floor: Summary{P50: 1, PerSecond: 1000}, Ours: Summary{P50: 1.1, PerSecond: 950}}},
		PeerSkipped: "no node"}
	first := Report(r, "")
	if !strings.Contains(first, "| Overhead streamable ×32: p50 ≤ 1.15 × floor | ours 1.100 ms, floor 1.000 ms | 1.10× | PASS |") {
		t.Errorf("overhead verdict missing:\n%s", first)
	}
	if !strings.Contains(first, "| Throughput streamable ×32: ≥ 0.9 × floor calls/s, zero errors | ours 950/s (0 errors), floor 1000/s | 0.95× | PASS |") {
		t.Errorf("throughput verdict missing:\n%s", first)
	}
	edited := strings.Replace(first, AnalysisBegin+"\n", AnalysisBegin+"\nMy findings.\n", 1)
	second := Report(r, KeptAnalysis(edited))
	if !strings.Contains(second, AnalysisBegin+"\nMy findings.\n") || strings.Count(second, AnalysisEnd) != 1 {
		t.Errorf("analysis not kept:\n%s", second[strings.Index(second, "## Analysis"):])
	}
}
