package tools_test

import (
	"strings"
	"testing"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
)

// TestDataSummaryAndHealth: get_data_summary counts records for each of the three sources,
// and get_system_health gives Jana's status and the bridge's own view of Jana.
func TestDataSummaryAndHealth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	_, _, m := h.call(t, "get_data_summary", map[string]any{})
	srcs := rowsOf(m, "sources")
	if len(srcs) != 3 {
		t.Fatalf("want 3 sources, got %v", srcs)
	}
	for _, s := range srcs {
		if num(s["records"]) <= 0 {
			t.Errorf("source without records: %v", s)
		}
	}

	_, text, m := h.call(t, "get_system_health", map[string]any{})
	bridge, _ := m["bridge"].(map[string]any)
	if bridge["backend_reachable"] != true || m["system_status"] == nil {
		t.Errorf("health lacks Jana's status or the bridge's view: %v", m)
	}
	if !strings.Contains(text, "Jana is reachable") {
		t.Errorf("text lacks the bridge's view:\n%s", text)
	}
}
