package data

import (
	"slices"
	"strings"
	"time"
)

// AssetFilter selects Climate TRACE assets. Zero fields match everything.
type AssetFilter struct {
	Spatial     Spatial
	CountryISO3 []string
	SectorIDs   []int
	SectorNames []string
	AssetIDs    []int
}

// FilterAssets returns the indices of matching assets in id order.
func (d *Dataset) FilterAssets(f AssetFilter) []int {
	var out []int
	for i := range d.Assets {
		a := &d.Assets[i]
		if len(f.AssetIDs) > 0 && !slices.Contains(f.AssetIDs, a.ID) {
			continue
		}
		if len(f.CountryISO3) > 0 && !slices.Contains(f.CountryISO3, a.CountryISO3) {
			continue
		}
		if len(f.SectorIDs) > 0 && !slices.Contains(f.SectorIDs, a.Sector+1) {
			continue
		}
		if len(f.SectorNames) > 0 && !slices.Contains(f.SectorNames, d.Sectors[a.Sector].Name) {
			continue
		}
		if !f.Spatial.Match(a.Lon, a.Lat) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// EmissionFilter selects Climate TRACE monthly emission rows.
type EmissionFilter struct {
	Assets AssetFilter
	Gases  []string // empty: all
	// From and To select months by their start date (inclusive); nil means unbounded.
	From, To *time.Time
}

// EmissionSet is a resolved emission filter: matching assets, a gas mask and a month range.
type EmissionSet struct {
	d        *Dataset
	assets   []int
	mask     uint8
	from, to int // inclusive month indices
}

// Emissions resolves an emission filter.
func (d *Dataset) Emissions(f EmissionFilter) EmissionSet {
	e := EmissionSet{d: d, assets: d.FilterAssets(f.Assets), mask: 0xff, from: 0, to: CTMonths - 1}
	if len(f.Gases) > 0 {
		e.mask = 0
		for _, g := range f.Gases {
			if i := GasIndex(g); i >= 0 {
				e.mask |= 1 << i
			}
		}
	}
	if f.From != nil {
		// Months whose start is on or after From.
		m := CTMonthOf(*f.From)
		if m >= 0 && m < CTMonths && CTMonthStart(m).Before(*f.From) {
			m++
		}
		e.from = max(0, m)
	}
	if f.To != nil {
		e.to = min(CTMonths-1, CTMonthOf(*f.To))
	}
	return e
}

// Assets are the indices of the matching assets.
func (e EmissionSet) Assets() []int { return e.assets }

// gasesOf is the asset's gases that pass the filter.
func (e EmissionSet) gasesOf(a *Asset) uint8 { return a.gasMask & e.mask }

// EmissionRef points at one emission row.
type EmissionRef struct {
	Asset int // index into Dataset.Assets
	Month int
	Gas   int // index into Gases
}

// ID is the row's id: rows are numbered asset by asset, month by month, gas by gas.
func (r EmissionRef) ID() int64 {
	return (int64(r.Asset)*CTMonths+int64(r.Month))*int64(len(Gases)) + int64(r.Gas) + 1
}

// emissionRefOf inverts EmissionRef.ID.
func emissionRefOf(id int64) EmissionRef {
	id--
	g := int(id % int64(len(Gases)))
	id /= int64(len(Gases))
	return EmissionRef{Asset: int(id / CTMonths), Month: int(id % CTMonths), Gas: g}
}

// Emission is one materialised row.
type Emission struct {
	ID        int64
	Asset     *Asset
	Sector    *Sector
	Gas       string
	Start     time.Time
	End       time.Time
	Quantity  float64 // tonnes of the gas
	CO2eTonne float64 // CO2e-100 tonnes
}

// Emission materialises a row.
func (d *Dataset) Emission(r EmissionRef) Emission {
	a := &d.Assets[r.Asset]
	e := a.MonthCO2e(r.Month)
	return Emission{ID: r.ID(), Asset: a, Sector: &d.Sectors[a.Sector], Gas: Gases[r.Gas],
		Start: CTMonthStart(r.Month), End: CTMonthEnd(r.Month),
		Quantity: e * d.quantityFactor(a, r.Gas), CO2eTonne: e * d.co2eFactor(a, r.Gas)}
}

// After returns up to n rows with id greater than after (0 = from the start) in id order, and
// whether more follow.
func (e EmissionSet) After(after int64, n int) ([]EmissionRef, bool) {
	start := EmissionRef{}
	if after > 0 {
		start = emissionRefOf(after)
		start.Gas++ // strictly after
	}
	k, _ := slices.BinarySearch(e.assets, start.Asset)
	var out []EmissionRef
	for ; k < len(e.assets); k++ {
		ai := e.assets[k]
		a := &e.d.Assets[ai]
		mask := e.gasesOf(a)
		m0, g0 := max(e.from, a.FirstMonth), 0
		if ai == start.Asset {
			m0, g0 = max(m0, start.Month), 0
			if start.Month >= max(e.from, a.FirstMonth) {
				g0 = start.Gas
			}
		}
		for m := m0; m <= min(e.to, a.LastMonth); m++ {
			for g := g0; g < len(Gases); g++ {
				if mask&(1<<g) == 0 {
					continue
				}
				if len(out) == n {
					return out, true
				}
				out = append(out, EmissionRef{ai, m, g})
			}
			g0 = 0
		}
	}
	return out, false
}

// Before returns up to n rows with id less than before, nearest first reversed into id order,
// and whether more precede them.
func (e EmissionSet) Before(before int64, n int) ([]EmissionRef, bool) {
	end := emissionRefOf(before)
	k, found := slices.BinarySearch(e.assets, end.Asset)
	if !found {
		k--
	}
	var out []EmissionRef
	more := false
scan:
	for ; k >= 0; k-- {
		ai := e.assets[k]
		a := &e.d.Assets[ai]
		mask := e.gasesOf(a)
		m0, g0 := min(e.to, a.LastMonth), len(Gases)-1
		if ai == end.Asset {
			if end.Month <= m0 {
				m0, g0 = end.Month, end.Gas-1
			}
		}
		for m := m0; m >= max(e.from, a.FirstMonth); m-- {
			for g := g0; g >= 0; g-- {
				if mask&(1<<g) == 0 {
					continue
				}
				if len(out) == n {
					more = true
					break scan
				}
				out = append(out, EmissionRef{ai, m, g})
			}
			g0 = len(Gases) - 1
		}
	}
	slices.Reverse(out)
	return out, more
}

// Count is the number of rows in the set.
func (e EmissionSet) Count() int64 {
	var n int64
	for _, ai := range e.assets {
		a := &e.d.Assets[ai]
		_, months := a.monthSum(e.from, e.to)
		n += int64(months * bitsSet(e.gasesOf(a)))
	}
	return n
}

// PageByTimeDesc returns rows [offset, offset+limit) ordered newest month first, then by
// asset and gas: the order the unified API serves.
func (e EmissionSet) PageByTimeDesc(offset, limit int) []EmissionRef {
	perMonth := make([]int, CTMonths)
	for _, ai := range e.assets {
		a := &e.d.Assets[ai]
		g := bitsSet(e.gasesOf(a))
		for m := max(e.from, a.FirstMonth); m <= min(e.to, a.LastMonth); m++ {
			perMonth[m] += g
		}
	}
	var out []EmissionRef
	skip := offset
	for m := e.to; m >= e.from && len(out) < limit; m-- {
		if skip >= perMonth[m] {
			skip -= perMonth[m]
			continue
		}
		for _, ai := range e.assets {
			a := &e.d.Assets[ai]
			if m < a.FirstMonth || m > a.LastMonth {
				continue
			}
			mask := e.gasesOf(a)
			for g := range Gases {
				if mask&(1<<g) == 0 {
					continue
				}
				if skip > 0 {
					skip--
					continue
				}
				if len(out) == limit {
					return out
				}
				out = append(out, EmissionRef{ai, m, g})
			}
		}
	}
	return out
}

// EmissionTotals aggregates a set of rows. TotalCO2e sums co2e_tonnes of every matching row,
// so without a gas filter the per-gas rows and the co2e rows are all counted (filter on
// gas=co2e_100yr for a plain total).
type EmissionTotals struct {
	Key          string // sector name or ISO-3 code for grouped totals
	Name         string // country name for country totals
	TotalCO2e    float64
	RecordCount  int64
	UniqueAssets int
	First, Last  int // month range, First > Last when empty
	// Quantity is tonnes of each gas (by index in Gases) in the matching rows of that gas.
	Quantity [5]float64
}

// Of returns the tonnes of gas name in the totals (co2, ch4, n2o; 0 for others).
func (t EmissionTotals) Of(name string) float64 {
	if g := slices.Index(Gases, name); g >= 0 {
		return t.Quantity[g]
	}
	return 0
}

func (e EmissionSet) accumulate(t *EmissionTotals, a *Asset) {
	sum, months := a.monthSum(e.from, e.to)
	if months == 0 {
		return
	}
	mask := e.gasesOf(a)
	if mask == 0 {
		return
	}
	for g := range Gases {
		if mask&(1<<g) != 0 {
			t.TotalCO2e += sum * e.d.co2eFactor(a, g)
			t.Quantity[g] += sum * e.d.quantityFactor(a, g)
			t.RecordCount += int64(months)
		}
	}
	t.UniqueAssets++
	t.First = min(t.First, max(e.from, a.FirstMonth))
	t.Last = max(t.Last, min(e.to, a.LastMonth))
}

// Totals aggregates the whole set.
func (e EmissionSet) Totals() EmissionTotals {
	t := EmissionTotals{First: CTMonths, Last: -1}
	for _, ai := range e.assets {
		e.accumulate(&t, &e.d.Assets[ai])
	}
	return t
}

// SectorTotals aggregates per sector, largest total first.
func (e EmissionSet) SectorTotals() []EmissionTotals {
	return e.grouped(func(a *Asset) (string, string) { return e.d.Sectors[a.Sector].Name, "" })
}

// CountryTotals aggregates per country (ISO-3), largest total first.
func (e EmissionSet) CountryTotals() []EmissionTotals {
	return e.grouped(func(a *Asset) (string, string) { return a.CountryISO3, e.d.Countries[a.Country].Name })
}

func (e EmissionSet) grouped(key func(*Asset) (string, string)) []EmissionTotals {
	groups := map[string]*EmissionTotals{}
	for _, ai := range e.assets {
		a := &e.d.Assets[ai]
		k, name := key(a)
		g := groups[k]
		if g == nil {
			g = &EmissionTotals{Key: k, Name: name, First: CTMonths, Last: -1}
			groups[k] = g
		}
		e.accumulate(g, a)
	}
	out := make([]EmissionTotals, 0, len(groups))
	for _, g := range groups {
		if g.RecordCount > 0 {
			out = append(out, *g)
		}
	}
	slices.SortFunc(out, func(a, b EmissionTotals) int {
		if a.TotalCO2e != b.TotalCO2e {
			if a.TotalCO2e > b.TotalCO2e {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// MonthlyTotals returns, for each month of the set's range, the summed co2e_tonnes-equivalent
// quantity of gas g (tonnes of the gas) and the number of contributing assets.
func (e EmissionSet) MonthlyTotals(g int) (months []int, sums []float64, counts []int) {
	for m := e.from; m <= e.to; m++ {
		months = append(months, m)
	}
	sums = make([]float64, len(months))
	counts = make([]int, len(months))
	for _, ai := range e.assets {
		a := &e.d.Assets[ai]
		if !a.HasGas(g) || e.mask&(1<<g) == 0 {
			continue
		}
		f := e.d.quantityFactor(a, g)
		for i, m := range months {
			if m >= a.FirstMonth && m <= a.LastMonth {
				sums[i] += a.MonthCO2e(m) * f
				counts[i]++
			}
		}
	}
	return months, sums, counts
}

// MonthRange is the set's inclusive month range.
func (e EmissionSet) MonthRange() (from, to int) { return e.from, e.to }
