package toolgen_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/spec"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/toolgen"
)

// generate runs the generator on a manifest text against the real schema and client.
func generate(t *testing.T, manifest string) error {
	t.Helper()
	root := testenv.RepoRoot(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "tools.yaml")
	if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return toolgen.Generate(toolgen.Inputs{
		Manifest: path,
		Schema:   filepath.Join(root, "api/openapi.yaml"),
		Client:   filepath.Join(root, "gen/janaapi"),
	}, dir)
}

const entry = `
  - name: %s
    operation: %s
    title: A title
    description: A description long enough.
    source: openaq
%s`

// stationParam exposes get_station's path parameter, as the manifest does.
const stationParam = "    params:\n      id: {as: station_id, minimum: 1}\n"

func TestManifestErrorsNameTheEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, op, extra string
		want            []string
	}{
		{"ghost", "v1_no_such_list", "", []string{`tool "ghost"`, "v1_no_such_list", "not in the schema"}},
		{"deprecated_param", "v1_data_sources_climatetrace_emissions_totals_retrieve", "    params:\n      country_code: {}\n",
			[]string{`tool "deprecated_param"`, `parameter "country_code" is deprecated`, "country_iso3"}},
		{"bad_param", "v1_data_sources_edgar_country_totals_list", "    params:\n      country_alpha3: {}\n",
			[]string{`tool "bad_param"`, `parameter "country_alpha3" is not a parameter`, "country_iso3"}},
		{"login", "auth_login_create", "", []string{`tool "login"`, "only GET"}},
		{"bad_field", "v1_data_sources_openaq_parameters_list", "    result:\n      rows: results\n      fields: [name, colour]\n",
			[]string{`tool "bad_field"`, `"colour" is not a field of OpenAQParameter`, "units"}},
		{"bad_rows", "v1_esg_health_retrieve", "    result:\n      rows: status\n", []string{`tool "bad_rows"`, `rows "status"`}},
		{"no_paging", "v1_esg_health_retrieve", "    paging: true\n", []string{`tool "no_paging"`, "no page, offset or cursor"}},
		{"hidden_path", "v1_data_sources_openaq_locations_retrieve", "", []string{`tool "hidden_path"`, `path parameter "id" must be exposed`}},
		{"ex_unknown", "v1_data_sources_openaq_locations_retrieve", stationParam + "    examples:\n      - args: {station: 1}\n        keys: [name]\n",
			[]string{`tool "ex_unknown"`, "example 1", `"station" is not an argument of the tool`, "station_id"}},
		{"ex_type", "v1_data_sources_openaq_locations_retrieve", stationParam + "    examples:\n      - args: {station_id: 1}\n        keys: [name]\n      - args: {station_id: one}\n        keys: [name]\n",
			[]string{`tool "ex_type"`, "example 2", `{"station_id":"one"} do not fit the input schema`}},
		{"ex_required", "v1_data_sources_openaq_locations_retrieve", stationParam + "    examples:\n      - args: {}\n        keys: [name]\n",
			[]string{`tool "ex_required"`, "example 1", "do not fit the input schema", "station_id"}},
		{"ex_enum", "v1_data_sources_edgar_country_totals_list", "    params:\n      gas: {enum: [CO2, CH4]}\n    examples:\n      - args: {gas: N2O}\n        keys: [items]\n",
			[]string{`tool "ex_enum"`, "example 1", `{"gas":"N2O"} do not fit the input schema`}},
		{"ex_range", "v1_data_sources_openaq_locations_retrieve", stationParam + "    examples:\n      - args: {station_id: 0}\n        keys: [name]\n",
			[]string{`tool "ex_range"`, "example 1", "do not fit the input schema"}},
		{"ex_shows_nothing", "v1_esg_health_retrieve", "    examples:\n      - args: {}\n",
			[]string{`tool "ex_shows_nothing"`, "example 1", "say what the answer must show"}},
		{"Bad-Name", "v1_esg_health_retrieve", "", []string{"snake_case"}},
		{strings.Repeat("x", 41), "v1_esg_health_retrieve", "", []string{"at most 40"}},
	}
	for _, tc := range tests {
		t.Run(tc.name[:min(len(tc.name), 12)], func(t *testing.T) {
			t.Parallel()
			err := generate(t, "tools:"+fmt.Sprintf(entry, tc.name, tc.op, tc.extra))
			if err == nil {
				t.Fatal("generation succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	t.Run("examples of no curated tool", func(t *testing.T) {
		t.Parallel()
		m := "tools:" + fmt.Sprintf(entry, "health", "v1_esg_health_retrieve", "") + "examples:\n  ghost:\n    - args: {}\n      text: [x]\n"
		if err := generate(t, m); err == nil || !strings.Contains(err.Error(), `examples: "ghost" is not a curated tool`) {
			t.Errorf("examples of an unknown tool: %v", err)
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		t.Parallel()
		e := fmt.Sprintf(entry, "twice", "v1_esg_health_retrieve", "")
		if err := generate(t, "tools:"+e+e); err == nil || !strings.Contains(err.Error(), "already used") {
			t.Errorf("duplicate name: %v", err)
		}
	})
	t.Run("curated name clash", func(t *testing.T) {
		t.Parallel()
		m := "tools:" + fmt.Sprintf(entry, "get_trends", "v1_esg_health_retrieve", "") + "curated:\n  get_trends: [v1_esg_trends_retrieve]\n"
		if err := generate(t, m); err == nil || !strings.Contains(err.Error(), "curated") {
			t.Errorf("clash with a curated tool: %v", err)
		}
	})
}

// newEntry is a tool for an operation no tool exposes yet, with its example.
const newEntry = `
  - name: latest_station_readings
    operation: v1_data_sources_openaq_locations_latest_measurements_retrieve
    title: Latest readings of a station (OpenAQ)
    description: The most recent measurement of each pollutant at one OpenAQ station, via Jana.
    source: openaq
    params:
      id:
        as: station_id
        description: OpenAQ location id.
    result:
      summary: [location_id, location_name]
      rows: measurements
      fields: [parameter_name, value, unit, measured_at]
      key: readings
    examples:
      - args: {station_id: 1}
        text: [OpenAQ, parameter_name]
        keys: [readings, location_id]
`

// TestNewEntryJoinsTheCallTable: the repository's manifest plus one entry with an example
// generates a call table holding every call it held before and the new one, so the end-to-end
// tests call the new tool with no list to edit.
func TestNewEntryJoinsTheCallTable(t *testing.T) {
	t.Parallel()
	root := testenv.RepoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "api/tools.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := toolgen.ParseManifest([]byte(strings.Replace(string(data), "\ncurated:", newEntry+"\ncurated:", 1)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.PrepareFiles(filepath.Join(root, "api/openapi.yaml"), filepath.Join(root, "api/overlay.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls.gen.json")
	if err := toolgen.GenerateTools(m, "tools.yaml", p, filepath.Join(root, "gen/janaapi"), toolgen.Outputs{Tools: dir, Calls: calls}); err != nil {
		t.Fatal(err)
	}
	got, err := toolgen.ReadCalls(calls)
	if err != nil {
		t.Fatal(err)
	}
	before := testenv.Calls(t)
	want := append(slices.Clone(before), toolgen.Call{Tool: "latest_station_readings", Arguments: map[string]any{"station_id": 1.0},
		Expect: toolgen.Expect{TextIncludes: []string{"OpenAQ", "parameter_name"}, StructuredKeys: []string{"readings", "location_id"}}})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("call table (-want +got):\n%s", diff)
	}
}

// TestAddingAManifestEntryYieldsAWorkingTool is the manifest's promise, end to end: in a copy
// of the repository, add one entry for an operation no tool exposes yet, run `go generate`,
// build the server and call the new tool over /sse and /mcp, as its example says — with no
// hand-written Go; then the copy's own gates (every served tool has an example that fits its
// schema, and every example call answers as it says over every transport) pass unedited.
func TestAddingAManifestEntryYieldsAWorkingTool(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server from a copy of the repository")
	}
	t.Parallel()
	repo := testenv.CopyRepo(t)
	manifest := filepath.Join(repo, "api/tools.yaml")
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "\ncurated:", newEntry+"\ncurated:", 1)
	if err := os.WriteFile(manifest, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := testenv.Run(t, repo, 5*time.Minute, "go", "generate", "./..."); err != nil {
		t.Fatalf("go generate: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(repo, "gen/mcptools/latest_station_readings.gen.go")); err != nil {
		t.Fatalf("no binding generated: %v", err)
	}
	calls, err := toolgen.ReadCalls(filepath.Join(repo, "gen/calls.gen.json"))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(calls, func(c toolgen.Call) bool { return c.Tool == "latest_station_readings" })
	if i < 0 {
		t.Fatal("the new tool's example is not in the copy's call table")
	}
	example := calls[i]
	bin := filepath.Join(t.TempDir(), "jana-mcp")
	if out, err := testenv.Run(t, repo, 5*time.Minute, "go", "build", "-o", bin, "./cmd/jana-mcp"); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	sb := testenv.StartSandbox(t, sandbox.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	port := addr[strings.LastIndex(addr, ":")+1:]
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "JANA_BACKEND_URL="+sb.URL, "MCP_SERVER_HOST=127.0.0.1", "MCP_SERVER_PORT="+port, "LOG_LEVEL=warn")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	base := "http://" + addr

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tr := range []struct{ transport, auth string }{{testenv.SSE, "query"}, {testenv.Streamable, "header"}} {
		var cs *mcp.ClientSession
		for deadline := time.Now().Add(20 * time.Second); ; {
			if cs, err = testenv.Connect(ctx, t, base, tr.transport, sb.Token, tr.auth); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("connect %s: %v", tr.transport, err)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: example.Tool, Arguments: example.Arguments})
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %s", tr.transport, err, testenv.Text(res))
		}
		var m struct {
			LocationID int              `json:"location_id"`
			Readings   []map[string]any `json:"readings"`
		}
		data, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(data, &m); err != nil || m.LocationID != 1 || len(m.Readings) == 0 || m.Readings[0]["unit"] == "" {
			t.Errorf("%s: unexpected result %s", tr.transport, data)
		}
		var structured map[string]any
		_ = json.Unmarshal(data, &structured)
		for _, problem := range example.Expect.Check(res.IsError, testenv.Text(res), structured) {
			t.Errorf("%s: %s", tr.transport, problem)
		}
		cs.Close()
	}
	if out, err := testenv.Run(t, repo, 10*time.Minute, "go", "test", "-count=1",
		"-run", "^(TestEveryToolOverEveryTransport|TestEveryToolHasAnExample|TestExamplesFitInputSchemas)$",
		"./internal/server", "./internal/tools"); err != nil {
		t.Errorf("the copy's example gates: %v\n%s", err, out)
	}
}

// TestHiddenAndRenamedParameters: a fixed value is always sent and never shown; renamed,
// defaulted and constrained parameters reach the schema.
func TestHiddenAndRenamedParameters(t *testing.T) {
	t.Parallel()
	root := testenv.RepoRoot(t)
	dir := t.TempDir()
	manifest := filepath.Join(dir, "tools.yaml")
	if err := os.WriteFile(manifest, []byte("tools:"+fmt.Sprintf(entry, "ghg_totals", "v1_data_sources_edgar_country_totals_list", `    paging: true
    params:
      country_iso3: {as: countries, description: Alpha-3 codes.}
      gas: {value: GHG}
      sector: {value: TOTAL}
      year: {minimum: 2000, default: 2010}
    result:
      rows: results
      fields: [country_code, year, value]
`)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := toolgen.Generate(toolgen.Inputs{Manifest: manifest, Schema: filepath.Join(root, "api/openapi.yaml"), Client: filepath.Join(root, "gen/janaapi")}, dir); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "ghg_totals.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`params.Gas = new(janaapi.V1DataSourcesEdgarCountryTotalsListParamsGas("GHG"))`,
		`params.Sector = new("TOTAL")`,
		`Countries []string ` + "`json:\"countries,omitempty\"`",
		`p["year"].Minimum = new(2000.0)`,
		`p["year"].Default = json.RawMessage("2010")`,
		`json:"cursor,omitempty"`, `params.Page = &position`,
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("generated code lacks %s", want)
		}
	}
	for _, hidden := range []string{`json:"gas`, `json:"sector`} {
		if strings.Contains(string(src), hidden) {
			t.Errorf("hidden parameter exposed: %s", hidden)
		}
	}
}
