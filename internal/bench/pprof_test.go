package bench

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Two samples of each kind of profile as `go tool pprof -raw` prints them: a CPU profile
// (count, nanoseconds) and an allocs profile (four values, alloc_space second), with a label
// line and an inlined frame.
const (
	rawCPU = `PeriodType: cpu nanoseconds
Samples:
samples/count cpu/nanoseconds
          2   20000000: 1 2 3 
          1   10000000: 4 3 
Locations
     1: 0x1 M=1 github.com/segmentio/encoding/json.(*Decoder).readValue /x/json.go:421:0 s=392
     2: 0x2 M=1 github.com/modelcontextprotocol/go-sdk/internal/json.Unmarshal /x/json.go:44:0 s=41
     3: 0x3 M=1 net/http.(*conn).serve /x/server.go:2100:0 s=1900
     4: 0x4 M=1 runtime.mallocgc /x/malloc.go:1000:0 s=900
             github.com/segmentio/encoding/json.(*Decoder).readValue /x/json.go:421:0 s=392
Mappings
`
	rawAllocs = `PeriodType: space bytes
Samples:
alloc_objects/count alloc_space/bytes[dflt] inuse_objects/count inuse_space/bytes
          4     131072          0          0: 1 2 3 
                bytes:[32768]
          8       1024          1        128: 3 
       4101    4723778       -455    -524864: 2 3 
Locations
     1: 0x1 M=1 github.com/segmentio/encoding/json.(*Decoder).readValue /x/json.go:421:0 s=392
     2: 0x2 M=1 github.com/modelcontextprotocol/go-sdk/internal/json.Unmarshal /x/json.go:44:0 s=41
     3: 0x3 M=1 net/http.(*conn).serve /x/server.go:2100:0 s=1900
Mappings
`
)

func TestParseRaw(t *testing.T) {
	t.Parallel()
	cpu, err := parseRaw(rawCPU, ValueCPU)
	if err != nil {
		t.Fatal(err)
	}
	want := &Profile{Samples: []Sample{
		{Value: 20000000, Frames: []string{"github.com/segmentio/encoding/json.(*Decoder).readValue",
			"github.com/modelcontextprotocol/go-sdk/internal/json.Unmarshal", "net/http.(*conn).serve"}},
		{Value: 10000000, Frames: []string{"runtime.mallocgc", "github.com/segmentio/encoding/json.(*Decoder).readValue", "net/http.(*conn).serve"}},
	}}
	if diff := cmp.Diff(want, cpu); diff != "" {
		t.Errorf("CPU profile (-want +got):\n%s", diff)
	}
	allocs, err := parseRaw(rawAllocs, ValueAllocSpace)
	if err != nil {
		t.Fatal(err)
	}
	if len(allocs.Samples) != 3 || allocs.Total() != 131072+1024+4723778 {
		t.Errorf("allocs profile: %+v", allocs.Samples)
	}
	inuse, err := parseRaw(rawAllocs, ValueInuseSpace)
	if err != nil {
		t.Fatal(err)
	}
	if inuse.Total() != 128-524864 {
		t.Errorf("in use: %d", inuse.Total())
	}
	if _, err := parseRaw(rawCPU, ValueInuseSpace); err == nil {
		t.Error("a CPU profile has no in-use value, but no error")
	}
}

func TestBreakdownWithin(t *testing.T) {
	t.Parallel()
	cpu, err := parseRaw(rawCPU, ValueCPU)
	if err != nil {
		t.Fatal(err)
	}
	layers := []Layer{
		{Name: "all", Bridge: `.`},
		{Name: "decoder reads", Bridge: frameDecoderRead},
		{Name: "decoder reads within the SDK's Unmarshal", Bridge: frameDecoderRead, Within: frameSDKJSON},
		{Name: "HTTP outside the SDK's Unmarshal", Bridge: frameConnServe, Except: frameSDKJSON},
	}
	// Two calls: µs per call.
	got := Breakdown(layers, 1e3, cpu, 2, nil, 0)
	for i, want := range []float64{15000, 15000, 10000, 5000} {
		if got[i].Bridge != want || got[i].Floor != -1 {
			t.Errorf("%s: bridge %v floor %v, want bridge %v floor -1", layers[i].Name, got[i].Bridge, got[i].Floor, want)
		}
	}
}
