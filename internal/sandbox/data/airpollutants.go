package data

import (
	"math"
	"slices"
	"strings"
	"time"
)

// EDGAR air pollutants, temporal profiles and the fast-track table. Air-pollutant totals are
// derived from the GHG totals of the same country, year and sector with emission factors, so they
// follow the same economies; nothing is stored: a row is a pure function of its id.

// AirPollutants are the EDGAR air pollutants, in the order row ids enumerate them.
var AirPollutants = []string{"NOx", "SO2", "CO", "NMVOC", "NH3", "PM10", "PM2.5", "BC", "OC"}

// Air-pollutant years: EDGAR's air-pollutant release lags the GHG one.
const (
	APFirstYear = 2000
	APLastYear  = 2022
	apYears     = APLastYear - APFirstYear + 1
)

// APGridYears are the years of the gridded air-pollutant emissions.
var APGridYears = []int{2020, 2021, 2022}

// APIngested is when the air-pollutant release was loaded.
var APIngested = time.Date(2025, 11, 14, 3, 12, 0, 0, time.UTC)

// apFactors gives, per sector code, the gas whose national value a pollutant is proportional to
// (index into EdgarGases) and the kilotonnes of each pollutant per kilotonne of it.
var apFactors = map[string]struct {
	base int
	ef   [9]float64 // NOx, SO2, CO, NMVOC, NH3, PM10, PM2.5, BC, OC
}{
	"ENE":       {egCO2, [9]float64{2.0e-3, 3.0e-3, 0.3e-3, 0.05e-3, 0.01e-3, 0.35e-3, 0.2e-3, 0.005e-3, 0.01e-3}},
	"IND":       {egCO2, [9]float64{2.2e-3, 3.2e-3, 5e-3, 0.4e-3, 0.02e-3, 0.8e-3, 0.5e-3, 0.04e-3, 0.05e-3}},
	"TRO":       {egCO2, [9]float64{8e-3, 0.1e-3, 30e-3, 5e-3, 0.15e-3, 0.45e-3, 0.3e-3, 0.15e-3, 0.06e-3}},
	"TNR_Other": {egCO2, [9]float64{15e-3, 2e-3, 4e-3, 1e-3, 0.01e-3, 0.6e-3, 0.5e-3, 0.2e-3, 0.08e-3}},
	"RCO":       {egCO2, [9]float64{1e-3, 2e-3, 40e-3, 6e-3, 0.2e-3, 9e-3, 8e-3, 1e-3, 3e-3}},
	"PRO":       {egCH4, [9]float64{0.02, 0.05, 0.03, 0.5, 0, 0.004, 0.002, 0.0005, 0.0005}},
	"NMM":       {egCO2, [9]float64{1.5e-3, 0.7e-3, 1e-3, 0.05e-3, 0.01e-3, 0.8e-3, 0.3e-3, 0.01e-3, 0.02e-3}},
	"CHE":       {egCO2, [9]float64{1e-3, 1e-3, 2e-3, 5e-3, 0.5e-3, 0.1e-3, 0.06e-3, 0.005e-3, 0.01e-3}},
	"IRO":       {egCO2, [9]float64{0.8e-3, 1e-3, 20e-3, 0.3e-3, 0, 0.8e-3, 0.5e-3, 0.01e-3, 0.02e-3}},
	"AGS":       {egN2O, [9]float64{2, 0, 0, 0.5, 25, 0.3, 0.05, 0, 0}},
	"ENF":       {egCH4, [9]float64{0, 0, 0, 0, 0, 0, 0, 0, 0}},
	"MNM":       {egN2O, [9]float64{0.5, 0, 0, 3, 60, 0.4, 0.1, 0, 0}},
	"AWB":       {egCH4, [9]float64{1.5, 0.3, 25, 3, 0.4, 3.5, 3, 0.3, 1.5}},
	"SWD_LDF":   {egCH4, [9]float64{0, 0, 0.01, 0.05, 0.01, 0, 0, 0, 0}},
	"WWT":       {egCH4, [9]float64{0, 0, 0, 0.01, 0.05, 0, 0, 0, 0}},
}

type apFactor struct {
	base int
	ef   [9]float64
}

// apBySector is apFactors by index into edgarSectorTable.
var apBySector = func() []apFactor {
	out := make([]apFactor, len(edgarSectorTable))
	for i, s := range edgarSectorTable {
		if f, ok := apFactors[s.Code]; ok {
			out[i] = apFactor{base: f.base, ef: f.ef}
		}
	}
	return out
}()

// apProfile scales a pollutant for a country's profile: mature economies clean their flue gas
// and vehicles, coal economies less so, and mature countries keep improving (per year since 2000).
func apProfile(p Profile, gas, year int) float64 {
	f := 1.0
	switch p {
	case ProfileMature:
		f = [9]float64{0.7, 0.35, 0.6, 0.7, 1, 0.5, 0.45, 0.5, 0.6}[gas]
		f *= math.Pow([9]float64{0.96, 0.93, 0.96, 0.97, 0.995, 0.97, 0.97, 0.96, 0.97}[gas], float64(year-APFirstYear))
	case ProfileCoal:
		f = [9]float64{1.2, 1.6, 1.3, 1.1, 1, 1.8, 1.9, 1.6, 1.5}[gas]
		f *= math.Pow([9]float64{0.99, 0.98, 0.99, 1, 1, 0.985, 0.985, 0.985, 0.99}[gas], float64(year-APFirstYear))
	case ProfileAgri:
		f = [9]float64{0.9, 0.8, 1.4, 1.2, 1.3, 1.5, 1.6, 1.5, 1.8}[gas]
	}
	return f
}

// apProfiles tabulates apProfile.
var apProfiles = func() (t [5][9][apYears]float64) {
	for p := range t {
		for g := range t[p] {
			for y := range t[p][g] {
				t[p][g][y] = apProfile(Profile(p), g, APFirstYear+y)
			}
		}
	}
	return t
}()

// AirPollutantValue is the national emissions in kilotonnes of pollutant gas (index into
// AirPollutants) for a country, year and sector index (TOTAL sums the others).
func (d *Dataset) AirPollutantValue(country, year, gas, sector int) float64 {
	if year < APFirstYear || year > APLastYear {
		return 0
	}
	if sector == edgarTotalSector {
		var sum float64
		for s := range d.EdgarSectors[:edgarTotalSector] {
			sum += d.AirPollutantValue(country, year, gas, s)
		}
		return round3(sum)
	}
	f := apBySector[sector]
	if f.ef[gas] == 0 {
		return 0
	}
	base := d.EdgarValue(country, year, f.base, sector)
	return round3(base * f.ef[gas] * apProfiles[d.Countries[country].Profile][gas][year-APFirstYear])
}

// APRef points at one air-pollutant total: ids enumerate countries in ISO-3 order, then years,
// pollutants and sectors.
type APRef struct{ Rank, Year, Gas, Sector int }

const apSectors = 16 // len(edgarSectorTable)

// ID is the row's id.
func (r APRef) ID() int64 {
	return int64(((r.Rank*apYears+r.Year)*len(AirPollutants)+r.Gas)*apSectors+r.Sector) + 1
}

func apRefOf(id int64) APRef {
	id--
	s := int(id % apSectors)
	id /= apSectors
	g := int(id % int64(len(AirPollutants)))
	id /= int64(len(AirPollutants))
	return APRef{Rank: int(id / apYears), Year: int(id % apYears), Gas: g, Sector: s}
}

// APFilter selects air-pollutant totals; empty fields match everything.
type APFilter struct {
	Countries []int // country indices
	Year      *int
	Gas       int // -1 for all
	Sector    int // -1 for all
}

// APSet is a resolved air-pollutant filter.
type APSet struct {
	d       *Dataset
	ranks   []int // Climate TRACE-style ISO-3 ranks (0-based) of the matching countries, ascending
	f       APFilter
	yearLo  int
	yearHi  int
	gases   []int
	sectors []int
}

// AirPollutants resolves a filter.
func (d *Dataset) AirPollutants(f APFilter) APSet {
	s := APSet{d: d, f: f, yearLo: 0, yearHi: apYears - 1}
	if len(f.Countries) == 0 {
		for r := range d.Countries {
			s.ranks = append(s.ranks, r)
		}
	} else {
		for _, ci := range f.Countries {
			s.ranks = append(s.ranks, d.ctIDs[ci]-1)
		}
		slices.Sort(s.ranks)
		s.ranks = slices.Compact(s.ranks)
	}
	if f.Year != nil {
		s.yearLo, s.yearHi = *f.Year-APFirstYear, *f.Year-APFirstYear
	}
	for g := range AirPollutants {
		if f.Gas < 0 || f.Gas == g {
			s.gases = append(s.gases, g)
		}
	}
	for sec := 0; sec < apSectors; sec++ {
		if f.Sector < 0 || f.Sector == sec {
			s.sectors = append(s.sectors, sec)
		}
	}
	return s
}

// Value is the row's value in kilotonnes.
func (s APSet) Value(r APRef) float64 {
	return s.d.AirPollutantValue(s.d.ctByID[r.Rank], APFirstYear+r.Year, r.Gas, r.Sector)
}

// Country is the country index of a row.
func (s APSet) Country(r APRef) int { return s.d.ctByID[r.Rank] }

// each visits the set's rows with a value in id order from start (inclusive) until visit
// returns false.
func (s APSet) each(start APRef, visit func(APRef) bool) {
	k, _ := slices.BinarySearch(s.ranks, start.Rank)
	first := true
	for ; k < len(s.ranks); k++ {
		rank := s.ranks[k]
		for y := max(s.yearLo, 0); y <= min(s.yearHi, apYears-1); y++ {
			for _, g := range s.gases {
				for _, sec := range s.sectors {
					r := APRef{rank, y, g, sec}
					if first && rank == start.Rank && r.ID() < start.ID() {
						continue
					}
					if s.Value(r) == 0 {
						continue
					}
					if !visit(r) {
						return
					}
				}
			}
		}
		first = false
	}
}

// After returns up to n rows with id greater than after, and whether more follow.
func (s APSet) After(after int64, n int) ([]APRef, bool) {
	start := APRef{}
	if after > 0 {
		start = apRefOf(after + 1)
	}
	var out []APRef
	more := false
	s.each(start, func(r APRef) bool {
		if len(out) == n {
			more = true
			return false
		}
		out = append(out, r)
		return true
	})
	return out, more
}

// Before returns up to n rows with id less than before, in id order, and whether more precede.
func (s APSet) Before(before int64, n int) ([]APRef, bool) {
	var all []APRef
	s.each(APRef{}, func(r APRef) bool {
		if r.ID() >= before {
			return false
		}
		all = append(all, r)
		return true
	})
	if len(all) > n {
		return all[len(all)-n:], true
	}
	return all, false
}

// All returns every row of the set (for orderings other than by id).
func (s APSet) All() []APRef {
	var out []APRef
	s.each(APRef{}, func(r APRef) bool { out = append(out, r); return true })
	return out
}

// AirPollutantIndex returns the index of a pollutant name, case-insensitively, or -1.
func AirPollutantIndex(name string) int {
	return slices.IndexFunc(AirPollutants, func(p string) bool { return strings.EqualFold(p, name) })
}

// APGridRef points at one gridded air-pollutant row: cell, year (index into APGridYears),
// pollutant and grid sector (index into gridSectors).
type APGridRef struct{ Cell, Year, Gas, Sector int }

const apGridRowsPerCell = 3 * 9 * 5

// ID numbers the rows cell by cell.
func (r APGridRef) ID() int64 {
	return int64(r.Cell)*apGridRowsPerCell + int64((r.Year*9+r.Gas)*5+r.Sector) + 1
}

func apGridRefOf(id int64) APGridRef {
	id--
	slot := int(id % apGridRowsPerCell)
	return APGridRef{Cell: int(id / apGridRowsPerCell), Year: slot / 45, Gas: slot / 5 % 9, Sector: slot % 5}
}

// APGridRow is one materialised gridded value.
type APGridRow struct {
	ID          int64
	Lat, Lon    float64
	Year        int
	Gas, Sector string
	Tonnes      float64
}

// APGridRow materialises a row: national kilotonnes × 1000 × the cell's share, as the GHG grid.
func (d *Dataset) APGridRow(r APGridRef) APGridRow {
	c := &d.GridCells[r.Cell]
	sector := d.EdgarSectorIndex(gridSectors[r.Sector])
	var v float64
	for _, k := range c.contrib {
		v += d.AirPollutantValue(k.country, APGridYears[r.Year], r.Gas, sector) * 1000 * k.weight
	}
	return APGridRow{ID: r.ID(), Lat: c.Lat, Lon: c.Lon, Year: APGridYears[r.Year], Gas: AirPollutants[r.Gas],
		Sector: gridSectors[r.Sector], Tonnes: math.Round(v*100) / 100}
}

// APGridFilter selects gridded rows.
type APGridFilter struct {
	Spatial Spatial
	Years   []int // empty: all
	Gas     int   // -1: all
	Sectors []string
}

// APGridSet is a resolved gridded filter.
type APGridSet struct {
	d                  *Dataset
	cells              []int
	years, gases, secs []bool
}

// APGrid resolves a gridded filter.
func (d *Dataset) APGrid(f APGridFilter) APGridSet {
	g := APGridSet{d: d, years: make([]bool, len(APGridYears)), gases: make([]bool, 9), secs: make([]bool, 5)}
	for i, y := range APGridYears {
		g.years[i] = len(f.Years) == 0 || slices.Contains(f.Years, y)
	}
	for i := range g.gases {
		g.gases[i] = f.Gas < 0 || f.Gas == i
	}
	for i, x := range gridSectors {
		g.secs[i] = len(f.Sectors) == 0 || slices.Contains(f.Sectors, x)
	}
	for i := range d.GridCells {
		if c := &d.GridCells[i]; f.Spatial.Match(c.Lon, c.Lat) {
			g.cells = append(g.cells, i)
		}
	}
	return g
}

func (g APGridSet) match(slot int) bool {
	return g.years[slot/45] && g.gases[slot/5%9] && g.secs[slot%5]
}

// After returns up to n rows with id greater than after in id order, and whether more follow.
func (g APGridSet) After(after int64, n int) ([]APGridRef, bool) {
	startCell, startSlot := 0, 0
	if after > 0 {
		r := apGridRefOf(after)
		startCell, startSlot = r.Cell, (r.Year*9+r.Gas)*5+r.Sector+1
	}
	k, _ := slices.BinarySearch(g.cells, startCell)
	var out []APGridRef
	for ; k < len(g.cells); k++ {
		ci := g.cells[k]
		slot0 := 0
		if ci == startCell {
			slot0 = startSlot
		}
		for slot := slot0; slot < apGridRowsPerCell; slot++ {
			if !g.match(slot) {
				continue
			}
			if len(out) == n {
				return out, true
			}
			out = append(out, APGridRef{ci, slot / 45, slot / 5 % 9, slot % 5})
		}
	}
	return out, false
}

// Before returns up to n rows with id less than before, in id order, and whether more precede.
func (g APGridSet) Before(before int64, n int) ([]APGridRef, bool) {
	r := apGridRefOf(before)
	endCell, endSlot := r.Cell, (r.Year*9+r.Gas)*5+r.Sector-1
	k, found := slices.BinarySearch(g.cells, endCell)
	if !found {
		k--
	}
	var out []APGridRef
	more := false
scan:
	for ; k >= 0; k-- {
		ci := g.cells[k]
		slot0 := apGridRowsPerCell - 1
		if ci == endCell {
			slot0 = endSlot
		}
		for slot := slot0; slot >= 0; slot-- {
			if !g.match(slot) {
				continue
			}
			if len(out) == n {
				more = true
				break scan
			}
			out = append(out, APGridRef{ci, slot / 45, slot / 5 % 9, slot % 5})
		}
	}
	slices.Reverse(out)
	return out, more
}

// All returns every row of the set, in id order.
func (g APGridSet) All() []APGridRef {
	var out []APGridRef
	for _, ci := range g.cells {
		for slot := 0; slot < apGridRowsPerCell; slot++ {
			if g.match(slot) {
				out = append(out, APGridRef{ci, slot / 45, slot / 5 % 9, slot % 5})
			}
		}
	}
	return out
}

// TemporalProfile is one factor of EDGAR's temporal profiles.
type TemporalProfile struct {
	ID                   int
	Sector               string
	Level                string // monthly, weekly, hourly
	Month, Weekday, Hour *int
	Factor               float64
}

// TemporalProfiles lists the monthly, weekly and hourly factors of every sector (mean 1 over
// each profile), sector by sector.
func (d *Dataset) TemporalProfiles() []TemporalProfile {
	var out []TemporalProfile
	for _, s := range d.EdgarSectors[:edgarTotalSector] {
		monthly := make([]float64, 12)
		for m := range monthly {
			c := math.Cos(2 * math.Pi * float64(m) / 12) // peaks in January
			switch s.Code {
			case "RCO":
				monthly[m] = 1 + 0.45*c
			case "ENE":
				monthly[m] = 1 + 0.12*c + 0.06*math.Cos(4*math.Pi*float64(m)/12)
			case "AGS", "MNM":
				monthly[m] = 1 + 0.35*math.Cos(2*math.Pi*float64(m-4)/12)
			case "AWB":
				monthly[m] = 1 + 0.8*math.Cos(2*math.Pi*float64(m-9)/12)
			default:
				monthly[m] = 1 + 0.04*c
			}
		}
		weekly := []float64{1, 1, 1, 1, 1, 1, 1}
		switch s.Code {
		case "TRO":
			weekly = []float64{1.06, 1.06, 1.06, 1.06, 1.08, 0.88, 0.8}
		case "IND", "NMM", "CHE", "IRO":
			weekly = []float64{1.08, 1.08, 1.08, 1.08, 1.06, 0.86, 0.76}
		case "ENE":
			weekly = []float64{1.03, 1.03, 1.03, 1.03, 1.02, 0.94, 0.92}
		}
		hourly := make([]float64, 24)
		for h := range hourly {
			switch s.Code {
			case "TRO":
				hourly[h] = 0.35 + math.Exp(-math.Pow(float64(h-8)/2, 2)) + math.Exp(-math.Pow(float64(h-18)/2.5, 2))
			case "RCO":
				hourly[h] = 0.5 + 0.8*math.Exp(-math.Pow(float64(h-7)/2, 2)) + math.Exp(-math.Pow(float64(h-19)/3, 2))
			case "ENE", "IND":
				hourly[h] = 0.8 + 0.4*math.Exp(-math.Pow(float64(h-14)/5, 2))
			default:
				hourly[h] = 1
			}
		}
		for _, p := range []struct {
			level string
			v     []float64
			first int
		}{{"monthly", monthly, 1}, {"weekly", weekly, 1}, {"hourly", hourly, 0}} {
			var mean float64
			for _, f := range p.v {
				mean += f
			}
			mean /= float64(len(p.v))
			for i, f := range p.v {
				tp := TemporalProfile{ID: len(out) + 1, Sector: s.Code, Level: p.level, Factor: math.Round(f/mean*10000) / 10000}
				k := i + p.first
				switch p.level {
				case "monthly":
					tp.Month = &k
				case "weekly":
					tp.Weekday = &k
				default:
					tp.Hour = &k
				}
				out = append(out, tp)
			}
		}
	}
	return out
}
