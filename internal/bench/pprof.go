package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FetchProfile saves a profile from a pprof endpoint (…/debug/pprof/profile?seconds=N,
// …/heap) to path.
func FetchProfile(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return fmt.Errorf("%s: status %d: %s", url, resp.StatusCode, body)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Pprof runs `go tool pprof` with args in dir and returns its output.
func Pprof(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := execOutput(ctx, dir, "go", append([]string{"tool", "pprof"}, args...)...)
	if err != nil {
		return "", fmt.Errorf("%w\n%s", err, tail(out, 1000))
	}
	return out, nil
}

// CPUProfile is a CPU profile reduced to what the breakdown needs: each sample's CPU time and
// the functions on its stack (inlined ones included).
type CPUProfile struct {
	Samples []CPUSample
}

// CPUSample is one stack and the CPU time sampled in it.
type CPUSample struct {
	CPU    time.Duration
	Frames []string
}

// ReadCPUProfile reads a CPU profile through `go tool pprof -raw`.
func ReadCPUProfile(ctx context.Context, dir, path string) (*CPUProfile, error) {
	raw, err := Pprof(ctx, dir, "-raw", path)
	if err != nil {
		return nil, err
	}
	return parseRaw(raw)
}

var (
	rawSample   = regexp.MustCompile(`^\s*\d+\s+(\d+):((?:\s+\d+)*)\s*$`)
	rawLocation = regexp.MustCompile(`^\s*(\d+):\s+0x[0-9a-f]+\s+M=\d+\s+(.+?)\s+\S+:\d+\s+s=\d+`)
	rawInlined  = regexp.MustCompile(`^\s+(\S.*?)\s+\S+:\d+\s+s=\d+`)
)

// parseRaw reads pprof's -raw text: "Samples:" lines of `count value: location ids`, then
// "Locations" with each id's function and the functions inlined into it.
func parseRaw(raw string) (*CPUProfile, error) {
	type sample struct {
		value int64
		ids   []int
	}
	var samples []sample
	locs := map[int][]string{}
	section, cur := "", -1
	sc := bufio.NewScanner(strings.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Samples:"):
			section = "samples"
			continue
		case strings.HasPrefix(line, "Locations"):
			section = "locations"
			continue
		case strings.HasPrefix(line, "Mappings"):
			section = "mappings"
			continue
		}
		switch section {
		case "samples":
			m := rawSample.FindStringSubmatch(line)
			if m == nil {
				continue // the header, or a label line
			}
			v, _ := strconv.ParseInt(m[1], 10, 64)
			s := sample{value: v}
			for _, f := range strings.Fields(m[2]) {
				id, _ := strconv.Atoi(f)
				s.ids = append(s.ids, id)
			}
			samples = append(samples, s)
		case "locations":
			if m := rawLocation.FindStringSubmatch(line); m != nil {
				cur, _ = strconv.Atoi(m[1])
				locs[cur] = []string{m[2]}
			} else if m := rawInlined.FindStringSubmatch(line); m != nil && cur >= 0 {
				locs[cur] = append(locs[cur], m[1])
			}
		}
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("no samples in the profile")
	}
	p := &CPUProfile{}
	for _, s := range samples {
		cs := CPUSample{CPU: time.Duration(s.value)}
		for _, id := range s.ids {
			cs.Frames = append(cs.Frames, locs[id]...)
		}
		p.Samples = append(p.Samples, cs)
	}
	return p, nil
}

// Total is the profile's CPU time.
func (p *CPUProfile) Total() time.Duration {
	var t time.Duration
	for _, s := range p.Samples {
		t += s.CPU
	}
	return t
}

// Inclusive is the CPU time of samples with a frame matching re and, if except is not nil,
// none matching except: the time spent in re's functions outside except's.
func (p *CPUProfile) Inclusive(re, except *regexp.Regexp) time.Duration {
	var t time.Duration
	for _, s := range p.Samples {
		if matchAny(re, s.Frames) && (except == nil || !matchAny(except, s.Frames)) {
			t += s.CPU
		}
	}
	return t
}

func matchAny(re *regexp.Regexp, frames []string) bool {
	for _, f := range frames {
		if re.MatchString(f) {
			return true
		}
	}
	return false
}

// Layer is one row of a CPU breakdown: the frames whose time it counts.
type Layer struct {
	Name string
	// Depth indents the row under the one above it.
	Depth int
	// Bridge and Floor match the frames in each server's profile ("" when the layer does not
	// exist there); samples also matching Except are left out (the layer's callees).
	Bridge, Floor, Except string
}

// Frames the breakdown refers to.
const (
	frameConnServe    = `^net/http\.\(\*conn\)\.serve$`
	frameHandlers     = `\(\*Server\)\.(handleMCP|handleMessages|handleSSE)$`
	frameSDKHTTP      = `mcp\.\(\*StreamableHTTPHandler\)\.ServeHTTP$|mcp\.\(\*SSEServerTransport\)\.ServeHTTP$`
	frameSession      = `mcp\.\(\*ServerSession\)\.handle$`
	frameCallTool     = `mcp\.\(\*Server\)\.callTool$`
	frameToolHandlers = `toolkit\.New\[.*\]\.func1$|bench\.NewFloor\.func1$`
	frameGC           = `^runtime\.(gcBgMarkWorker|gcAssistAlloc|bgsweep|bgscavenge)$`
	frameWrite        = `jsonrpc2\.\(\*Connection\)\.write$`
	frameBackendIO    = `net/http\.\(\*persistConn\)\.(readLoop|writeLoop)$`
	frameSyscall      = `^syscall\.(Syscall|Syscall6|RawSyscall6)$|^internal/runtime/syscall`
)

// Layers is the breakdown of a tool call's server CPU, from the outside in.
var Layers = []Layer{
	{Name: "whole process", Bridge: `.`, Floor: `.`},
	{Name: "garbage collection (background workers and assists)", Depth: 1, Bridge: frameGC, Floor: frameGC},
	{Name: "HTTP request handling (net/http conn.serve, all below)", Depth: 1, Bridge: frameConnServe, Floor: frameConnServe},
	{Name: "Echo router and middleware, outside the handlers", Depth: 2, Bridge: `labstack/echo/v4\.\(\*Echo\)\.ServeHTTP$`, Except: frameHandlers},
	{Name: "of which the token check (authenticate → callerFor)", Depth: 3, Bridge: `\(\*Server\)\.callerFor$`},
	{Name: "of which the access log", Depth: 3, Bridge: `\(\*Server\)\.accessLog`, Except: `\(\*Server\)\.rateLimit`},
	{Name: "handleMCP, outside the SDK handler", Depth: 2, Bridge: `\(\*Server\)\.handleMCP$`, Except: `RequireBearerToken`},
	{Name: "of which toolCallIDs (parses every POST body)", Depth: 3, Bridge: `server\.toolCallIDs$`},
	{Name: "SDK RequireBearerToken wrapper, outside the SDK handler", Depth: 2, Bridge: `RequireBearerToken`, Except: frameSDKHTTP},
	{Name: "handleMessages (SSE POST), outside the SDK", Depth: 2, Bridge: `\(\*Server\)\.handleMessages$`, Except: frameSDKHTTP},
	{Name: "SDK HTTP transport (Streamable HTTP or SSE POST)", Depth: 2, Bridge: frameSDKHTTP, Floor: frameSDKHTTP},
	{Name: "MCP request handling (ServerSession.handle, all below)", Depth: 1, Bridge: frameSession, Floor: frameSession},
	{Name: "toolMiddleware, outside the call (call id, metrics, call log)", Depth: 2, Bridge: `\(\*Server\)\.toolMiddleware`, Except: frameCallTool},
	{Name: "SDK tools/call: argument decoding and validation", Depth: 2, Bridge: frameCallTool, Floor: frameCallTool, Except: frameToolHandlers},
	{Name: "the tool's handler", Depth: 2, Bridge: frameToolHandlers, Floor: frameToolHandlers},
	{Name: "backend request (client side)", Depth: 3, Bridge: `net/http\.\(\*Client\)\.Do$`, Floor: `net/http\.\(\*Client\)\.Do$`},
	{Name: "decoding the backend JSON into generated types", Depth: 3, Bridge: `janaapi\.Parse\w+Response$`},
	{Name: "rendering text + structured content", Depth: 3, Bridge: `toolkit\.\(\*Page\)\.render$`},
	{Name: "encoding and writing the JSON-RPC response", Depth: 1, Bridge: frameWrite, Floor: frameWrite},
	{Name: "backend connection I/O (persistConn loops)", Depth: 1, Bridge: frameBackendIO, Floor: frameBackendIO},
	{Name: "across all: syscalls (read, write, epoll)", Depth: 1, Bridge: frameSyscall, Floor: frameSyscall},
	{Name: "across all: memory allocation (mallocgc)", Depth: 1, Bridge: `^runtime\.mallocgc$`, Floor: `^runtime\.mallocgc$`},
}

// BreakdownRow is one layer's CPU per call, in µs, for the bridge and the floor (-1 when the
// layer does not exist in that server).
type BreakdownRow struct {
	Layer  Layer   `json:"layer"`
	Bridge float64 `json:"bridge_us"`
	Floor  float64 `json:"floor_us"`
}

// Breakdown computes Layers for the two profiles, per call.
func Breakdown(bridge *CPUProfile, bridgeCalls int, floor *CPUProfile, floorCalls int) []BreakdownRow {
	perCall := func(p *CPUProfile, calls int, expr, except string) float64 {
		if expr == "" || p == nil || calls == 0 {
			return -1
		}
		var ex *regexp.Regexp
		if except != "" {
			ex = regexp.MustCompile(except)
		}
		return round3(float64(p.Inclusive(regexp.MustCompile(expr), ex).Nanoseconds()) / 1e3 / float64(calls))
	}
	var rows []BreakdownRow
	for _, l := range Layers {
		rows = append(rows, BreakdownRow{Layer: l,
			Bridge: perCall(bridge, bridgeCalls, l.Bridge, l.Except), Floor: perCall(floor, floorCalls, l.Floor, l.Except)})
	}
	return rows
}

// GoroutineGroup is goroutines with one stack: how many, the function that started them and
// where they wait.
type GoroutineGroup struct {
	Count   int    `json:"count"`
	Started string `json:"started"`
	Waiting string `json:"waiting"`
}

// FetchGoroutines reads /debug/pprof/goroutine?debug=1 and returns its groups, largest first.
func FetchGoroutines(ctx context.Context, base string) ([]GoroutineGroup, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/goroutine?debug=1", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return parseGoroutines(string(body)), nil
}

// parseGoroutines reads the debug=1 text: a "N @ addresses" line per group, then "#\taddr\tfunc+off\tfile:line"
// frames from the innermost out.
func parseGoroutines(text string) []GoroutineGroup {
	var groups []GoroutineGroup
	var cur *GoroutineGroup
	for _, line := range strings.Split(text, "\n") {
		if n, _, ok := strings.Cut(line, " @ "); ok {
			if c, err := strconv.Atoi(n); err == nil {
				groups = append(groups, GoroutineGroup{Count: c})
				cur = &groups[len(groups)-1]
				continue
			}
		}
		if cur == nil || !strings.HasPrefix(line, "#\t") {
			if strings.TrimSpace(line) == "" {
				cur = nil
			}
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			continue
		}
		fn := f[2]
		if i := strings.LastIndex(fn, "+0x"); i > 0 {
			fn = fn[:i]
		}
		cur.Started = fn
		if cur.Waiting == "" && !strings.HasPrefix(fn, "runtime.") && !strings.HasPrefix(fn, "internal/") &&
			!strings.HasPrefix(fn, "sync.") && !strings.HasPrefix(fn, "time.Sleep") {
			cur.Waiting = fn
		}
	}
	slices.SortStableFunc(groups, func(a, b GoroutineGroup) int { return b.Count - a.Count })
	return groups
}
