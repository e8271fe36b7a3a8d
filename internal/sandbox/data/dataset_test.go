package data

import (
	"context"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"
)

var (
	sharedOnce sync.Once
	shared     *Dataset
	sharedErr  error
)

// testDataset builds the dataset once per test binary: building takes a noticeable moment.
func testDataset(t *testing.T) *Dataset {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Build(context.Background(), 42) })
	if sharedErr != nil {
		t.Fatalf("Build: %v", sharedErr)
	}
	return shared
}

func checksum(d *Dataset) uint64 {
	h := fnv.New64a()
	var b [4]byte
	put := func(v uint32) {
		b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		_, _ = h.Write(b[:])
	}
	for i := range d.Sensors {
		for _, v := range d.Sensors[i].raw {
			put(uint32(v))
		}
	}
	for i := range d.Assets {
		_, _ = h.Write([]byte(d.Assets[i].Name))
		for _, v := range d.Assets[i].monthly {
			put(math.Float32bits(v))
		}
	}
	for _, r := range d.EdgarRows {
		put(uint32(math.Float64bits(r.Value)))
	}
	return h.Sum64()
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a := testDataset(t)
	b, err := Build(context.Background(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if checksum(a) != checksum(b) {
		t.Error("two builds with the same seed differ")
	}
	if a.Cities[0].TrendPercentPerYear != b.Cities[0].TrendPercentPerYear || a.Locations[10].Name != b.Locations[10].Name {
		t.Error("metadata differs between builds")
	}
	c, err := Build(context.Background(), 43)
	if err != nil {
		t.Fatal(err)
	}
	if checksum(a) == checksum(c) {
		t.Error("a different seed gave the same data")
	}
}

func TestBuildCancelled(t *testing.T) {
	t.Parallel()
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(c, 1); err == nil {
		t.Error("Build ignored a cancelled context")
	}
}

func TestOpenAQShape(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	s := d.Sizes()
	countries := map[string]bool{}
	units := map[string]map[string]bool{}
	var monitors, mobile int
	for i := range d.Locations {
		l := &d.Locations[i]
		countries[l.CountryISO2] = true
		if l.IsMonitor {
			monitors++
		}
		if l.IsMobile {
			mobile++
		}
		for _, si := range l.Sensors {
			sn := &d.Sensors[si]
			if units[sn.Parameter] == nil {
				units[sn.Parameter] = map[string]bool{}
			}
			units[sn.Parameter][sn.Unit] = true
		}
	}
	if s.Locations < 500 || len(countries) < 30 || s.Measurements < 500_000 {
		t.Errorf("%d locations in %d countries, %d measurements", s.Locations, len(countries), s.Measurements)
	}
	if monitors == 0 || monitors == s.Locations || mobile == 0 {
		t.Errorf("%d monitors, %d mobile of %d", monitors, mobile, s.Locations)
	}
	for _, p := range []string{"pm25", "pm10"} {
		if !units[p][UnitUgM3] || units[p][UnitPPM] {
			t.Errorf("%s units %v, want µg/m³ only", p, units[p])
		}
	}
	for _, p := range []string{"o3", "no2", "so2", "co"} {
		if !units[p][UnitUgM3] || !units[p][UnitPPM] {
			t.Errorf("%s units %v, want both ppm and µg/m³", p, units[p])
		}
	}
	last := SlotTime(MeasurementSlots - 1)
	if last.Format(time.DateOnly) != "2026-09-30" || last.Sub(MeasurementStart) < 365*24*time.Hour {
		t.Errorf("series %v .. %v", MeasurementStart, last)
	}
	var sentinels int64
	for i := range d.Sensors {
		sentinels += int64(len(d.Sensors[i].sentinels))
	}
	if share := float64(sentinels) / float64(s.Measurements); share < 0.002 || share > 0.004 {
		t.Errorf("-999 share %.4f, want about 0.003", share)
	}
	mean := func(city string) float64 {
		c, _ := d.CityByName(city)
		set := d.Measurements(MeasurementFilter{Locations: LocationFilter{IDs: c.LocationIDs}, Parameters: []string{"pm25"}, MinQuality: 1})
		_, series := set.Series(ResMonthly)
		var sum float64
		var n int
		for _, p := range series[SeriesKey{"pm25", UnitUgM3}] {
			sum += p.Mean
			n++
		}
		return sum / float64(n)
	}
	if delhi, oslo := mean("Delhi"), mean("Oslo"); delhi < 8*oslo {
		t.Errorf("Delhi PM2.5 %.1f vs Oslo %.1f", delhi, oslo)
	}
	trends := map[string]int{}
	for _, c := range d.Cities {
		switch {
		case c.TrendPercentPerYear > 0:
			trends["up"]++
		case c.TrendPercentPerYear < 0:
			trends["down"]++
		default:
			trends["flat"]++
		}
	}
	if len(trends) != 3 {
		t.Errorf("trend groups %v", trends)
	}
}

func TestClimateTraceShape(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	if len(d.Sectors) != 26 || len(d.Assets) < 5000 {
		t.Fatalf("%d sectors, %d assets", len(d.Sectors), len(d.Assets))
	}
	for _, s := range d.Sectors {
		if s.AssetCount == 0 {
			t.Errorf("sector %s has no assets", s.Name)
		}
	}
	for i := range d.Assets {
		a := &d.Assets[i]
		if _, ok := d.CountryByISO3(a.CountryISO3); !ok {
			t.Fatalf("asset %d in unknown country %s", a.ID, a.CountryISO3)
		}
		// co2e_100yr is the sum of the gases weighted by their GWP.
		for m := a.FirstMonth; m <= a.LastMonth; m += 13 {
			q := func(g int) float64 {
				if !a.HasGas(g) {
					return 0
				}
				return d.Emission(EmissionRef{i, m, g}).Quantity
			}
			want := q(gasCO2) + gwp100CH4*q(gasCH4) + gwpN2O*q(gasN2O)
			if got := q(gasCO2e100); math.Abs(got-want) > 1e-6*math.Max(1, want) {
				t.Fatalf("asset %d month %d: co2e_100yr %f, gases give %f", a.ID, m, got, want)
			}
		}
	}
}

func TestEmissionPaging(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	set := d.Emissions(EmissionFilter{Assets: AssetFilter{CountryISO3: []string{"NZL"}}, Gases: []string{"ch4", "co2e_20yr"},
		From: new(time.Date(2023, 2, 15, 0, 0, 0, 0, time.UTC))})
	var fwd []EmissionRef
	var after int64
	for {
		page, more := set.After(after, 37)
		fwd = append(fwd, page...)
		if !more {
			break
		}
		after = page[len(page)-1].ID()
	}
	if int64(len(fwd)) != set.Count() || len(fwd) == 0 {
		t.Fatalf("forward %d rows, count %d", len(fwd), set.Count())
	}
	if !slices.IsSortedFunc(fwd, func(a, b EmissionRef) int { return int(a.ID() - b.ID()) }) {
		t.Error("forward rows not in id order")
	}
	for _, r := range fwd {
		if r.Month < CTMonthOf(time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)) || (Gases[r.Gas] != "ch4" && Gases[r.Gas] != "co2e_20yr") {
			t.Fatalf("row %+v outside the filter", r)
		}
	}
	// Walking back from past the end yields the same rows.
	var back []EmissionRef
	before := fwd[len(fwd)-1].ID() + 1
	for {
		page, more := set.Before(before, 41)
		back = append(page, back...)
		if !more {
			break
		}
		before = page[0].ID()
	}
	if !slices.Equal(fwd, back) {
		t.Errorf("backward walk differs: %d vs %d rows", len(back), len(fwd))
	}
	// The unified order covers the same rows.
	desc := set.PageByTimeDesc(0, len(fwd)+10)
	if len(desc) != len(fwd) {
		t.Errorf("time-ordered page %d rows, want %d", len(desc), len(fwd))
	}
	tot := set.Totals()
	var sum float64
	for _, r := range fwd {
		sum += d.Emission(r).CO2eTonne
	}
	if tot.RecordCount != int64(len(fwd)) || math.Abs(tot.TotalCO2e-sum) > 1e-6*sum {
		t.Errorf("totals %+v, rows %d sum %f", tot, len(fwd), sum)
	}
}

func TestMeasurementPaging(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	from, to := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 5, 3, 0, 0, 0, 0, time.UTC)
	set := d.Measurements(MeasurementFilter{Locations: LocationFilter{CountryISO2: []string{"PL", "CZ"}}, From: &from, To: &to})
	// Brute force: every reading of the set, in (time, sensor) order.
	var all []Ref
	for slot := 0; slot < MeasurementSlots; slot++ {
		ts := SlotTime(slot)
		if ts.Before(from) || ts.After(to) {
			continue
		}
		for _, si := range set.Sensors() {
			if s := &d.Sensors[si]; slot >= s.Start && slot < s.End() {
				all = append(all, Ref{si, slot})
			}
		}
	}
	if int64(len(all)) != set.Count() || len(all) == 0 {
		t.Fatalf("count %d, brute force %d", set.Count(), len(all))
	}
	for _, off := range []int{0, 7, len(all) - 5} {
		if got := set.PageByTime(off, 10, false); !slices.Equal(got, all[off:min(off+10, len(all))]) {
			t.Errorf("ascending page at %d differs", off)
		}
		rev := slices.Clone(all)
		slices.Reverse(rev)
		if got := set.PageByTime(off, 10, true); !slices.Equal(got, rev[off:min(off+10, len(rev))]) {
			t.Errorf("descending page at %d differs", off)
		}
	}
	byValue := slices.Clone(all)
	sort.SliceStable(byValue, func(i, j int) bool {
		vi, vj := d.Sensors[byValue[i].Sensor].Value(byValue[i].Slot), d.Sensors[byValue[j].Sensor].Value(byValue[j].Slot)
		if vi != vj {
			return vi < vj
		}
		return d.MeasurementID(byValue[i].Sensor, byValue[i].Slot) < d.MeasurementID(byValue[j].Sensor, byValue[j].Slot)
	})
	if got := set.PageByValue(3, 20, false); !slices.Equal(got, byValue[3:23]) {
		t.Error("value-ordered page differs")
	}
	// Parameter totals include the -999 sentinels, as the real backend does.
	full := d.Measurements(MeasurementFilter{Parameters: []string{"pm25"}})
	for _, pt := range full.ParameterTotals() {
		if pt.Minimum != SentinelValue {
			t.Errorf("pm25 totals minimum %v: sentinels not included", pt.Minimum)
		}
	}
}

func TestEdgarShape(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	if len(d.Countries) < 100 {
		t.Fatalf("%d EDGAR countries", len(d.Countries))
	}
	ghg := func(iso3 string) float64 {
		return d.EdgarValue(d.countryByISO3[iso3], 2022, egGHG, edgarTotalSector)
	}
	if !(ghg("CHN") > 2*ghg("USA") && ghg("USA") > ghg("IND") && ghg("IND") > ghg("DEU")) {
		t.Errorf("GHG 2022: CHN %.0f USA %.0f IND %.0f DEU %.0f", ghg("CHN"), ghg("USA"), ghg("IND"), ghg("DEU"))
	}
	for ci := range d.Countries {
		for _, y := range []int{2000, 2012, 2024} {
			for g := range EdgarGases {
				var sum float64
				for s := 0; s < edgarTotalSector; s++ {
					sum += d.EdgarValue(ci, y, g, s)
				}
				if total := d.EdgarValue(ci, y, g, edgarTotalSector); math.Abs(total-sum) > 0.01 {
					t.Fatalf("%s %d %s: TOTAL %f, sectors sum to %f", d.Countries[ci].ISO3, y, EdgarGases[g], total, sum)
				}
			}
			for s := 0; s < edgarTotalSector; s++ {
				v := func(g int) float64 { return d.EdgarValue(ci, y, g, s) }
				if want := v(egCO2) + ar5CH4*v(egCH4) + ar5N2O*v(egN2O); math.Abs(v(egGHG)-want) > 0.01 {
					t.Fatalf("GHG is not the GWP-weighted sum")
				}
			}
		}
	}
	for _, r := range d.EdgarRows {
		if r.Provisional != (r.Year == EdgarLastYear) {
			t.Fatalf("row %+v provisional flag", r)
		}
	}
	set := d.Grid(GridFilter{Years: []int{2024}, Gases: []string{"CO2"}})
	if set.Count() == 0 {
		t.Fatal("empty grid")
	}
	var got []GridRef
	var after int64
	for {
		page, more := set.After(after, 500)
		got = append(got, page...)
		if !more {
			break
		}
		after = page[len(page)-1].ID()
	}
	if int64(len(got)) != set.Count() || !slices.Equal(got[:50], set.Page(0, 50)) {
		t.Errorf("grid paging: %d rows, count %d", len(got), set.Count())
	}
}
