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

// Profile is a CPU or allocation profile reduced to what the breakdowns need: each sample's
// value (CPU nanoseconds, or bytes allocated) and the functions on its stack (inlined ones
// included).
type Profile struct {
	Samples []Sample
}

// Sample is one stack and the value sampled in it.
type Sample struct {
	Value  int64
	Frames []string
}

// Indexes of a sample's values in the profiles the harness reads.
const (
	ValueCPU        = 1 // CPU profile: samples/count cpu/nanoseconds
	ValueAllocSpace = 1 // allocs or heap profile: alloc_objects alloc_space inuse_objects inuse_space
	ValueInuseSpace = 3
)

// ReadProfile reads a profile through `go tool pprof -raw`, keeping the value at index
// value of each sample (ValueCPU, ValueAllocSpace, ValueInuseSpace).
func ReadProfile(ctx context.Context, dir, path string, value int) (*Profile, error) {
	raw, err := Pprof(ctx, dir, "-raw", path)
	if err != nil {
		return nil, err
	}
	return parseRaw(raw, value)
}

var (
	// `values: location ids`: two values in a CPU profile, four in an allocs or heap
	// profile; a delta profile's in-use values may be negative.
	rawSample   = regexp.MustCompile(`^\s*((?:-?\d+\s+)*-?\d+):((?:\s+\d+)*)\s*$`)
	rawLocation = regexp.MustCompile(`^\s*(\d+):\s+0x[0-9a-f]+\s+M=\d+\s+(.+?)\s+\S+:\d+\s+s=\d+`)
	rawInlined  = regexp.MustCompile(`^\s+(\S.*?)\s+\S+:\d+\s+s=\d+`)
)

// parseRaw reads pprof's -raw text: "Samples:" lines of `values: location ids`, then
// "Locations" with each id's function and the functions inlined into it. It keeps the value
// at index value.
func parseRaw(raw string, value int) (*Profile, error) {
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
			values := strings.Fields(m[1])
			if value >= len(values) {
				return nil, fmt.Errorf("profile samples have %d values, not %d", len(values), value+1)
			}
			v, _ := strconv.ParseInt(values[value], 10, 64)
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
	p := &Profile{}
	for _, s := range samples {
		ps := Sample{Value: s.value}
		for _, id := range s.ids {
			ps.Frames = append(ps.Frames, locs[id]...)
		}
		p.Samples = append(p.Samples, ps)
	}
	return p, nil
}

// Total is the sum of the profile's values.
func (p *Profile) Total() int64 {
	var t int64
	for _, s := range p.Samples {
		t += s.Value
	}
	return t
}

// Inclusive is the sum of the values of samples with a frame matching re, one matching
// within if it is not nil, and none matching except if it is not nil: what re's functions
// cost outside except's (and, with within, when called by within's).
func (p *Profile) Inclusive(re, except, within *regexp.Regexp) int64 {
	var t int64
	for _, s := range p.Samples {
		if matchAny(re, s.Frames) && (except == nil || !matchAny(except, s.Frames)) && (within == nil || matchAny(within, s.Frames)) {
			t += s.Value
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
	// exist there); samples also matching Except are left out (the layer's callees), and
	// with Within set, only samples also matching it count (the layer's callers).
	Bridge, Floor, Except, Within string
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
	// The go-sdk decodes every JSON-RPC message, and parts of it again, with its
	// internal/json.Unmarshal: a segmentio Decoder over a bytes.Reader, whose readValue
	// allocates a fresh 32 KiB buffer each time.
	frameSDKJSON     = `go-sdk/internal/json\.Unmarshal$`
	frameDecoderRead = `segmentio/encoding/json\.\(\*Decoder\)\.readValue$`
)

// Layers is the breakdown of a tool call's server CPU, from the outside in.
var Layers = []Layer{
	{Name: "whole process", Bridge: `.`, Floor: `.`},
	{Name: "garbage collection (background workers and assists)", Depth: 1, Bridge: frameGC, Floor: frameGC},
	{Name: "HTTP request handling (net/http conn.serve, all below)", Depth: 1, Bridge: frameConnServe, Floor: frameConnServe},
	{Name: "Echo router and middleware, outside the handlers", Depth: 2, Bridge: `labstack/echo/v4\.\(\*Echo\)\.ServeHTTP$`, Except: frameHandlers},
	{Name: "of which the token check (authenticate → callerFor)", Depth: 3, Bridge: `\(\*Server\)\.callerFor$`},
	{Name: "of which the access log", Depth: 3, Bridge: `\(\*Server\)\.logRequest$`},
	{Name: "handleMCP, outside the SDK handler", Depth: 2, Bridge: `\(\*Server\)\.handleMCP$`, Except: frameSDKHTTP},
	{Name: "handleMessages (SSE POST), outside the SDK", Depth: 2, Bridge: `\(\*Server\)\.handleMessages$`, Except: frameSDKHTTP},
	{Name: "of which readBody, in either handler (reads each POST body whole)", Depth: 3, Bridge: `\(\*Server\)\.readBody$`},
	{Name: "SDK HTTP transport (Streamable HTTP or SSE POST)", Depth: 2, Bridge: frameSDKHTTP, Floor: frameSDKHTTP},
	{Name: "MCP request handling (ServerSession.handle, all below)", Depth: 1, Bridge: frameSession, Floor: frameSession},
	{Name: "toolMiddleware, outside the call (call id, metrics, call log)", Depth: 2, Bridge: `\(\*Server\)\.toolMiddleware`, Except: frameCallTool},
	{Name: "SDK tools/call: argument decoding and validation", Depth: 2, Bridge: frameCallTool, Floor: frameCallTool, Except: frameToolHandlers},
	{Name: "the tool's handler", Depth: 2, Bridge: frameToolHandlers, Floor: frameToolHandlers},
	{Name: "backend request (client side)", Depth: 3, Bridge: `net/http\.\(\*Client\)\.Do$`, Floor: `net/http\.\(\*Client\)\.Do$`},
	{Name: "decoding the backend JSON (jana.Decode)", Depth: 3, Bridge: `jana\.Decode\[`},
	{Name: "rendering text + structured content", Depth: 3, Bridge: `toolkit\.\(\*Page\)\.render$`},
	{Name: "encoding and writing the JSON-RPC response", Depth: 1, Bridge: frameWrite, Floor: frameWrite},
	{Name: "backend connection I/O (persistConn loops)", Depth: 1, Bridge: frameBackendIO, Floor: frameBackendIO},
	{Name: "across all: go-sdk JSON decoding (internal/json.Unmarshal)", Depth: 1, Bridge: frameSDKJSON, Floor: frameSDKJSON},
	{Name: "across all: syscalls (read, write, epoll)", Depth: 1, Bridge: frameSyscall, Floor: frameSyscall},
	{Name: "across all: memory allocation (mallocgc)", Depth: 1, Bridge: `^runtime\.mallocgc$`, Floor: `^runtime\.mallocgc$`},
}

// AllocLayers is the breakdown of what a tool call allocates (bytes, allocs profile).
var AllocLayers = []Layer{
	{Name: "whole process", Bridge: `.`, Floor: `.`},
	{Name: "go-sdk JSON decoding (internal/json.Unmarshal, every message and parts of it again)", Depth: 1, Bridge: frameSDKJSON, Floor: frameSDKJSON},
	{Name: "of which the decoders' read buffers (segmentio Decoder.readValue, 32 KiB each)", Depth: 2, Bridge: frameDecoderRead, Floor: frameDecoderRead, Within: frameSDKJSON},
	{Name: "HTTP request handling (net/http conn.serve)", Depth: 1, Bridge: frameConnServe, Floor: frameConnServe},
	{Name: "MCP request handling (ServerSession.handle)", Depth: 1, Bridge: frameSession, Floor: frameSession},
	{Name: "the tool's handler", Depth: 2, Bridge: frameToolHandlers, Floor: frameToolHandlers},
	{Name: "encoding and writing the JSON-RPC response", Depth: 1, Bridge: frameWrite, Floor: frameWrite},
}

// BreakdownRow is one layer's cost per call (CPU µs, or KiB allocated) for the bridge and
// the floor (-1 when the layer does not exist in that server).
type BreakdownRow struct {
	Layer  Layer   `json:"layer"`
	Bridge float64 `json:"bridge"`
	Floor  float64 `json:"floor"`
}

// Breakdown computes layers for the two profiles, per call, in units of unit (1e3 turns CPU
// nanoseconds into µs, 1024 bytes into KiB).
func Breakdown(layers []Layer, unit float64, bridge *Profile, bridgeCalls int, floor *Profile, floorCalls int) []BreakdownRow {
	compile := func(expr string) *regexp.Regexp {
		if expr == "" {
			return nil
		}
		return regexp.MustCompile(expr)
	}
	perCall := func(p *Profile, calls int, l Layer, expr string) float64 {
		if expr == "" || p == nil || calls == 0 {
			return -1
		}
		v := p.Inclusive(regexp.MustCompile(expr), compile(l.Except), compile(l.Within))
		return round3(float64(v) / unit / float64(calls))
	}
	var rows []BreakdownRow
	for _, l := range layers {
		rows = append(rows, BreakdownRow{Layer: l,
			Bridge: perCall(bridge, bridgeCalls, l, l.Bridge), Floor: perCall(floor, floorCalls, l, l.Floor)})
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
