package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// Ten questions an analyst asks, each asked through the official TypeScript SDK client (the
// one Cursor-class hosts embed, which also checks every structured answer against the tool's
// output schema) as a model would ask them — the tool calls a model makes, one answer feeding
// the next — and each answer checked against figures worked out here straight from the
// sandbox's data. The server's clock says today is 2026-10-15, two weeks after the sandbox's
// OpenAQ data end, so "last month" is September 2026.

var today = time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)

// tsSession is one session of test/node/mcp-session.mjs.
type tsSession struct {
	t    *testing.T
	in   io.WriteCloser
	out  *bufio.Scanner
	next int
}

func startTS(t *testing.T, nodeBin, base, token, transport string) *tsSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	cmd := exec.CommandContext(ctx, nodeBin, filepath.Join(root, "test/node/mcp-session.mjs"), "--base", base, "--token", token, "--transport", transport)
	cmd.Dir = root
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("mcp-session.mjs: %v\n%s", err, stderr.String())
		}
		cancel()
	})
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	s := &tsSession{t: t, in: in, out: sc}
	if _, err := s.read(0); err != nil {
		t.Fatalf("TypeScript client did not connect: %v\n%s", err, stderr.String())
	}
	return s
}

type tsAnswer struct {
	ID     int             `json:"id"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

func (s *tsSession) read(id int) (json.RawMessage, error) {
	if !s.out.Scan() {
		return nil, fmt.Errorf("no answer: %v", s.out.Err())
	}
	var a tsAnswer
	if err := json.Unmarshal(s.out.Bytes(), &a); err != nil || a.ID != id {
		return nil, fmt.Errorf("answer %q to request %d: %v", s.out.Text(), id, err)
	}
	if !a.OK {
		return nil, fmt.Errorf("%s", a.Error)
	}
	return a.Result, nil
}

// do sends one request and returns its result.
func (s *tsSession) do(op string, fields map[string]any) (json.RawMessage, error) {
	s.next++
	req := map[string]any{"id": s.next, "op": op}
	for k, v := range fields {
		req[k] = v
	}
	line, _ := json.Marshal(req)
	if _, err := s.in.Write(append(line, '\n')); err != nil {
		return nil, err
	}
	return s.read(s.next)
}

// question records the calls made for one question and the checks of its answer.
type question struct {
	t      *testing.T
	s      *tsSession
	ask    string
	report []string
}

func (s *tsSession) question(t *testing.T, ask string) *question {
	return &question{t: t, s: s, ask: ask}
}

// answer is a tool result as the TypeScript client returns it.
type answer struct {
	IsError    bool `json:"isError"`
	Content    []struct{ Text string }
	Structured map[string]any `json:"structuredContent"`
	Progress   []struct {
		Progress float64 `json:"progress"`
		Total    float64 `json:"total"`
	} `json:"progress"`
}

func (a answer) text() string {
	var b strings.Builder
	for _, c := range a.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

func (a answer) rows(key string) []map[string]any {
	var out []map[string]any
	list, _ := a.Structured[key].([]any)
	for _, r := range list {
		if m, ok := r.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// call calls a tool and records it.
func (q *question) call(tool string, args map[string]any, progress bool) answer {
	q.t.Helper()
	data, _ := json.Marshal(args)
	q.report = append(q.report, fmt.Sprintf("  call %s %s", tool, data))
	raw, err := q.s.do("callTool", map[string]any{"name": tool, "arguments": args, "progress": progress})
	if err != nil {
		q.t.Fatalf("%s: %s %s: %v (the TypeScript SDK refuses structured content that does not match the output schema)", q.ask, tool, data, err)
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		q.t.Fatal(err)
	}
	first, _, _ := strings.Cut(a.text(), "\n")
	q.report = append(q.report, "    → "+bound(first, 300))
	return a
}

// walk calls a paged tool to the end, following next_cursor, and returns the rows of key.
func (q *question) walk(tool string, args map[string]any, key string) []map[string]any {
	q.t.Helper()
	var rows []map[string]any
	call := args
	for page := 1; ; page++ {
		a := q.call(tool, call, false)
		if a.IsError {
			q.t.Fatalf("%s: %s", tool, a.text())
		}
		rows = append(rows, a.rows(key)...)
		next, _ := a.Structured["next_cursor"].(string)
		if next == "" || page > 100 {
			return rows
		}
		call = map[string]any{"cursor": next}
		for k, v := range args {
			call[k] = v
		}
	}
}

// check records a comparison with the sandbox's figure and fails the test when it does not hold.
func (q *question) check(what string, got, want any, ok bool) {
	q.t.Helper()
	mark := "ok"
	if !ok {
		mark = "FAILED"
		q.t.Errorf("%s: %s: the answer says %v, the sandbox's data %v", q.ask, what, got, want)
	}
	q.report = append(q.report, fmt.Sprintf("  check %s: answer %v, sandbox %v — %s", what, got, want, mark))
}

func (q *question) done() {
	q.t.Logf("Q: %s\n%s", q.ask, strings.Join(q.report, "\n"))
}

func bound(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func f(v any) float64 {
	x, _ := v.(float64)
	return x
}

// TestTenQuestions asks ten realistic questions through the TypeScript SDK client and checks
// every figure the answers give against the sandbox's own data.
func TestTenQuestions(t *testing.T) {
	nodeBin := node(t)
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServerWith(t, testenv.Config(t, sb.URL, nil), server.Options{Clock: func() time.Time { return today }})
	s := startTS(t, nodeBin, srv.URL, sb.Token, "http")
	d := sb.Dataset()
	sept, oct := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

	t.Run("1 Delhi PM2.5 last month against the WHO guideline", func(t *testing.T) {
		q := s.question(t, "What was PM2.5 in Delhi last month, and how does it compare with the WHO guideline?")
		raw, err := s.do("instructions", nil)
		var ins struct{ Instructions string }
		_ = json.Unmarshal(raw, &ins)
		q.report = append(q.report, "  initialize instructions → "+bound(ins.Instructions[strings.Index(ins.Instructions, "Today"):], 200))
		q.check("today's date and where OpenAQ's data end, in the instructions", err == nil, "Today is Thursday 15 October 2026; 2026-09-30",
			strings.Contains(ins.Instructions, "Today is Thursday 15 October 2026") && strings.Contains(ins.Instructions, "2024-10-01 to 2026-09-30"))
		raw, err = s.do("getPrompt", map[string]any{"name": "city_air_quality_briefing", "arguments": map[string]any{"city": "Delhi", "country": "IN"}})
		q.report = append(q.report, `  prompt city_air_quality_briefing {"city":"Delhi","country":"IN"}`)
		q.check("the prompt names last month's dates", err == nil && strings.Contains(string(raw), "date_from 2026-09-01"), "date_from 2026-09-01",
			err == nil && strings.Contains(string(raw), "date_from 2026-09-01, date_to 2026-09-30"))
		city, _ := d.CityByName("Delhi")
		a := q.call("get_air_quality", map[string]any{"location_point": []float64{city.Lon, city.Lat}, "radius_km": 30, "parameters": []string{"pm25"},
			"date_from": "2026-09-01", "date_to": "2026-09-30"}, true)
		var means []float64
		daily := map[time.Time][]float64{}
		sensors := 0
		for _, l := range testenv.LocationsNear(d, city.Lon, city.Lat, 30) {
			for _, si := range l.Sensors {
				if d.Sensors[si].Parameter != "pm25" {
					continue
				}
				sensors++
				days := testenv.SensorDays(&d.Sensors[si], sept, oct)
				if m, n := testenv.PeriodMean(days); n > 0 {
					means = append(means, m)
					for day, dm := range days {
						daily[day] = append(daily[day], dm.Mean)
					}
				}
			}
		}
		var sum float64
		for _, m := range means {
			sum += m
		}
		above := 0
		for _, v := range daily {
			var s float64
			for _, x := range v {
				s += x
			}
			if s/float64(len(v)) > 15 {
				above++
			}
		}
		area := a.Structured["area"].([]any)[0].(map[string]any)
		q.check("Delhi's September mean, µg/m³ (mean of the stations' means)", area["mean"], sum/float64(len(means)), near(f(area["mean"]), sum/float64(len(means)), 1e-4))
		q.check("stations with readings", area["stations"], len(means), int(f(area["stations"])) == len(means))
		q.check("days the city's daily mean was above the WHO 24-hour guideline (15 µg/m³)", area["exceedance_days"], above, int(f(area["exceedance_days"])) == above)
		q.check("the guideline in the answer", area["guideline"], 15, f(area["guideline"]) == 15)
		q.check("the answer says the annual guideline needs a year", strings.Contains(a.text(), "annual guideline applies to a whole year"), true,
			strings.Contains(a.text(), "annual guideline applies to a whole year"))
		q.check("progress notifications, one per sensor", len(a.Progress), sensors, len(a.Progress) == sensors && a.Progress[len(a.Progress)-1].Progress == float64(sensors))
		q.done()
	})

	t.Run("2 Delhi PM2.5 trend over two years", func(t *testing.T) {
		q := s.question(t, "Is PM2.5 in Delhi getting better or worse over the last two years?")
		city, _ := d.CityByName("Delhi")
		a := q.call("get_trends", map[string]any{"parameter": "pm25", "location_point": []float64{city.Lon, city.Lat}, "radius_km": 30,
			"date_from": "2024-10-01", "date_to": "2026-09-30"}, false)
		st := a.Structured["statistics"].(map[string]any)
		q.check("trend, % per year (the sandbox's built-in Delhi trend, ±2.5)", st["percent_per_year"], city.TrendPercentPerYear,
			math.Abs(f(st["percent_per_year"])-city.TrendPercentPerYear) <= 2.5)
		q.check("the yearly cycle is fitted out", st["seasonality_removed"], true, st["seasonality_removed"] == true)
		one := q.call("get_trends", map[string]any{"parameter": "pm25", "location_point": []float64{city.Lon, city.Lat}, "radius_km": 30,
			"date_from": "2025-10-01", "date_to": "2026-09-30"}, false)
		st = one.Structured["statistics"].(map[string]any)
		q.check("over one year no trend is claimed", st["direction"], "no_trend_claimed", st["direction"] == "no_trend_claimed" && st["slope_per_year"] == nil)
		q.done()
	})

	var topAsset int
	t.Run("3 India's biggest power-plant emitters in 2024", func(t *testing.T) {
		q := s.question(t, "Which power plants in India emitted the most in 2024?")
		args := map[string]any{"country_codes": []string{"IN"}, "sources": []string{"climatetrace"}, "sectors": []string{"power"},
			"date_from": "2024-01-01", "date_to": "2024-12-31"}
		a := q.call("get_emissions", args, false)
		q.check("'power' gets a did-you-mean, not 0 rows", a.IsError, `true, with "electricity-generation"`,
			a.IsError && strings.Contains(a.text(), `did you mean "electricity-generation"`))
		args["sectors"] = []string{"electricity-generation"}
		rows := q.walk("get_emissions", args, "facility_emissions")
		byAsset := map[int]float64{}
		for _, r := range rows {
			byAsset[int(f(r["asset_id"]))] += f(r["emissions_tonnes"])
		}
		want := map[int]float64{}
		for _, i := range d.FilterAssets(data.AssetFilter{CountryISO3: []string{"IND"}, SectorNames: []string{"electricity-generation"}}) {
			a := &d.Assets[i]
			for m := 36; m < 48; m++ { // 2024-01 .. 2024-12
				if v := a.MonthCO2e(m); v > 0 {
					want[a.ID] += v // plants that emitted nothing in 2024 have no rows
				}
			}
		}
		top := func(m map[int]float64) []int {
			ids := make([]int, 0, len(m))
			for id := range m {
				ids = append(ids, id)
			}
			sort.Slice(ids, func(i, j int) bool { return m[ids[i]] > m[ids[j]] || m[ids[i]] == m[ids[j]] && ids[i] < ids[j] })
			return ids[:min(3, len(ids))]
		}
		gotTop, wantTop := top(byAsset), top(want)
		q.check("the three largest plants (asset ids)", gotTop, wantTop, slices.Equal(gotTop, wantTop))
		q.check("the largest plant's 2024 total, t CO2e", byAsset[gotTop[0]], want[wantTop[0]], near(byAsset[gotTop[0]], want[wantTop[0]], 1e-6))
		q.check("plants with 2024 emissions, walked over the pages", len(byAsset), len(want), len(byAsset) == len(want))
		topAsset = wantTop[0]
		q.done()
	})

	t.Run("4 who owns that plant", func(t *testing.T) {
		if topAsset == 0 {
			t.Skip("question 3 found no plant")
		}
		q := s.question(t, "Who owns the largest of those power plants, and who is behind them?")
		a := q.call("facility_owners", map[string]any{"asset_id": topAsset}, false)
		var want []string
		for _, m := range d.Matches {
			if d.Assets[m.Asset].ID == topAsset && m.Relationship == "owner" && m.Entity >= 0 {
				want = append(want, d.Entities[m.Entity].LEI)
			}
		}
		var got []string
		for _, r := range a.rows("owners") {
			if r["relationship"] == "owner" && r["lei"] != nil && r["lei"] != "" {
				got = append(got, r["lei"].(string))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		q.check("the owners' LEIs", got, want, slices.Equal(got, want))
		q.done()
	})

	t.Run("5 India's and China's methane since 2015", func(t *testing.T) {
		q := s.question(t, "How do India's and China's methane emissions compare since 2015?")
		raw, err := s.do("complete", map[string]any{"ref": map[string]any{"type": "ref/prompt", "name": "compare_country_emissions"},
			"argument": map[string]any{"name": "country_a", "value": "ind"}})
		q.report = append(q.report, `  complete compare_country_emissions country_a "ind"`)
		q.check("the country completion", err == nil && strings.Contains(string(raw), `"IND"`), "IND", err == nil && strings.Contains(string(raw), `"values":["IND"`))
		rows := q.walk("edgar_country_totals", map[string]any{"country_codes": []string{"IN", "CN"}, "gas": "ch4", "start_date": "2015-01-01", "ordering": "-year"}, "totals")
		ok, n := true, 0
		for _, r := range rows {
			ci, _ := d.CountryIndex(r["country_code"].(string))
			want := d.EdgarValue(ci, int(f(r["year"])), 1, d.EdgarTotalSector())
			ok = ok && near(f(r["value"]), want, 1e-6) && f(r["year"]) >= 2015
			n++
		}
		years := data.EdgarLastYear - 2015 + 1
		q.check("rows (two countries × years since 2015)", n, 2*years, n == 2*years)
		q.check("every yearly value, kt CH4", ok, "EDGAR's values", ok)
		q.done()
	})

	t.Run("6 the air around Rotterdam's facilities", func(t *testing.T) {
		q := s.question(t, "What emits around Rotterdam's port, and what is the air like there?")
		city, _ := d.CityByName("Rotterdam")
		places := q.walk("find_nearby", map[string]any{"location_point": []float64{city.Lon, city.Lat}, "radius_km": 15, "limit": 50}, "places")
		stations, assets := 0, 0
		for _, p := range places {
			if p["source"] == "openaq" {
				stations++
			} else {
				assets++
			}
		}
		wantStations := len(testenv.LocationsNear(d, city.Lon, city.Lat, 15))
		wantAssets := 0
		for _, a := range d.Assets {
			if data.HaversineKm(city.Lon, city.Lat, a.Lon, a.Lat) <= 15 {
				wantAssets++
			}
		}
		q.check("stations within 15 km", stations, wantStations, stations == wantStations)
		q.check("facilities within 15 km", assets, wantAssets, assets == wantAssets)
		a := q.call("get_air_quality", map[string]any{"location_point": []float64{city.Lon, city.Lat}, "radius_km": 15, "parameters": []string{"no2"},
			"date_from": "2026-09-01", "date_to": "2026-09-30"}, false)
		for _, r := range a.rows("stations") {
			l := &d.Locations[int(f(r["station_id"]))-1]
			for _, si := range l.Sensors {
				if s := &d.Sensors[si]; s.Parameter == "no2" && s.Unit == r["unit"] {
					m, n := testenv.PeriodMean(testenv.SensorDays(s, sept, oct))
					q.check(fmt.Sprintf("station %d's NO2 mean, %s", l.ID, s.Unit), r["mean"], m, n > 0 && near(f(r["mean"]), m, 1e-4))
				}
			}
		}
		q.done()
	})

	t.Run("7 storms that hit Houston in 2019", func(t *testing.T) {
		q := s.question(t, "Which storms hit Houston in 2019, and how much damage did they do?")
		city, _ := d.CityByName("Houston")
		rows := q.walk("storm_events", map[string]any{"location_point": []float64{city.Lon, city.Lat}, "radius_km": 80, "year": 2019, "limit": 10}, "events")
		var damage float64
		deaths, n := 0, 0
		for _, e := range d.Storms {
			if e.Begin.Year() == 2019 && data.HaversineKm(city.Lon, city.Lat, e.BeginLon, e.BeginLat) <= 80 {
				n++
				damage += e.DamageProperty + e.DamageCrop
				deaths += e.DeathsDirect + e.DeathsIn
			}
		}
		var gotDamage float64
		gotDeaths := 0
		for _, r := range rows {
			gotDamage += f(r["damage_property_usd"]) + f(r["damage_crops_usd"])
			gotDeaths += int(f(r["deaths"]))
		}
		q.check("events within 80 km", len(rows), n, len(rows) == n && n > 0)
		q.check("damage, USD", gotDamage, damage, near(gotDamage, damage, 1e-9))
		q.check("deaths", gotDeaths, deaths, gotDeaths == deaths)
		q.done()
	})

	t.Run("8 London NO2 in November 2026, past the data", func(t *testing.T) {
		q := s.question(t, "What was NO2 in London in November 2026?")
		city, _ := d.CityByName("London")
		a := q.call("get_air_quality", map[string]any{"location_point": []float64{city.Lon, city.Lat}, "radius_km": 25, "parameters": []string{"no2"},
			"date_from": "2026-11-01", "date_to": "2026-11-30"}, false)
		q.check("the answer says where the data end", strings.Contains(a.text(), "2026-09-30"), "OpenAQ data end 2026-09-30",
			strings.Contains(a.text(), "runs from 2024-10-01 to 2026-09-30") && strings.Contains(a.text(), "today is 2026-10-15"))
		cov, _ := a.Structured["coverage"].(map[string]any)
		q.check("coverage in the structured answer", cov["last"], "2026-09-30", strings.HasPrefix(fmt.Sprint(cov["last"]), "2026-09-30"))
		last := q.call("get_air_quality", map[string]any{"location_point": []float64{city.Lon, city.Lat}, "radius_km": 25, "parameters": []string{"no2"}}, false)
		p := last.Structured["period"].(map[string]any)
		q.check("without dates: the last 30 days of data", fmt.Sprint(p["from"], "..", p["to"]), "2026-09-01..2026-09-30",
			p["from"] == "2026-09-01" && p["to"] == "2026-09-30" && p["defaulted"] == true)
		q.done()
	})

	t.Run("9 days over the PM10 guideline at a Paris station", func(t *testing.T) {
		q := s.question(t, "On how many days last month was PM10 above the WHO 24-hour guideline at a station in Paris?")
		city, _ := d.CityByName("Paris")
		places := q.call("find_nearby", map[string]any{"location_point": []float64{city.Lon, city.Lat}, "radius_km": 20, "sources": []string{"openaq"}}, false)
		var station *data.Location
		var sensor *data.Sensor
		for _, p := range places.rows("places") {
			l := &d.Locations[int(f(p["id"]))-1]
			for _, si := range l.Sensors {
				if d.Sensors[si].Parameter == "pm10" && station == nil {
					station, sensor = l, &d.Sensors[si]
				}
			}
		}
		if station == nil {
			t.Fatal("no PM10 station near Paris")
		}
		a := q.call("station_means", map[string]any{"station_id": station.ID, "parameters": []string{"PM10"}, "date_from": "2026-09-01", "date_to": "2026-09-30"}, false)
		above := 0
		for _, r := range a.rows("means") {
			if f(r["mean"]) > 45 {
				above++
			}
		}
		want := 0
		days := testenv.SensorDays(sensor, sept, oct)
		for _, dm := range days {
			if dm.Mean > 45 {
				want++
			}
		}
		q.check(fmt.Sprintf("station %d's days over 45 µg/m³ (daily means)", station.ID), above, want, above == want)
		q.check("days with data", len(a.rows("means")), len(days), len(a.rows("means")) == len(days))
		q.done()
	})

	t.Run("10 Germany's largest emitting sectors in 2024", func(t *testing.T) {
		q := s.question(t, "Which sectors emitted most in Germany in 2024, by Climate TRACE?")
		a := q.call("emissions_by_sector", map[string]any{"country_codes": []string{"de"}, "date_from": "2024-01-01", "date_to": "2024-12-31"}, false)
		want := map[string]float64{}
		for _, i := range d.FilterAssets(data.AssetFilter{CountryISO3: []string{"DEU"}}) {
			as := &d.Assets[i]
			for m := 36; m < 48; m++ {
				want[d.Sectors[as.Sector].Name] += as.MonthCO2e(m)
			}
		}
		rows := a.rows("sectors")
		sort.Slice(rows, func(i, j int) bool { return f(rows[i]["total_co2e"]) > f(rows[j]["total_co2e"]) })
		best, bestV := "", 0.0
		for name, v := range want {
			if v > bestV {
				best, bestV = name, v
			}
		}
		q.check("the largest sector", rows[0]["sector_name"], best, len(rows) > 0 && rows[0]["sector_name"] == best)
		ok := true
		for _, r := range rows {
			ok = ok && near(f(r["total_co2e"]), want[r["sector_name"].(string)], 1e-6)
		}
		q.check("every sector's 2024 total, t CO2e", ok, "Climate TRACE's sums", ok && len(rows) == len(want))
		q.done()
	})
}
