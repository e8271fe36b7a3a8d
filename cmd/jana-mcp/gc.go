package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultGCPercent is the collector's target when GOGC is not set. A tool call allocates
// (decoded answers, rendered results), and at Go's default of 100 a busy bridge spent about a
// third of its CPU collecting; at 400 throughput rose by half in the benchmarks
// (docs/benchmarks.md) for a heap of a few tens of MB more. GOMEMLIMIT bounds it.
const defaultGCPercent = 400

// tuneGC applies defaultGCPercent unless GOGC is set, and, unless GOMEMLIMIT is set, a soft
// memory limit of three quarters of the container's memory limit, so that collecting less
// often can never run the process out of memory.
func tuneGC(getenv func(string) string, logger *slog.Logger) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		if limit := containerMemoryLimit(); limit > 0 {
			debug.SetMemoryLimit(limit / 4 * 3)
			logger.Info("memory limit from the container", "gomemlimit_bytes", limit/4*3)
		}
	}
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
