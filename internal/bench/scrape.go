package bench

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Process figures of a server under test, from its /metrics.
type Process struct {
	RSS        float64 `json:"rss_bytes"`
	Goroutines float64 `json:"goroutines"`
	// Sessions is jana_mcp_sessions_active summed over transports (0 for servers without it).
	Sessions float64 `json:"sessions"`
	// HeapInuse and StackInuse split the Go runtime's share of RSS (go_memstats_*_inuse_bytes).
	HeapInuse  float64 `json:"heap_inuse_bytes"`
	StackInuse float64 `json:"stack_inuse_bytes"`
	// GOGC and MemoryLimit are the collector settings in effect (go_gc_gogc_percent,
	// go_gc_gomemlimit_bytes; the limit is math.MaxInt64 when there is none).
	GOGC        float64 `json:"gogc"`
	MemoryLimit float64 `json:"gomemlimit_bytes"`
}

// HasMemoryLimit says whether a GOMEMLIMIT is in effect.
func (p Process) HasMemoryLimit() bool { return p.MemoryLimit > 0 && p.MemoryLimit < math.MaxInt64 }

// RSSMB is the resident set size in MiB.
func (p Process) RSSMB() float64 { return round3(p.RSS / (1 << 20)) }

// Scrape reads a Prometheus text endpoint (url ends in /metrics) for
// process_resident_memory_bytes, go_goroutines, jana_mcp_sessions_active and the Go
// runtime's memory and collector figures.
func Scrape(ctx context.Context, url string) (Process, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Process{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Process{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Process{}, fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	var p Process
	found := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := metricLine(line)
		if !ok {
			continue
		}
		switch name {
		case "process_resident_memory_bytes":
			p.RSS = value
			found++
		case "go_goroutines":
			p.Goroutines = value
			found++
		case "jana_mcp_sessions_active":
			p.Sessions += value
		case "go_memstats_heap_inuse_bytes":
			p.HeapInuse = value
		case "go_memstats_stack_inuse_bytes":
			p.StackInuse = value
		case "go_gc_gogc_percent":
			p.GOGC = value
		case "go_gc_gomemlimit_bytes":
			p.MemoryLimit = value
		}
	}
	if err := sc.Err(); err != nil {
		return Process{}, err
	}
	if found < 2 {
		return Process{}, fmt.Errorf("%s has no process_resident_memory_bytes or go_goroutines", url)
	}
	return p, nil
}

// metricLine splits `name{labels} value` into the name and the value.
func metricLine(line string) (string, float64, bool) {
	i := strings.LastIndexByte(line, ' ')
	if i < 0 {
		return "", 0, false
	}
	v, err := strconv.ParseFloat(line[i+1:], 64)
	if err != nil {
		return "", 0, false
	}
	name := line[:i]
	if j := strings.IndexByte(name, '{'); j >= 0 {
		name = name[:j]
	}
	return name, v, true
}

// ProcRSS reads a process's resident set size from /proc (Linux), for servers without
// /metrics (the Node peer).
func ProcRSS(pid int) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS for process %d", pid)
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every Linux the harness
// runs on (it is fixed by the kernel ABI, whatever CONFIG_HZ is).
const clockTicks = 100

// ProcCPU returns the CPU time (user + system) a process has used so far, from /proc.
func ProcCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces and parentheses: fields start after the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	// f[0] is field 3 (state): utime and stime are fields 14 and 15.
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unreadable times in /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}
