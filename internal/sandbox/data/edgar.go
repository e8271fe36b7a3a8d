package data

import (
	"math"
	"slices"
)

// EDGAR time frame: yearly national totals 2000-2024 (the last year a provisional fast-track
// estimate) and gridded emissions for GridYears.
const (
	EdgarFirstYear = 2000
	EdgarLastYear  = 2024
	edgarYears     = EdgarLastYear - EdgarFirstYear + 1
)

// GridYears are the years with 0.1° gridded emissions.
var GridYears = []int{2021, 2022, 2023, 2024}

// EdgarGases in the order rows enumerate them. GHG is CO2-equivalent (GWP-100, AR5).
var EdgarGases = []string{"CO2", "CH4", "N2O", "GHG"}

const (
	egCO2 = iota
	egCH4
	egN2O
	egGHG
)

// AR5 GWP-100, as EDGAR's GHG totals use.
const (
	ar5CH4 = 28
	ar5N2O = 265
)

// EdgarSector is an EDGAR sector code with the share of each gas it carries in a typical
// country; TOTAL is the sum of all others.
type EdgarSector struct {
	Code        string
	Description string
	shares      [3]float64 // CO2, CH4, N2O weights before normalisation
}

// edgarSectorTable lists the IPCC-style EDGAR sector codes. TOTAL comes last.
var edgarSectorTable = []EdgarSector{
	{"ENE", "Power industry", [3]float64{34, 1.5, 3}},
	{"IND", "Combustion for manufacturing", [3]float64{20, 0.8, 2}},
	{"TRO", "Road transportation", [3]float64{17, 0.5, 3}},
	{"TNR_Other", "Other transport (rail, pipelines, off-road)", [3]float64{2, 0, 0}},
	{"RCO", "Energy for buildings", [3]float64{10, 4, 1.5}},
	{"PRO", "Fuel exploitation (fugitive)", [3]float64{3, 30, 0}},
	{"NMM", "Non-metallic minerals (cement, lime, glass)", [3]float64{5, 0, 0}},
	{"CHE", "Chemical processes", [3]float64{3, 0.3, 8}},
	{"IRO", "Iron and steel processes", [3]float64{4, 0.2, 0}},
	{"AGS", "Agricultural soils", [3]float64{0.5, 5, 55}},
	{"ENF", "Enteric fermentation", [3]float64{0, 30, 0}},
	{"MNM", "Manure management", [3]float64{0, 6, 12}},
	{"AWB", "Agricultural waste burning", [3]float64{0, 1, 1}},
	{"SWD_LDF", "Solid waste landfills", [3]float64{0, 17, 0}},
	{"WWT", "Waste water handling", [3]float64{0, 7, 6}},
	{"TOTAL", "All sectors", [3]float64{}},
}

var edgarTotalSector = len(edgarSectorTable) - 1

// profileGas is the CO2e share of CO2, CH4 and N2O for each profile.
var profileGas = map[Profile][3]float64{
	ProfileMature:   {0.80, 0.12, 0.08},
	ProfileEmerging: {0.72, 0.20, 0.08},
	ProfileCoal:     {0.82, 0.13, 0.05},
	ProfileOil:      {0.70, 0.27, 0.03},
	ProfileAgri:     {0.45, 0.38, 0.17},
}

// profileSector boosts sectors typical of a profile.
var profileSector = map[Profile]map[string]float64{
	ProfileCoal:   {"ENE": 1.6, "IND": 1.5, "NMM": 1.6, "IRO": 1.8, "PRO": 1.3},
	ProfileOil:    {"PRO": 3, "ENE": 1.2, "TRO": 1.1},
	ProfileAgri:   {"ENF": 2.2, "AGS": 1.6, "MNM": 1.5, "AWB": 2, "ENE": 0.6, "IND": 0.7},
	ProfileMature: {"TRO": 1.3, "RCO": 1.3, "PRO": 0.6},
}

// profileGrowth is the yearly growth of national totals before and after 2012.
var profileGrowth = map[Profile][2]float64{
	ProfileMature:   {0.003, -0.015},
	ProfileEmerging: {0.04, 0.025},
	ProfileCoal:     {0.05, 0.015},
	ProfileOil:      {0.03, 0.01},
	ProfileAgri:     {0.02, 0.015},
}

// EdgarRow is one yearly national total.
type EdgarRow struct {
	ID          int
	Country     int // index into Dataset.Countries
	Year        int
	Gas         int // index into EdgarGases
	Sector      int // index into Dataset.EdgarSectors
	Value       float64
	Provisional bool
}

// GridCell is one 0.1° cell; its rows are kernels over the national totals of the places that
// cover it.
type GridCell struct {
	Lat, Lon float64 // cell centre
	contrib  []gridContribution
}

type gridContribution struct {
	country int
	weight  float64 // share of national emissions falling in this cell
}

// Grid rows per cell: years × gases × sectors.
var gridSectors = []string{"TOTAL", "ENE", "IND", "TRO", "RCO"}

const gridRowsPerCell = 4 * 4 * 5

func edgarIndex(country, yearIdx, gas, sector int) int {
	return ((country*edgarYears+yearIdx)*len(EdgarGases)+gas)*len(edgarSectorTable) + sector
}

func (d *Dataset) buildEdgar() {
	d.EdgarSectors = append([]EdgarSector(nil), edgarSectorTable...)
	nSec := len(edgarSectorTable)
	d.edgarDense = make([]float64, len(d.Countries)*edgarYears*len(EdgarGases)*nSec)
	// Countries in ISO-3 order, so ids read naturally in listings.
	order := make([]int, len(d.Countries))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if d.Countries[a].ISO3 < d.Countries[b].ISO3 {
			return -1
		}
		return 1
	})
	for _, ci := range order {
		c := d.Countries[ci]
		r := newRand(d.Seed, "edgar", ci)
		gasShare := profileGas[c.Profile]
		// Sector weights per gas, normalised, with a little national character.
		var shares [3][]float64
		for g := 0; g < 3; g++ {
			shares[g] = make([]float64, nSec-1)
			var sum float64
			for s := 0; s < nSec-1; s++ {
				w := edgarSectorTable[s].shares[g]
				if boost, ok := profileSector[c.Profile][edgarSectorTable[s].Code]; ok {
					w *= boost
				}
				w *= lognormal(r, 0.2)
				shares[g][s] = w
				sum += w
			}
			for s := range shares[g] {
				shares[g][s] /= sum
			}
		}
		// National GHG series anchored at 2022.
		growth := profileGrowth[c.Profile]
		if c.ISO3 == "CHN" {
			growth = [2]float64{0.08, 0.018}
		}
		level := make([]float64, edgarYears)
		lv := 0.0
		for y := 1; y < edgarYears; y++ {
			year := EdgarFirstYear + y
			g := growth[0]
			if year > 2012 {
				g = growth[1]
			}
			g += 0.01 * r.NormFloat64()
			switch year {
			case 2009:
				g -= 0.03
			case 2020:
				g -= 0.06
			case 2021:
				g += 0.045
			}
			lv += math.Log1p(g)
			level[y] = lv
		}
		anchor := level[2022-EdgarFirstYear]
		for y := 0; y < edgarYears; y++ {
			ghgKt := c.GHG2022 * 1000 * math.Exp(level[y]-anchor)
			var totals [4]float64
			for s := 0; s < nSec-1; s++ {
				jitter := 1 + 0.02*r.NormFloat64()
				co2 := round3(ghgKt * gasShare[0] * shares[0][s] * jitter)
				ch4 := round3(ghgKt * gasShare[1] * shares[1][s] * jitter / ar5CH4)
				n2o := round3(ghgKt * gasShare[2] * shares[2][s] * jitter / ar5N2O)
				ghg := round3(co2 + ar5CH4*ch4 + ar5N2O*n2o)
				for g, v := range [4]float64{co2, ch4, n2o, ghg} {
					d.edgarDense[edgarIndex(ci, y, g, s)] = v
					totals[g] += v
				}
			}
			for g := range totals {
				d.edgarDense[edgarIndex(ci, y, g, nSec-1)] = round3(totals[g])
			}
			for g := range EdgarGases {
				for s := 0; s < nSec; s++ {
					v := d.edgarDense[edgarIndex(ci, y, g, s)]
					if v == 0 {
						continue
					}
					d.EdgarRows = append(d.EdgarRows, EdgarRow{ID: len(d.EdgarRows) + 1, Country: ci,
						Year: EdgarFirstYear + y, Gas: g, Sector: s, Value: v,
						Provisional: EdgarFirstYear+y == EdgarLastYear})
				}
			}
		}
	}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// EdgarValue is the national value in kilotonnes for a country, year, gas and sector code.
func (d *Dataset) EdgarValue(country, year, gas, sector int) float64 {
	if year < EdgarFirstYear || year > EdgarLastYear {
		return 0
	}
	return d.edgarDense[edgarIndex(country, year-EdgarFirstYear, gas, sector)]
}

// EdgarSectorIndex returns the index of a sector code (case-sensitive), or -1.
func (d *Dataset) EdgarSectorIndex(code string) int {
	return slices.IndexFunc(d.EdgarSectors, func(s EdgarSector) bool { return s.Code == code })
}

// EdgarTotalSector is the index of the TOTAL sector.
func (d *Dataset) EdgarTotalSector() int { return edgarTotalSector }

func (d *Dataset) buildGrid() {
	type key struct{ lat, lon int }
	cells := map[key]*GridCell{}
	for pi := range d.Places {
		p := &d.Places[pi]
		// A city concentrates 1-9 % of national emissions, spread with a Gaussian kernel.
		share := 0.01 * float64(p.Size*p.Size)
		sigma := 0.12
		if p.Kind != KindCity {
			sigma = 0.2
		}
		cLat, cLon := int(math.Floor(p.Lat*10)), int(math.Floor(p.Lon*10))
		var ws []float64
		var ks []key
		var sum float64
		for dy := -3; dy <= 3; dy++ {
			for dx := -3; dx <= 3; dx++ {
				k := key{cLat + dy, cLon + dx}
				lat, lon := (float64(k.lat)+0.5)/10, (float64(k.lon)+0.5)/10
				dLat, dLon := lat-p.Lat, (lon-p.Lon)*math.Cos(p.Lat*math.Pi/180)
				w := math.Exp(-(dLat*dLat + dLon*dLon) / (2 * sigma * sigma))
				ws, ks = append(ws, w), append(ks, k)
				sum += w
			}
		}
		for i, k := range ks {
			c := cells[k]
			if c == nil {
				c = &GridCell{Lat: round6((float64(k.lat) + 0.5) / 10), Lon: round6((float64(k.lon) + 0.5) / 10)}
				cells[k] = c
			}
			c.contrib = append(c.contrib, gridContribution{country: p.Country, weight: share * ws[i] / sum})
		}
	}
	keys := make([]key, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.lat != b.lat {
			return a.lat - b.lat
		}
		return a.lon - b.lon
	})
	d.GridCells = make([]GridCell, len(keys))
	for i, k := range keys {
		d.GridCells[i] = *cells[k]
	}
}

// GridRef points at one grid row.
type GridRef struct {
	Cell, Year, Gas, Sector int // Year, Gas and Sector index GridYears, EdgarGases, gridSectors
}

// ID numbers grid rows cell by cell.
func (r GridRef) ID() int64 {
	return int64(r.Cell)*gridRowsPerCell + int64((r.Year*4+r.Gas)*5+r.Sector) + 1
}

func gridRefOf(id int64) GridRef {
	id--
	slot := int(id % gridRowsPerCell)
	return GridRef{Cell: int(id / gridRowsPerCell), Year: slot / 20, Gas: slot / 5 % 4, Sector: slot % 5}
}

// GridSectors are the sector codes the grid carries.
func GridSectors() []string { return slices.Clone(gridSectors) }

// GridRow is one materialised grid value.
type GridRow struct {
	ID        int64
	Lat, Lon  float64
	Year      int
	Gas       string
	Sector    string
	ValueTons float64
}

// GridRow materialises a grid row: national kilotonnes × 1000 × the cell's share.
func (d *Dataset) GridRow(r GridRef) GridRow {
	c := &d.GridCells[r.Cell]
	sector := d.EdgarSectorIndex(gridSectors[r.Sector])
	var v float64
	for _, k := range c.contrib {
		v += d.EdgarValue(k.country, GridYears[r.Year], r.Gas, sector) * 1000 * k.weight
	}
	return GridRow{ID: r.ID(), Lat: c.Lat, Lon: c.Lon, Year: GridYears[r.Year], Gas: EdgarGases[r.Gas],
		Sector: gridSectors[r.Sector], ValueTons: math.Round(v*100) / 100}
}

// GridFilter selects grid rows. Nil/empty fields match everything.
type GridFilter struct {
	Spatial Spatial
	Years   []int
	Gases   []string
	Sectors []string
}

// GridSet is a resolved grid filter.
type GridSet struct {
	d                  *Dataset
	cells              []int
	years, gases, secs []bool
}

// Grid resolves a grid filter.
func (d *Dataset) Grid(f GridFilter) GridSet {
	g := GridSet{d: d, years: make([]bool, len(GridYears)), gases: make([]bool, 4), secs: make([]bool, 5)}
	for i, y := range GridYears {
		g.years[i] = len(f.Years) == 0 || slices.Contains(f.Years, y)
	}
	for i, x := range EdgarGases {
		g.gases[i] = len(f.Gases) == 0 || slices.Contains(f.Gases, x)
	}
	for i, x := range gridSectors {
		g.secs[i] = len(f.Sectors) == 0 || slices.Contains(f.Sectors, x)
	}
	for i := range d.GridCells {
		c := &d.GridCells[i]
		if f.Spatial.Match(c.Lon, c.Lat) {
			g.cells = append(g.cells, i)
		}
	}
	return g
}

// Cells are the indices of matching cells.
func (g GridSet) Cells() []int { return g.cells }

func (g GridSet) match(y, gas, s int) bool { return g.years[y] && g.gases[gas] && g.secs[s] }

// After returns up to n rows with id greater than after in id order and whether more follow.
func (g GridSet) After(after int64, n int) ([]GridRef, bool) {
	startCell, startSlot := 0, 0
	if after > 0 {
		r := gridRefOf(after)
		startCell, startSlot = r.Cell, (r.Year*4+r.Gas)*5+r.Sector+1
	}
	k, _ := slices.BinarySearch(g.cells, startCell)
	var out []GridRef
	for ; k < len(g.cells); k++ {
		ci := g.cells[k]
		slot0 := 0
		if ci == startCell {
			slot0 = startSlot
		}
		for slot := slot0; slot < gridRowsPerCell; slot++ {
			y, gas, s := slot/20, slot/5%4, slot%5
			if !g.match(y, gas, s) {
				continue
			}
			if len(out) == n {
				return out, true
			}
			out = append(out, GridRef{ci, y, gas, s})
		}
	}
	return out, false
}

// Before returns up to n rows with id less than before, in id order, and whether more precede.
func (g GridSet) Before(before int64, n int) ([]GridRef, bool) {
	r := gridRefOf(before)
	endCell, endSlot := r.Cell, (r.Year*4+r.Gas)*5+r.Sector-1
	k, found := slices.BinarySearch(g.cells, endCell)
	if !found {
		k--
	}
	var out []GridRef
	more := false
scan:
	for ; k >= 0; k-- {
		ci := g.cells[k]
		slot0 := gridRowsPerCell - 1
		if ci == endCell {
			slot0 = endSlot
		}
		for slot := slot0; slot >= 0; slot-- {
			y, gas, s := slot/20, slot/5%4, slot%5
			if !g.match(y, gas, s) {
				continue
			}
			if len(out) == n {
				more = true
				break scan
			}
			out = append(out, GridRef{ci, y, gas, s})
		}
	}
	slices.Reverse(out)
	return out, more
}

// Count is the number of rows in the set.
func (g GridSet) Count() int64 {
	per := 0
	for slot := 0; slot < gridRowsPerCell; slot++ {
		if g.match(slot/20, slot/5%4, slot%5) {
			per++
		}
	}
	return int64(per) * int64(len(g.cells))
}

// Page returns rows [offset, offset+limit) in id order.
func (g GridSet) Page(offset, limit int) []GridRef {
	var slots []int
	for slot := 0; slot < gridRowsPerCell; slot++ {
		if g.match(slot/20, slot/5%4, slot%5) {
			slots = append(slots, slot)
		}
	}
	if len(slots) == 0 {
		return nil
	}
	var out []GridRef
	for i := offset; i < offset+limit; i++ {
		k := i / len(slots)
		if k >= len(g.cells) {
			break
		}
		slot := slots[i%len(slots)]
		out = append(out, GridRef{g.cells[k], slot / 20, slot / 5 % 4, slot % 5})
	}
	return out
}
