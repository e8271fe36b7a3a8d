// Package gctune sets up Go's collector for jana-mcp, unless the environment does (GOGC,
// GOMEMLIMIT).
//
// Two regimes pull apart. Under load with few sessions the live heap is small and every MCP
// message leaves short-lived garbage (the go-sdk decodes each with a fresh 32 KiB buffer): Go's
// default GOGC=100 then spends about a quarter of the CPU collecting, and a higher target buys
// throughput for little memory. With thousands of idle sessions the live heap is large and the
// CPU idle: the same target would keep up to three times the live heap resident. So the
// target follows the heap (bytedance/gopkg's gctuner, after Uber's): GOGC 200 while the heap
// in use is well under a budget, falling to 50 as it reaches it. The budget is 70% of the
// container's memory limit (the library's advice), or HeapBudget without one; with a
// container limit a soft memory limit of three quarters of it is set too, so that collecting
// less often can never run the process out of memory.
package gctune

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/bytedance/gopkg/util/gctuner"
)

const (
	// MaxGCPercent is the target while the heap is small; MinGCPercent the floor it falls to.
	MaxGCPercent = 200
	MinGCPercent = 50
	// HeapBudget is the heap in use the target aims under when the container sets no memory
	// limit.
	HeapBudget = 256 << 20
)

// tuneOnce starts the tuner once per process. The collector is process-wide state, and so is
// gctuner's: its setters write what its finalizer goroutine reads without synchronisation, so a
// second Apply in one process (tests run the demo command several times) would race it.
var tuneOnce sync.Once

// Settings are what Apply chose.
type Settings struct {
	Tuned       bool   // the target follows the heap (GOGC was not set)
	Budget      uint64 // heap in use the target aims under, when tuned
	MemoryLimit int64  // the soft memory limit set from the container's, or 0
}

// Apply sets the collector up. Call it once, at start.
func Apply(getenv func(string) string, logger *slog.Logger) Settings {
	var st Settings
	limit := containerMemoryLimit()
	if getenv("GOGC") == "" {
		st.Tuned, st.Budget = true, budget(limit)
		tuneOnce.Do(func() {
			debug.SetGCPercent(MaxGCPercent)
			gctuner.SetMaxGCPercent(MaxGCPercent)
			gctuner.SetMinGCPercent(MinGCPercent)
			gctuner.Tuning(st.Budget)
		})
	}
	if getenv("GOMEMLIMIT") == "" && limit > 0 {
		st.MemoryLimit = limit / 4 * 3
		debug.SetMemoryLimit(st.MemoryLimit)
	}
	logger.Info("collector", "gogc_follows_heap", st.Tuned, "heap_budget_bytes", st.Budget,
		"gomemlimit_bytes", st.MemoryLimit)
	return st
}

// budget is the heap budget for a container memory limit (0: none).
func budget(limit int64) uint64 {
	if limit <= 0 {
		return HeapBudget
	}
	return uint64(limit) / 10 * 7
}

// containerMemoryLimit reads the cgroup memory limit (v2, then v1), or 0 when there is none.
func containerMemoryLimit() int64 {
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		if err != nil || n <= 0 || n >= 1<<50 { // "max", or v1's "unlimited" sentinel
			return 0
		}
		return n
	}
	return 0
}
