package tools_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// End-to-end tests of the tools Jana's 2026 endpoints made possible: each figure a tool
// answers is compared with the same figure computed straight from the sandbox's dataset.

func rowsOf(m map[string]any, key string) []map[string]any {
	var out []map[string]any
	list, _ := m[key].([]any)
	for _, r := range list {
		if row, ok := r.(map[string]any); ok {
			out = append(out, row)
		}
	}
	return out
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// validMean is the mean of a sensor's valid readings in [from, to).
func validMean(s *data.Sensor, from, to time.Time) (float64, int) {
	var sum float64
	n := 0
	for slot := max(s.Start, data.SlotAtOrAfter(from)); slot < s.End() && data.SlotTime(slot).Before(to); slot++ {
		if !s.IsSentinel(slot) {
			sum += s.Value(slot)
			n++
		}
	}
	return sum / float64(n), n
}

func TestStationMeansAreTheReadings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	d := h.sb.Dataset()
	loc := &d.Locations[2]
	// Daily: 14 February 2026.
	_, text, m := h.call(t, "station_means", map[string]any{"station_id": loc.ID, "date_from": "2026-02-14", "date_to": "2026-02-14"})
	rows := rowsOf(m, "means")
	if len(rows) != len(loc.Sensors) {
		t.Fatalf("%d rows for one day of %d sensors:\n%s", len(rows), len(loc.Sensors), text)
	}
	day := time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC)
	for _, r := range rows {
		for _, si := range loc.Sensors {
			s := &d.Sensors[si]
			if s.Parameter != r["pollutant"] {
				continue
			}
			want, n := validMean(s, day, day.AddDate(0, 0, 1))
			if math.Abs(num(r["mean"])-want) > 1e-5 || int(num(r["readings"])) != n || r["period"] != "2026-02-14" {
				t.Errorf("%s on 2026-02-14: the tool says %v over %v readings, the dataset %v over %d", s.Parameter, r["mean"], r["readings"], want, n)
			}
		}
	}
	// Monthly: the whole record, each month pooled.
	_, _, m = h.call(t, "station_means", map[string]any{"station_id": loc.ID, "resolution": "monthly", "parameters": []string{"pm25"}})
	rows = rowsOf(m, "means")
	s := &d.Sensors[loc.Sensors[0]]
	if len(rows) != 24 || s.Parameter != "pm25" {
		t.Fatalf("%d monthly rows", len(rows))
	}
	for _, r := range rows {
		from, _ := time.Parse("2006-01", r["period"].(string))
		want, n := validMean(s, from, from.AddDate(0, 1, 0))
		if math.Abs(num(r["mean"])-want) > 1e-3 || int(num(r["readings"])) != n {
			t.Errorf("pm25 in %s: the tool says %v over %v readings, the dataset %v over %d", r["period"], r["mean"], r["readings"], want, n)
		}
	}
	// Too long a daily range is refused with what to do instead.
	res, text, _ := h.call(t, "station_means", map[string]any{"station_id": loc.ID, "date_from": "2024-10-01", "date_to": "2026-09-30"})
	if !res.IsError || !strings.Contains(text, "monthly") {
		t.Errorf("two years of daily means: %s", text)
	}
}

func TestEdgarAirPollutantsAreTheDataset(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	d := h.sb.Dataset()
	npl, _ := d.CountryIndex("NPL")
	_, text, m := h.call(t, "edgar_air_pollutants", map[string]any{"country_codes": []string{"NPL"}, "pollutant": "PM2.5", "year": 2020})
	rows := rowsOf(m, "totals")
	if len(rows) != 1 || rows[0]["sector"] != "TOTAL" {
		t.Fatalf("rows %v\n%s", rows, text)
	}
	if want := d.AirPollutantValue(npl, 2020, data.AirPollutantIndex("PM2.5"), d.EdgarTotalSector()); num(rows[0]["value"]) != want {
		t.Errorf("Nepal's PM2.5 in 2020: the tool says %v kt, the dataset %v", rows[0]["value"], want)
	}
}

func TestFacilityOwnersAreTheDataset(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	d := h.sb.Dataset()
	var owner data.CompanyMatch
	for i, mt := range d.Matches {
		if mt.Relationship == "parent" {
			owner = d.Matches[i-1]
			break
		}
	}
	asset := d.Assets[owner.Asset]
	e := d.Entities[owner.Entity]
	_, text, m := h.call(t, "facility_owners", map[string]any{"asset_id": asset.ID})
	var found bool
	for _, r := range rowsOf(m, "owners") {
		if r["relationship"] == "owner" && r["lei"] == e.LEI {
			found = true
			if r["ultimate_parent_lei"] != d.Entities[e.UltimateParent].LEI || r["direct_parent_lei"] != d.Entities[e.DirectParent].LEI {
				t.Errorf("%s's parents: %v / %v, the dataset has %s / %s", e.Name, r["direct_parent"], r["ultimate_parent"],
					d.Entities[e.DirectParent].Name, d.Entities[e.UltimateParent].Name)
			}
		}
	}
	if !found || !strings.Contains(text, e.Name) || !strings.Contains(text, "GLEIF") {
		t.Errorf("asset %d (%s): owner %s not shown:\n%s", asset.ID, asset.Name, e.Name, text)
	}
	// An asset nobody owns says so.
	for _, a := range d.Assets {
		if d.Sectors[a.Sector].Name == "road-transportation" {
			_, text, _ := h.call(t, "facility_owners", map[string]any{"asset_id": a.ID})
			if !strings.Contains(text, "records no owner") {
				t.Errorf("a road network's owners:\n%s", text)
			}
			break
		}
	}
}

func TestStormEventsNearAPlace(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	d := h.sb.Dataset()
	houston := []float64{-95.3698, 29.7604}
	want := 0
	for _, e := range d.Storms {
		if e.Begin.Year() == 2019 && data.HaversineKm(houston[0], houston[1], e.BeginLon, e.BeginLat) <= 80 {
			want++
		}
	}
	_, text, m := h.call(t, "storm_events", map[string]any{"location_point": houston, "radius_km": 80, "year": 2019})
	if int(num(m["total_matching"])) != want || len(h.walk(t, "storm_events", map[string]any{"location_point": houston, "radius_km": 80, "year": 2019}, "events")) != want || want == 0 {
		t.Errorf("storms within 80 km of Houston in 2019: the tool says %v, the dataset %d\n%.500s", m["total_matching"], want, text)
	}
	// A longitude-first box, which the tool turns into NOAA's latitude-first one.
	box := []float64{-103, 33.6, -94.4, 37}
	want = 0
	for _, e := range d.Storms {
		if e.BeginLon >= box[0] && e.BeginLat >= box[1] && e.BeginLon <= box[2] && e.BeginLat <= box[3] {
			want++
		}
	}
	_, _, m = h.call(t, "storm_events", map[string]any{"location_bbox": box, "limit": 1})
	if int(num(m["total_matching"])) != want || want == 0 {
		t.Errorf("storms in the Oklahoma box: the tool says %v, the dataset %d", m["total_matching"], want)
	}
}

func TestGlobalCarbonProjectToolsAreTheDataset(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{})
	d := h.sb.Dataset()
	usa, _ := d.CountryIndex("USA")
	var want data.GCPNational
	for _, n := range d.GCP.National {
		if n.Country == usa && n.Year == 2022 && data.GCPReleases[n.Release].Version == "2024" {
			want = n
		}
	}
	_, text, m := h.call(t, "gcp_national_emissions", map[string]any{"country_codes": []string{"USA"}, "year": 2022})
	rows := rowsOf(m, "emissions")
	if len(rows) != 1 || num(rows[0]["territorial_mtco2"]) != want.Territorial || num(rows[0]["per_capita_tco2"]) != want.PerCapita() {
		t.Errorf("the USA in 2022: %v, the dataset %+v\n%s", rows, want, text)
	}
	var budget data.GCPBudget
	for _, b := range d.GCP.Budgets {
		if b.Year == 2023 && data.GCPReleases[b.Release].Version == "2024" {
			budget = b
		}
	}
	_, _, m = h.call(t, "gcp_carbon_budget", map[string]any{"year": 2023})
	rows = rowsOf(m, "budget")
	if len(rows) != 1 || num(rows[0]["fossil_emissions"]) != budget.Fossil || num(rows[0]["budget_imbalance"]) != budget.Imbalance() {
		t.Errorf("the 2023 budget: %v, the dataset %+v", rows, budget)
	}
}

// TestNewToolsCheckTheirFilters: when Jana ignores a filter the new tools send, they leave out
// the rows outside it and say so.
func TestNewToolsCheckTheirFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Config{Faults: sandbox.FaultConfig{IgnoredParams: []string{"country_iso3", "country_code", "state"}}})
	for _, c := range []struct {
		tool, table, field string
		args               map[string]any
		want               string
	}{
		{"edgar_air_pollutants", "totals", "country_code", map[string]any{"country_codes": []string{"NLD"}, "pollutant": "NOx"}, "NLD"},
		{"gcp_national_emissions", "emissions", "country_code", map[string]any{"country_codes": []string{"NLD"}}, "NLD"},
		{"storm_events", "events", "state", map[string]any{"state": "Vermont"}, "VERMONT"},
	} {
		_, text, m := h.call(t, c.tool, c.args)
		if !strings.Contains(text, "did not apply the") || m["filter_not_applied"] == nil {
			t.Errorf("%s: the answer does not say Jana ignored the filter:\n%.500s", c.tool, text)
		}
		for _, r := range rowsOf(m, c.table) {
			if r[c.field] != c.want {
				t.Errorf("%s: a row of %v is shown as %s's", c.tool, r[c.field], c.want)
				break
			}
		}
	}
}
