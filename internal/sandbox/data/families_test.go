package data

import (
	"math"
	"slices"
	"testing"
	"time"
)

// Tests of the tables added for Jana's 2026 clients: each is checked against the tables it is
// derived from, so the API's answers agree with one another.

func TestEveryCountryHasAPopulation(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	for _, c := range d.Countries {
		if population2022[c.ISO3] == 0 {
			t.Errorf("%s has no population", c.ISO3)
		}
	}
}

func TestSensorAggregatesAreTheReadings(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	for _, si := range []int{0, 7, len(d.Sensors) / 2, len(d.Sensors) - 1} {
		s := &d.Sensors[si]
		for _, p := range []Period{PeriodHour, PeriodDay, PeriodMonth, PeriodYear} {
			aggs := d.SensorAggregates(si, p, nil, nil)
			if len(aggs) == 0 {
				t.Fatalf("sensor %d: no aggregates for period %d", s.ID, p)
			}
			valid := 0
			for _, a := range aggs {
				var sum float64
				n := 0
				lo, hi := SlotAtOrAfter(a.Start), SlotAtOrBefore(a.End.Add(-time.Nanosecond))
				for slot := max(lo, s.Start); slot <= min(hi, s.End()-1); slot++ {
					if !s.IsSentinel(slot) {
						sum += s.Value(slot)
						n++
					}
				}
				if n != a.Count || math.Abs(sum/float64(n)-a.Mean) > 1e-9 {
					t.Fatalf("sensor %d period %d at %s: count %d mean %g, readings give %d and %g", s.ID, p, a.Start, a.Count, a.Mean, n, sum/float64(n))
				}
				valid += n
			}
			if want := s.Len() - s.SentinelCount(s.Start, s.End()-1); valid != want {
				t.Errorf("sensor %d period %d: aggregates hold %d valid readings, the sensor has %d", s.ID, p, valid, want)
			}
		}
		// A date range keeps the periods that start within it.
		from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
		days := d.SensorAggregates(si, PeriodDay, &from, &to)
		for _, a := range days {
			if a.Start.Before(from) || a.Start.After(to) {
				t.Errorf("day %s outside %s..%s", a.Start, from, to)
			}
		}
		if s.Start <= SlotAtOrAfter(from) && s.End() > SlotAtOrAfter(to) && len(days) != 3 {
			t.Errorf("sensor %d: %d days in 1-3 March 2026, want 3", s.ID, len(days))
		}
	}
}

func TestLEIs(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	seen := map[string]bool{}
	for _, e := range d.Entities {
		if !ValidLEI(e.LEI) || !ValidLEI(e.LOU) {
			t.Errorf("%s (%s): invalid LEI or LOU %s", e.LEI, e.Name, e.LOU)
		}
		if seen[e.LEI] {
			t.Errorf("duplicate LEI %s", e.LEI)
		}
		seen[e.LEI] = true
	}
	if ValidLEI("529900T8BM49AURSDO55") != true || ValidLEI("529900T8BM49AURSDO56") {
		t.Error("ValidLEI does not check the MOD 97-10 digits") // the first is a real LEI
	}
}

func TestOwnershipHangsTogether(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	shares := map[int]float64{}
	owned := map[int]bool{}
	for _, m := range d.Matches {
		a := &d.Assets[m.Asset]
		if lineOf(d.Sectors[a.Sector].Name) < 0 {
			t.Fatalf("match %d: asset %d of sector %s has no corporate owners", m.ID, a.ID, d.Sectors[a.Sector].Name)
		}
		switch m.Relationship {
		case "owner":
			shares[m.Asset] += *m.Share
			owned[m.Asset] = true
			if m.Entity >= 0 && d.Entities[m.Entity].Country != a.Country && d.Entities[m.Entity].Category != "FUND" {
				t.Errorf("match %d: %s owns an asset in %s", m.ID, d.Entities[m.Entity].Name, a.CountryISO3)
			}
		case "parent":
			var owner int = -1
			for _, o := range d.Matches {
				if o.Asset == m.Asset && o.Relationship == "owner" && o.Entity >= 0 && d.Entities[o.Entity].UltimateParent == m.Entity {
					owner = o.Entity
				}
			}
			if owner < 0 {
				t.Errorf("match %d: parent %s is no owner's ultimate parent", m.ID, d.Entities[m.Entity].Name)
			}
		}
		if m.Entity < 0 && (m.Method != "unmatched" || m.Confidence != 0) {
			t.Errorf("match %d: no entity but method %s", m.ID, m.Method)
		}
	}
	for ai, s := range shares {
		if math.Abs(s-100) > 1e-9 {
			t.Errorf("asset %d: owners' shares add up to %g", d.Assets[ai].ID, s)
		}
	}
	if len(owned) < len(d.Assets)/3 {
		t.Errorf("only %d of %d assets have owners", len(owned), len(d.Assets))
	}
	for i, e := range d.Entities {
		if (e.DirectParent < 0) == (e.DirectReason == "") && e.Category != "BRANCH" {
			t.Errorf("%s: a parent and an exception, or neither", e.Name)
		}
		if e.DirectParent >= 0 && d.Entities[e.UltimateParent].UltimateParent >= 0 {
			t.Errorf("%s: ultimate parent %s has a parent", e.Name, d.Entities[e.UltimateParent].Name)
		}
		if e.DirectParent == i {
			t.Errorf("%s is its own parent", e.Name)
		}
	}
}

func TestGlobalCarbonProjectClosesOnEdgar(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	total := d.EdgarSectorIndex("TOTAL")
	for _, n := range d.GCP.National {
		edgar := d.EdgarValue(n.Country, n.Year, egCO2, total) / 1000
		if edgar > 1 && math.Abs(n.Territorial/edgar-1) > 0.15 {
			t.Errorf("%s %d: GCP %g MtCO2 against EDGAR %g", d.Countries[n.Country].ISO3, n.Year, n.Territorial, edgar)
		}
	}
	for _, f := range d.GCP.Fuels {
		var sum float64
		for _, n := range d.GCP.National {
			if n.Year == f.Year && n.Release == f.Release {
				sum += n.Territorial
			}
		}
		if math.Abs(f.Sum-sum) > 0.05 || math.Abs(f.Coal+f.Oil+f.Gas+f.Cement+f.Flaring+f.Other-f.Sum) > 0.01 {
			t.Errorf("%d: fuels %g, nations %g", f.Year, f.Sum, sum)
		}
	}
	for i, b := range d.GCP.Budgets {
		if math.Abs(b.Fossil-d.GCP.Fuels[i].Sum/1000) > 0.001 {
			t.Errorf("%d: budget fossil %g, fuels %g Mt", b.Year, b.Fossil, d.GCP.Fuels[i].Sum)
		}
	}
	for _, m := range d.GCP.Methane {
		var ch4 float64
		for ci := range d.Countries {
			ch4 += d.EdgarValue(ci, m.Year, egCH4, total) / 1000
		}
		if math.Abs(m.Fossil+m.AgriWaste-ch4) > 0.5 {
			t.Errorf("%d: methane fossil+agri %g Tg, EDGAR CH4 %g", m.Year, m.Fossil+m.AgriWaste, ch4)
		}
		if math.Abs(m.Sources()-m.Sinks()-m.Atmosphere) > 0.01 {
			t.Errorf("%d: the methane budget does not close", m.Year)
		}
	}
}

func TestAirPollutantTotalsAddUp(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	ind, _ := d.CountryIndex("IND")
	for g := range AirPollutants {
		var sum float64
		for s := 0; s < edgarTotalSector; s++ {
			sum += d.AirPollutantValue(ind, 2020, g, s)
		}
		if tot := d.AirPollutantValue(ind, 2020, g, edgarTotalSector); math.Abs(tot-sum) > 0.01 || tot <= 0 {
			t.Errorf("%s: TOTAL %g, sectors %g", AirPollutants[g], tot, sum)
		}
	}
	set := d.AirPollutants(APFilter{Countries: []int{ind}, Gas: -1, Sector: -1})
	all := set.All()
	page, more := set.After(0, 50)
	if !more || !slices.Equal(page, all[:50]) {
		t.Error("After does not page the set in id order")
	}
	back, _ := set.Before(all[60].ID(), 10)
	if !slices.Equal(back, all[50:60]) {
		t.Error("Before does not page back in id order")
	}
}

func TestTemporalProfilesAverageOne(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	sums, counts := map[string]float64{}, map[string]int{}
	for _, p := range d.TemporalProfiles() {
		sums[p.Sector+p.Level] += p.Factor
		counts[p.Sector+p.Level]++
	}
	for k, s := range sums {
		if mean := s / float64(counts[k]); math.Abs(mean-1) > 0.001 {
			t.Errorf("%s: mean factor %g", k, mean)
		}
	}
}

func TestStormsInTheirStatesAndYears(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	for i, e := range d.Storms {
		s := usStates[e.State]
		if e.BeginLat < s.MinLat || e.BeginLat > s.MaxLat || e.BeginLon < s.MinLon || e.BeginLon > s.MaxLon {
			t.Errorf("event %d outside %s", e.ID, s.Name)
		}
		if y := e.Begin.Year(); y < StormFirstYear || y > StormLastYear || e.End.Before(e.Begin) {
			t.Errorf("event %d: %s..%s", e.ID, e.Begin, e.End)
		}
		if i > 0 && (e.ID <= d.Storms[i-1].ID || e.Begin.Before(d.Storms[i-1].Begin)) {
			t.Errorf("event %d: ids do not follow time", e.ID)
		}
	}
}

func TestAdminAreasHoldTheirAssetsAndStations(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	for i := range d.Assets {
		a := &d.Assets[i]
		country, _ := d.AdminAreaByID(a.CountryISO3)
		if !country.Contains(a.Lon, a.Lat) {
			t.Errorf("asset %d lies outside %s's area", a.ID, a.CountryISO3)
		}
	}
	for i := range d.Locations {
		l := &d.Locations[i]
		found := false
		for _, area := range d.AdminAreas() {
			if area.Level == 1 && area.Name == d.Cities[l.City].Name && area.Contains(l.Lon, l.Lat) {
				found = true
			}
		}
		if !found {
			t.Errorf("station %d lies outside %s's area", l.ID, d.Cities[l.City].Name)
		}
	}
}

func TestPeriodsPoolTheSensorAggregates(t *testing.T) {
	t.Parallel()
	d := testDataset(t)
	loc := &d.Locations[10]
	set := d.Measurements(MeasurementFilter{Locations: LocationFilter{IDs: []int{loc.ID}}})
	for _, p := range []Period{PeriodHour, PeriodDay, PeriodMonth} {
		got := map[SeriesKey]map[time.Time]PeriodStats{}
		for _, ps := range set.Periods(p) {
			if got[ps.Key] == nil {
				got[ps.Key] = map[time.Time]PeriodStats{}
			}
			got[ps.Key][ps.Start] = ps
		}
		for _, si := range loc.Sensors {
			s := &d.Sensors[si]
			for _, a := range d.SensorAggregates(si, p, nil, nil) {
				ps := got[SeriesKey{s.Parameter, s.Unit}][a.Start]
				if ps.Locations != 1 || ps.Count != a.Count || math.Abs(ps.Mean-a.Mean) > 1e-9 || ps.Min != a.Min || ps.Max != a.Max {
					t.Fatalf("period %d at %s: pooled %+v, the sensor's aggregate %+v", p, a.Start, ps, a)
				}
			}
		}
	}
}
