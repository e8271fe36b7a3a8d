package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultGCPercent is the collector's target when GOGC is not set. Every MCP message costs
// short-lived garbage (the go-sdk decodes each JSON message with a fresh 32 KiB buffer, six per
// tool call), and at Go's default of 100 a busy bridge spent about a quarter of its CPU
// collecting. 200 buys most of the throughput (docs/benchmarks.md) for a heap up to about
// three times the live data instead of two; GOMEMLIMIT bounds it in containers.
const defaultGCPercent = 200

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
