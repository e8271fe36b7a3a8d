package data

import (
	"math"
	"slices"
)

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
	// MinValue keeps rows emitting at least this many tonnes (the list endpoints only).
	MinValue *float64
}

// GridSet is a resolved grid filter.
type GridSet struct {
	d                  *Dataset
	cells              []int
	years, gases, secs []bool
	minValue           *float64
}

// keeps applies the value filter to one row.
func (g GridSet) keeps(r GridRef) bool {
	return g.minValue == nil || g.d.GridRow(r).ValueTons >= *g.minValue
}

// Grid resolves a grid filter.
func (d *Dataset) Grid(f GridFilter) GridSet {
	g := GridSet{d: d, years: make([]bool, len(GridYears)), gases: make([]bool, 4), secs: make([]bool, 5), minValue: f.MinValue}
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
			if !g.match(y, gas, s) || !g.keeps(GridRef{ci, y, gas, s}) {
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
			if !g.match(y, gas, s) || !g.keeps(GridRef{ci, y, gas, s}) {
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
