package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
)

// recordedProbe is a fact Jana's own clients recorded about the live API (see api/README.md,
// "Evidence"), replayed against the sandbox.
type recordedProbe struct {
	label  string // the recording's own label, where it has one
	source string // where it was recorded
	query  string // path and query under /api/v1/data-sources/
	status int
	shape  string // "cursor" {next, previous, results}, "page_or_offset" (with count), "flat-dict"
	count  int    // recorded count, 0 when not recorded
	next   *bool  // recorded has_next, nil when not recorded
	// unknown and allowed are a 400's unknown_params, and the allowed_params it recorded (a
	// lower bound: the same day other names were accepted).
	unknown, allowed []string
	check            func(t *testing.T, rows []map[string]any)
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func allRows(field, want string) func(*testing.T, []map[string]any) {
	return func(t *testing.T, rows []map[string]any) {
		t.Helper()
		if len(rows) == 0 {
			t.Error("no rows")
		}
		for _, r := range rows {
			if r[field] != want {
				t.Errorf("row %v: %s is %v, want %s", r["id"], field, r[field], want)
				return
			}
		}
	}
}

var recordedProbes = []recordedProbe{
	// tests/contract/_harness.py (jana-eko-client d275fe1), live probes of 2026-04-28.
	{label: "ct-emissions", source: "_harness.py:L56", query: "climatetrace/emissions/", status: 200, shape: "cursor", next: yes()},
	{label: "ct-emissions-country_iso3-USA", source: "_harness.py:L57", query: "climatetrace/emissions/?country_iso3=USA", status: 200,
		shape: "cursor", next: yes(), check: allRows("country_code", "USA")},
	{label: "ct-emissions-gas-co2", source: "_harness.py:L59", query: "climatetrace/emissions/?gas=co2", status: 200, shape: "cursor",
		next: yes(), check: allRows("gas", "co2")},
	{label: "ct-emissions-gas_type-co2-BUGGY", source: "_harness.py:L60, test_climatetrace.py:L314-321",
		query: "climatetrace/emissions/?gas_type=co2", status: 400, shape: "flat-dict", unknown: []string{"gas_type"},
		allowed: []string{"asset_id", "sector_id", "sector_name", "country_code", "gas", "date_from", "date_to", "limit", "offset"}},
	{label: "ct-sectors", source: "_harness.py:L61", query: "climatetrace/sectors/", status: 200, shape: "page_or_offset", count: 26, next: no()},
	{label: "ct-countries", source: "_harness.py:L62", query: "climatetrace/countries/", status: 200, shape: "page_or_offset", next: yes()},
	{label: "ct-assets", source: "_harness.py:L63", query: "climatetrace/assets/", status: 200, shape: "cursor", next: yes()},
	// tests/integration/test_climatetrace_live.py, passed live on 2026-04-30 (commit c4ebee1).
	{source: "test_climatetrace_live.py", query: "climatetrace/sectors/?limit=2", status: 200, shape: "page_or_offset", count: 26, next: yes()},
	{source: "test_climatetrace_live.py", query: "climatetrace/assets/?limit=2", status: 200, shape: "cursor", next: yes()},
	{source: "test_climatetrace_live.py", query: "climatetrace/emissions/?gas=co2&limit=2", status: 200, shape: "cursor", next: yes()},
	{source: "test_climatetrace_live.py", query: "climatetrace/emissions/?gas_type=co2", status: 400, shape: "flat-dict", unknown: []string{"gas_type"}},
	// The notebook (SDK 0.2.0, March 2026): limit honoured on cursor lists; an ISO-2 code on an
	// ISO-3 filter matches nothing.
	{source: "notebook cell 12", query: "climatetrace/assets/?limit=5", status: 200, shape: "cursor", next: yes()},
	{source: "notebook cell 12", query: "climatetrace/assets/?country_code=US&limit=5", status: 200, shape: "cursor",
		check: func(t *testing.T, rows []map[string]any) {
			if len(rows) != 0 {
				t.Errorf("%d rows for the ISO-2 code US on an ISO-3 filter, want none", len(rows))
			}
		}},
	// jana-demo-starter commits (live checks on api-test.jana.earth).
	{source: "demo-starter b92d4b3 (2026-04-28)", query: "edgar/grid-emissions/?country_code=IND&coordinates=77.2,28.6&radius=25",
		status: 400, shape: "flat-dict", unknown: []string{"country_code"}},
	{source: "demo-starter 7f67623 (2026-05-01)", query: "edgar/grid-emissions/?bbox=85.2,27.6,85.5,27.8&start_date=2022-01-01&end_date=2022-12-31",
		status: 200, shape: "cursor", check: func(t *testing.T, rows []map[string]any) {
			for _, r := range rows {
				if r["year"] != float64(2022) {
					t.Errorf("a %v row for 2022-01-01..2022-12-31", r["year"])
					return
				}
			}
		}},
	{source: "demo-starter 881329b (2026-05-06)", query: "edgar/country-totals/?country_code=NPL", status: 400, shape: "flat-dict",
		unknown: []string{"country_code"}},
	{source: "demo-starter 881329b (2026-05-06)", query: "edgar/country-totals/?country_iso3=NPL", status: 200, shape: "page_or_offset",
		check: allRows("country_code", "NPL")},
	// jana-bfi-demo lib/api/edgar.ts, "verified May 2026": lower-case gas.
	{source: "bfi-demo lib/api/edgar.ts", query: "edgar/country-totals/?country_iso3=NPL&gas=co2&page_size=200", status: 200,
		shape: "page_or_offset", check: allRows("gas_type", "CO2")},
	// What the SDK's fetch_all_pages sends on every list: page_size and limit together.
	{source: "eko_client/client.py fetch_all_pages", query: "openaq/locations/?page_size=50&limit=50", status: 200, shape: "page_or_offset", next: yes()},
	{source: "eko_client/client.py fetch_all_pages", query: "climatetrace/emissions/?page_size=50&limit=50&country_iso3=NLD", status: 200,
		shape: "cursor", next: yes(), check: allRows("country_code", "NLD")},
}

// TestRecordedProbes replays what Jana's own clients recorded of the live API in 2026:
// statuses, envelope shapes (DRF writes next and previous even when null), counts, the
// unknown_params of a 400 and its allowed_params (recorded ones must all be there).
func TestRecordedProbes(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	for _, p := range recordedProbes {
		name := p.label
		if name == "" {
			name = p.query
		}
		t.Run(name, func(t *testing.T) {
			resp, body := e.get(t, e.url+"/api/v1/data-sources/"+p.query)
			if resp.StatusCode != p.status {
				t.Fatalf("%s (%s): status %d, want %d: %.300s", p.query, p.source, resp.StatusCode, p.status, body)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("not a JSON object: %.300s", body)
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			switch p.shape {
			case "cursor":
				if !slices.Equal(keys, []string{"next", "previous", "results"}) {
					t.Errorf("keys %v, want DRF's cursor envelope (next, previous, results; no count)", keys)
				}
			case "page_or_offset":
				if !slices.Equal(keys, []string{"count", "next", "previous", "results"}) {
					t.Errorf("keys %v, want count, next, previous, results", keys)
				}
			case "flat-dict":
				if _, ok := m["results"]; ok {
					t.Errorf("keys %v: a list envelope, want a flat object", keys)
				}
			}
			if p.count != 0 {
				var count int
				_ = json.Unmarshal(m["count"], &count)
				if count != p.count {
					t.Errorf("count %d, want %d", count, p.count)
				}
			}
			if p.next != nil {
				if hasNext := string(m["next"]) != "null"; hasNext != *p.next {
					t.Errorf("has next %v, want %v", hasNext, *p.next)
				}
			}
			if p.status == http.StatusBadRequest {
				var ve struct {
					Detail        string   `json:"detail"`
					UnknownParams []string `json:"unknown_params"`
					AllowedParams []string `json:"allowed_params"`
				}
				_ = json.Unmarshal(body, &ve)
				if !slices.Equal(ve.UnknownParams, p.unknown) {
					t.Errorf("unknown_params %v, want %v", ve.UnknownParams, p.unknown)
				}
				if want := "Unknown query parameter(s): " + strings.Join(p.unknown, ", "); ve.Detail != want {
					t.Errorf("detail %q, want the recorded %q", ve.Detail, want)
				}
				for _, a := range p.allowed {
					if !slices.Contains(ve.AllowedParams, a) {
						t.Errorf("allowed_params %v lacks the recorded %s", ve.AllowedParams, a)
					}
				}
			}
			if p.check != nil {
				var rows []map[string]any
				_ = json.Unmarshal(m["results"], &rows)
				p.check(t, rows)
			}
		})
	}
}

// TestIgnoredCountryCodeBug: with the fault that reproduces the 2026-04-28 probe
// (ct-emissions-country_code-USA-BUGGY), country_code is accepted with 200 and unfiltered
// rows; without it, the alias filters as Jana's May 2026 clients describe.
func TestIgnoredCountryCodeBug(t *testing.T) {
	t.Parallel()
	for _, buggy := range []bool{false, true} {
		cfg := Config{}
		if buggy {
			cfg.Faults.IgnoredParams = []string{"country_code"}
		}
		e := newEnv(t, cfg)
		resp, body := e.get(t, e.url+"/api/v1/data-sources/climatetrace/emissions/?country_code=NLD&page_size=200")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("buggy=%v: status %d: %s", buggy, resp.StatusCode, body)
		}
		var page struct {
			Results []struct {
				CountryCode string `json:"country_code"`
			} `json:"results"`
		}
		_ = json.Unmarshal(body, &page)
		others := 0
		for _, r := range page.Results {
			if r.CountryCode != "NLD" {
				others++
			}
		}
		if buggy && others == 0 {
			t.Error("with the fault, country_code still filtered")
		}
		if !buggy && (others > 0 || len(page.Results) == 0) {
			t.Errorf("the alias did not filter: %d of %d rows from other countries", others, len(page.Results))
		}
	}
}
