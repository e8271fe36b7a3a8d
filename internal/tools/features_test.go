package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// Tests of the MCP features besides tools: output schemas, completions, resources, prompts,
// progress notifications and the deadlines descriptions promise. At 1fe6f64 no tool had an
// output schema, completions were advertised but always empty, and there were no resources,
// prompts or progress notifications.

// TestEveryToolHasAnOutputSchema: every tool declares an output schema that documents its
// structured content and never rejects what Jana sends: nothing required, no enum, no closed
// objects, no bare true schemas (which schema linters reject); null is allowed by a type list
// wherever Go can write one. The harness checks each result against it (harness.checkOutput).
func TestEveryToolHasAnOutputSchema(t *testing.T) {
	t.Parallel()
	for _, tool := range listed(t) {
		data, _ := json.Marshal(tool.OutputSchema)
		var s struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(data, &s); err != nil || s.Type != "object" || len(s.Properties) < 9 {
			t.Errorf("%s: output schema %s", tool.Name, data)
			continue
		}
		for _, bad := range []string{`:true`, `"required"`, `"additionalProperties":false`, `"enum"`} {
			if strings.Contains(string(data), bad) {
				t.Errorf("%s: the output schema has %s, which could reject Jana's data or a client's linter", tool.Name, bad)
			}
		}
	}
}

func complete(t *testing.T, h *harness, ref *mcp.CompleteReference, arg, value string) []string {
	t.Helper()
	res, err := h.cs.Complete(t.Context(), &mcp.CompleteParams{Ref: ref, Argument: mcp.CompleteParamsArgument{Name: arg, Value: value}})
	if err != nil {
		t.Fatalf("complete %s=%q: %v", arg, value, err)
	}
	return res.Completion.Values
}

// TestCompletions: country codes, pollutants, gases, months and station and facility ids
// complete from what exists.
func TestCompletions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	d := h.sb.Dataset()
	compare := &mcp.CompleteReference{Type: "ref/prompt", Name: tools.PromptCompareCountry}
	briefing := &mcp.CompleteReference{Type: "ref/prompt", Name: tools.PromptCityBriefing}
	if got := complete(t, h, compare, "country_a", "in"); len(got) == 0 || got[0] != "IND" || !slices.Contains(got, "IDN") {
		t.Errorf("country_a 'in': %v (want IND first, then India-like names such as Indonesia's IDN)", got)
	}
	if got := complete(t, h, compare, "country_b", "Ger"); !slices.Contains(got, "DEU") {
		t.Errorf("country_b 'Ger': %v", got)
	}
	if got := complete(t, h, briefing, "pollutant", "pm"); !slices.Equal(got, []string{"pm25", "pm10"}) {
		t.Errorf("pollutant 'pm': %v", got)
	}
	if got := complete(t, h, compare, "gas", "co"); !slices.Equal(got, []string{"co2", "co2e"}) {
		t.Errorf("gas 'co': %v", got)
	}
	if got := complete(t, h, briefing, "month", "2026"); len(got) == 0 || got[0] != "2026-09" {
		t.Errorf("month '2026': %v (the data end in September 2026)", got)
	}
	ids := complete(t, h, &mcp.CompleteReference{Type: "ref/resource", URI: tools.StationTemplate}, "id", "1")
	if len(ids) == 0 {
		t.Fatal("no station ids")
	}
	for _, id := range ids {
		n, _ := strconv.Atoi(id)
		if !strings.HasPrefix(id, "1") || n < 1 || n > len(d.Locations) {
			t.Errorf("station id %q is not a station starting with 1", id)
		}
	}
	if got := complete(t, h, &mcp.CompleteReference{Type: "ref/resource", URI: tools.FacilityTemplate}, "id", "42"); len(got) == 0 || got[0] != "42" {
		t.Errorf("facility ids '42': %v", got)
	}
	if got := complete(t, h, briefing, "city", "Del"); len(got) != 0 {
		t.Errorf("free-text city completed: %v", got)
	}
}

// TestResources: the guideline table, each source's notes, the catalogues and the station and
// facility templates are listed and read.
func TestResources(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	d := h.sb.Dataset()
	var uris []string
	for r, err := range h.cs.Resources(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		uris = append(uris, r.URI)
	}
	for _, want := range []string{tools.GuidelinesURI, tools.SectorsURI, tools.PollutantsURI, "jana://sources/openaq", "jana://sources/climatetrace",
		"jana://sources/edgar", "jana://sources/gcp", "jana://sources/gleif", "jana://sources/noaa"} {
		if !slices.Contains(uris, want) {
			t.Errorf("resource %s is not listed (have %v)", want, uris)
		}
	}
	var templates []string
	for r, err := range h.cs.ResourceTemplates(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		templates = append(templates, r.URITemplate)
	}
	if !slices.Contains(templates, tools.StationTemplate) || !slices.Contains(templates, tools.FacilityTemplate) {
		t.Errorf("templates %v", templates)
	}
	read := func(uri string) (string, error) {
		res, err := h.cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: uri})
		if err != nil {
			return "", err
		}
		return res.Contents[0].Text, nil
	}
	notes, err := read("jana://sources/openaq")
	if err != nil || !strings.Contains(notes, "2024-10-01 to 2026-09-30") || !strings.Contains(notes, "CC BY 4.0") || !strings.Contains(notes, "-999") {
		t.Errorf("OpenAQ's notes (%v):\n%s", err, notes)
	}
	station, err := read("jana://stations/3")
	if err != nil || !strings.Contains(station, `"name":"`+d.Locations[2].Name+`"`) || !strings.Contains(station, `"sensors"`) {
		t.Errorf("station 3 (%v): %.300s", err, station)
	}
	asset, err := read("jana://facilities/4")
	if err != nil || !strings.Contains(asset, d.Assets[3].Name) {
		t.Errorf("facility 4 (%v): %.300s", err, asset)
	}
	sectors, err := read(tools.SectorsURI)
	if err != nil || !strings.Contains(sectors, "electricity-generation") || !strings.Contains(sectors, "SWD_LDF") {
		t.Errorf("sectors (%v): %.300s", err, sectors)
	}
	pollutants, err := read(tools.PollutantsURI)
	if err != nil || !strings.Contains(pollutants, `"pm25"`) || !strings.Contains(pollutants, "ppm") {
		t.Errorf("pollutants (%v): %.300s", err, pollutants)
	}
	var rpc *jsonrpc.Error
	if _, err := read("jana://stations/999999"); !errors.As(err, &rpc) || rpc.Code != mcp.CodeResourceNotFound {
		t.Errorf("an unknown station: %v", err)
	}
	if _, err := read("jana://stations/abc"); !errors.As(err, &rpc) || !strings.Contains(rpc.Message, "positive whole number") {
		t.Errorf("a station id that is not a number: %v", err)
	}
}

// TestPrompts: the three prompts fill in requests that name the tools and arguments to use.
func TestPrompts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	var names []string
	for p, err := range h.cs.Prompts(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{tools.PromptCityBriefing, tools.PromptCompareCountry, tools.PromptNeighbourhood}) {
		t.Errorf("prompts %v", names)
	}
	get := func(name string, args map[string]string) (string, error) {
		res, err := h.cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: name, Arguments: args})
		if err != nil {
			return "", err
		}
		var b strings.Builder
		for _, m := range res.Messages {
			switch c := m.Content.(type) {
			case *mcp.TextContent:
				b.WriteString(c.Text)
			case *mcp.EmbeddedResource:
				b.WriteString("\n[resource " + c.Resource.URI + "]")
			}
		}
		return b.String(), nil
	}
	text, err := get(tools.PromptCityBriefing, map[string]string{"city": "Delhi", "country": "in"})
	for _, s := range []string{"Delhi, India", "September 2026", "get_air_quality", "date_from 2026-09-01", "date_to 2026-09-30", "15 µg/m³",
		"get_trends", "[resource " + tools.GuidelinesURI + "]", "Today is 2026-10-15"} {
		if err != nil || !strings.Contains(text, s) {
			t.Errorf("city briefing lacks %q (%v):\n%s", s, err, text)
		}
	}
	text, err = get(tools.PromptCompareCountry, map[string]string{"country_a": "in", "country_b": "CHN", "gas": "CH4"})
	if err != nil || !strings.Contains(text, `["IND", "CHN"]`) || !strings.Contains(text, "gas CH4") || !strings.Contains(text, "edgar_country_totals") {
		t.Errorf("country comparison (%v):\n%s", err, text)
	}
	text, err = get(tools.PromptNeighbourhood, map[string]string{"asset_id": "4"})
	if err != nil || !strings.Contains(text, "facility_owners with asset_id 4") || !strings.Contains(text, "jana://facilities/4") {
		t.Errorf("neighbourhood (%v):\n%s", err, text)
	}
	for _, bad := range []struct {
		name string
		args map[string]string
		arg  string
	}{
		{tools.PromptCityBriefing, map[string]string{}, "city"},
		{tools.PromptCityBriefing, map[string]string{"city": "Delhi", "month": "Sept"}, "month"},
		{tools.PromptCompareCountry, map[string]string{"country_a": "XX", "country_b": "CHN"}, "country_a"},
		{tools.PromptNeighbourhood, map[string]string{"asset_id": "four"}, "asset_id"},
	} {
		_, err := get(bad.name, bad.args)
		if err == nil || !strings.Contains(err.Error(), `Invalid argument "`+bad.arg+`"`) {
			t.Errorf("%s %v: %v, want an error naming %s", bad.name, bad.args, err, bad.arg)
		}
	}
}

// TestProgressNotifications: a call over many sensors reports each step when the client sent
// a progress token, and nothing without one; a slow backend call reports that it still waits.
func TestProgressNotifications(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, sandbox.Config{Slow: map[string]time.Duration{"sector_totals": 1500 * time.Millisecond}},
		harnessOptions{adjust: func(env *toolkit.Env) { env.ProgressEvery = 100 * time.Millisecond }})
	args := map[string]any{"location_point": delhi, "radius_km": 30, "date_from": "2026-09-01", "date_to": "2026-09-07"}
	res, err := h.cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "get_air_quality", Arguments: args})
	if err != nil || res.IsError {
		t.Fatal(err, res)
	}
	if got := h.progressSeen(); len(got) != 0 {
		t.Errorf("%d progress notifications without a token", len(got))
	}
	params := &mcp.CallToolParams{Name: "get_air_quality", Arguments: args}
	params.SetProgressToken("aq-1")
	if res, err = h.cs.CallTool(t.Context(), params); err != nil || res.IsError {
		t.Fatal(err, res)
	}
	sensors := 0
	for _, l := range locationsNear(h.sb.Dataset(), delhi, 30) {
		sensors += len(l.Sensors)
	}
	// The client handles notifications apart from the result, so the last may land after the
	// call returns: wait for it (a missing one fails with the test's timeout), lest it be
	// counted as the next call's.
	got := h.progressSeen()
	for len(got) < sensors && t.Context().Err() == nil {
		time.Sleep(10 * time.Millisecond)
		got = append(got, h.progressSeen()...)
	}
	last := 0.0
	for i, p := range got {
		if p.ProgressToken != "aq-1" || p.Progress <= last || p.Total != float64(sensors) {
			t.Errorf("notification %d: %+v (total %d sensors)", i, p, sensors)
		}
		last = p.Progress
	}
	if len(got) < sensors || last != float64(sensors) {
		t.Errorf("%d notifications ending at %v for %d sensors", len(got), last, sensors)
	}
	// A call Jana takes 1.5 s over, reported every 100 ms.
	params = &mcp.CallToolParams{Name: "emissions_by_sector", Arguments: map[string]any{"country_codes": []string{"DEU"}}}
	params.SetProgressToken(7)
	if res, err = h.cs.CallTool(t.Context(), params); err != nil || res.IsError {
		t.Fatal(err, res)
	}
	waits := h.progressSeen()
	if len(waits) < 2 || !strings.Contains(waits[0].Message, "still waiting for Jana") {
		t.Errorf("a 1.5 s call sent %d progress notifications: %+v", len(waits), waits)
	}
}

// TestSlowEndpointsGetTheirBudget: Jana's heavy aggregates get JANA_SLOW_TIMEOUT, which their
// descriptions quote, while other calls keep JANA_TIMEOUT. At 1fe6f64 descriptions said
// "Jana can take a minute" while every call was cut at JANA_TIMEOUT (30 s).
func TestSlowEndpointsGetTheirBudget(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, sandbox.Config{Slow: map[string]time.Duration{"sector_totals": 2 * time.Second, "v1_data_sources_climatetrace_sectors_list": 2 * time.Second}},
		harnessOptions{settings: map[string]string{"JANA_TIMEOUT": "1s", "JANA_SLOW_TIMEOUT": "40s", "JANA_RETRIES": "0"}})
	if d := h.tools["emissions_by_sector"].Description; !strings.Contains(d, "waits up to 40 s") {
		t.Errorf("emissions_by_sector's description does not quote its budget: %s", d)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := h.cs.CallTool(ctx, &mcp.CallToolParams{Name: "emissions_by_sector", Arguments: map[string]any{"country_codes": []string{"DEU"}}})
	if err != nil || res.IsError {
		t.Errorf("a 2 s sector total under JANA_TIMEOUT=1s and JANA_SLOW_TIMEOUT=40s: %v %s", err, text(res))
	}
	res, err = h.cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_emission_sectors", Arguments: map[string]any{}})
	if err != nil || !res.IsError || !strings.Contains(text(res), "did not answer in time") {
		t.Errorf("a 2 s sector list under JANA_TIMEOUT=1s: %v %s", err, text(res))
	}
}

func text(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}
