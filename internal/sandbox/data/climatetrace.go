package data

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Climate TRACE time frame: monthly emissions from January 2021 to October 2025.
const CTMonths = 58

// CTMonthStart is the first instant of month index m (0 = January 2021).
func CTMonthStart(m int) time.Time { return time.Date(2021, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC) }

// CTMonthEnd is the last day of month m at midnight, Climate TRACE's end_time convention.
func CTMonthEnd(m int) time.Time { return CTMonthStart(m+1).AddDate(0, 0, -1) }

// CTMonthOf is the index of the month containing t, clamped to [-1, CTMonths].
func CTMonthOf(t time.Time) int {
	m := (t.Year()-2021)*12 + int(t.Month()) - 1
	return max(-1, min(m, CTMonths))
}

// Gases reported by Climate TRACE, in the order emission ids enumerate them.
var Gases = []string{"ch4", "co2", "co2e_100yr", "co2e_20yr", "n2o"}

const (
	gasCH4 = iota
	gasCO2
	gasCO2e100
	gasCO2e20
	gasN2O
)

// GasIndex returns the position of a gas name in Gases, or -1.
func GasIndex(name string) int { return slices.Index(Gases, name) }

// Global warming potentials (IPCC AR6, as Climate TRACE uses).
const (
	gwp100CH4 = 29.8
	gwp20CH4  = 82.5
	gwpN2O    = 273
)

// Sector is a Climate TRACE sector.
type Sector struct {
	ID          int
	Name        string
	Group       string
	Description string
	AssetCount  int
	// shares of CO2e-100 carried by co2, ch4 and n2o.
	co2, ch4, n2o float64
	// median annual emissions of one asset, tonnes CO2e.
	annual   float64
	pattern  seasonPattern
	noun     string
	types    []string
	capUnit  string // "" with capLog == 0: no capacity
	capLog   float64
	blankCap bool // capacity_unit is blank rather than null
}

type seasonPattern uint8

const (
	patternFlat seasonPattern = iota
	patternPower
	patternHeating
	patternFire
	patternCrop
)

var sectorTable = []Sector{
	{Name: "electricity-generation", Group: "power", Description: "Fossil and biomass power plants", co2: 0.99, ch4: 0.002, n2o: 0.008, annual: 2.0e6, pattern: patternPower, noun: "Power Station", types: []string{"coal", "gas", "oil", "biomass"}, capUnit: "MW", capLog: math.Log(500)},
	{Name: "oil-and-gas-production", Group: "fossil-fuel-operations", Description: "Oil and gas fields", co2: 0.6, ch4: 0.4, annual: 5e5, noun: "Field", types: []string{"oil field", "gas field"}, capUnit: "bbl/day", capLog: math.Log(50000)},
	{Name: "oil-and-gas-refining", Group: "fossil-fuel-operations", Description: "Oil refineries", co2: 0.97, ch4: 0.02, n2o: 0.01, annual: 1.5e6, noun: "Refinery", types: []string{"refinery"}, capUnit: "bbl/day", capLog: math.Log(150000)},
	{Name: "oil-and-gas-transport", Group: "fossil-fuel-operations", Description: "Pipelines and compressor stations", co2: 0.3, ch4: 0.7, annual: 2e5, noun: "Compressor Station", types: []string{"pipeline"}},
	{Name: "coal-mining", Group: "fossil-fuel-operations", Description: "Underground and surface coal mines", co2: 0.1, ch4: 0.9, annual: 8e5, noun: "Coal Mine", types: []string{"underground", "surface"}, capUnit: "t/yr", capLog: math.Log(5e6)},
	{Name: "iron-and-steel", Group: "manufacturing", Description: "Iron and steel plants", co2: 0.995, ch4: 0.003, n2o: 0.002, annual: 3e6, noun: "Steelworks", types: []string{"BF-BOF", "EAF", "DRI"}, capUnit: "t/yr", capLog: math.Log(2e6)},
	{Name: "cement", Group: "manufacturing", Description: "Cement plants", co2: 1, annual: 8e5, noun: "Cement Plant", types: []string{"integrated", "grinding"}, capUnit: "t/yr", capLog: math.Log(1e6)},
	{Name: "aluminum", Group: "manufacturing", Description: "Aluminium smelters and refineries", co2: 1, annual: 1e6, noun: "Aluminium Smelter", types: []string{"smelter", "alumina refinery"}, capUnit: "t/yr", capLog: math.Log(3e5)},
	{Name: "chemicals", Group: "manufacturing", Description: "Ammonia, nitric acid and other chemical plants", co2: 0.8, n2o: 0.2, annual: 4e5, noun: "Chemical Plant", types: []string{"ammonia", "nitric acid", "methanol"}},
	{Name: "pulp-and-paper", Group: "manufacturing", Description: "Pulp and paper mills", co2: 0.97, ch4: 0.02, n2o: 0.01, annual: 2e5, noun: "Paper Mill", types: []string{"mill"}},
	{Name: "petrochemical-steam-cracking", Group: "manufacturing", Description: "Ethylene steam crackers", co2: 0.98, ch4: 0.02, annual: 1e6, noun: "Steam Cracker", types: []string{"steam cracker"}},
	{Name: "road-transportation", Group: "transportation", Description: "Urban road networks", co2: 0.98, ch4: 0.005, n2o: 0.015, annual: 1e6, noun: "Road Network", types: []string{"urban road network"}},
	{Name: "domestic-aviation", Group: "transportation", Description: "Domestic flights by departure airport", co2: 0.99, n2o: 0.01, annual: 2e5, noun: "Regional Airport", types: []string{"airport"}},
	{Name: "international-aviation", Group: "transportation", Description: "International flights by departure airport", co2: 0.99, n2o: 0.01, annual: 8e5, noun: "International Airport", types: []string{"airport"}},
	{Name: "domestic-shipping", Group: "transportation", Description: "Domestic shipping by port", co2: 0.985, ch4: 0.005, n2o: 0.01, annual: 1e5, noun: "Ferry Terminal", types: []string{"port"}},
	{Name: "international-shipping", Group: "transportation", Description: "International shipping by port", co2: 0.985, ch4: 0.005, n2o: 0.01, annual: 4e5, noun: "Container Port", types: []string{"port"}},
	{Name: "solid-waste-disposal", Group: "waste", Description: "Landfills and dumpsites", ch4: 1, annual: 3e5, noun: "Landfill", types: []string{"landfill", "dumpsite"}, blankCap: true},
	{Name: "domestic-wastewater-treatment-and-discharge", Group: "waste", Description: "Municipal wastewater treatment", ch4: 0.75, n2o: 0.25, annual: 8e4, noun: "Wastewater Treatment Plant", types: []string{"treatment plant"}, blankCap: true},
	{Name: "enteric-fermentation-cattle-feedlot", Group: "agriculture", Description: "Enteric methane from feedlot cattle", ch4: 1, annual: 5e4, noun: "Cattle Feedlot", types: []string{"feedlot"}, capUnit: "head", capLog: math.Log(20000)},
	{Name: "enteric-fermentation-cattle-pasture", Group: "agriculture", Description: "Enteric methane from pasture cattle", ch4: 1, annual: 3e4, noun: "Cattle Pasture", types: []string{"pasture"}, capUnit: "head", capLog: math.Log(5000)},
	{Name: "manure-management-cattle-feedlot", Group: "agriculture", Description: "Manure management at feedlots", ch4: 0.7, n2o: 0.3, annual: 2e4, noun: "Manure Lagoon", types: []string{"lagoon"}, capUnit: "head", capLog: math.Log(20000)},
	{Name: "rice-cultivation", Group: "agriculture", Description: "Flooded rice paddies", ch4: 1, annual: 2e4, pattern: patternCrop, noun: "Rice Paddies", types: []string{"paddy"}, capUnit: "ha", capLog: math.Log(2000)},
	{Name: "cropland-fires", Group: "agriculture", Description: "Crop residue burning", co2: 0.7, ch4: 0.2, n2o: 0.1, annual: 1e4, pattern: patternFire, noun: "Cropland Burn Area", types: []string{"burned area"}, capUnit: "ha", capLog: math.Log(5000)},
	{Name: "forest-land-fires", Group: "forestry-and-land-use", Description: "Forest fires", co2: 0.85, ch4: 0.1, n2o: 0.05, annual: 5e4, pattern: patternFire, noun: "Forest Fire Area", types: []string{"burned area"}, capUnit: "ha", capLog: math.Log(5000)},
	{Name: "residential-onsite-fuel-usage", Group: "buildings", Description: "Residential heating and cooking fuel", co2: 0.95, ch4: 0.04, n2o: 0.01, annual: 2e5, pattern: patternHeating, noun: "Residential Heating Area", types: []string{"urban area"}},
	{Name: "copper-mining", Group: "mineral-extraction", Description: "Copper mines", co2: 1, annual: 3e5, noun: "Copper Mine", types: []string{"open pit", "underground"}, capUnit: "t/yr", capLog: math.Log(1e5)},
}

// sectorMix is the relative likelihood of each sector at a kind of place.
var sectorMix = map[PlaceKind]map[string]float64{
	KindCity: {"electricity-generation": 20, "road-transportation": 6, "domestic-aviation": 3,
		"international-aviation": 3, "solid-waste-disposal": 10, "domestic-wastewater-treatment-and-discharge": 8,
		"cement": 6, "iron-and-steel": 5, "aluminum": 2, "chemicals": 5, "pulp-and-paper": 3,
		"petrochemical-steam-cracking": 2, "oil-and-gas-refining": 3, "oil-and-gas-transport": 2,
		"domestic-shipping": 3, "international-shipping": 3, "residential-onsite-fuel-usage": 6,
		"manure-management-cattle-feedlot": 1, "enteric-fermentation-cattle-pasture": 1, "cropland-fires": 1},
	KindOilGas: {"oil-and-gas-production": 50, "oil-and-gas-transport": 20, "oil-and-gas-refining": 12,
		"petrochemical-steam-cracking": 5, "electricity-generation": 10, "chemicals": 3},
	KindCoal: {"coal-mining": 55, "electricity-generation": 30, "iron-and-steel": 8, "cement": 5},
	KindAgri: {"enteric-fermentation-cattle-feedlot": 20, "enteric-fermentation-cattle-pasture": 25,
		"manure-management-cattle-feedlot": 15, "rice-cultivation": 20, "cropland-fires": 15, "forest-land-fires": 5},
	KindMetals: {"copper-mining": 40, "iron-and-steel": 25, "aluminum": 15, "electricity-generation": 20},
	KindForest: {"forest-land-fires": 50, "cropland-fires": 20, "enteric-fermentation-cattle-pasture": 30},
}

// Asset is a Climate TRACE emitting facility. Its monthly CO2e (100-year) is stored; each gas
// is a fixed share of it, so every row and aggregate is a pure function of the asset.
type Asset struct {
	ID           int
	Name         string
	Sector       int // index into Dataset.Sectors
	Place        int
	Country      int
	CountryISO3  string
	AssetType    string
	Lat, Lon     float64
	Capacity     *float64
	CapacityUnit *string
	// FirstMonth and LastMonth bound the months with emissions (inclusive).
	FirstMonth, LastMonth int
	monthly               []float32 // CO2e-100 tonnes for months FirstMonth..LastMonth
	prefix                []float64 // prefix[i] = sum of monthly[:i]
	gasMask               uint8     // bit g set when Gases[g] is reported
}

// HasGas reports whether the asset reports gas index g.
func (a *Asset) HasGas(g int) bool { return a.gasMask&(1<<g) != 0 }

// GasNames lists the gases the asset reports, in Gases order.
func (a *Asset) GasNames() []string {
	var out []string
	for g, name := range Gases {
		if a.HasGas(g) {
			out = append(out, name)
		}
	}
	return out
}

// co2eFactor is the share of the asset's CO2e-100 that a row of gas g carries as co2e_tonnes.
func (d *Dataset) co2eFactor(a *Asset, g int) float64 {
	s := &d.Sectors[a.Sector]
	switch g {
	case gasCO2:
		return s.co2
	case gasCH4:
		return s.ch4
	case gasN2O:
		return s.n2o
	default:
		return 1
	}
}

// quantityFactor converts CO2e-100 to tonnes of gas g.
func (d *Dataset) quantityFactor(a *Asset, g int) float64 {
	s := &d.Sectors[a.Sector]
	switch g {
	case gasCO2:
		return s.co2
	case gasCH4:
		return s.ch4 / gwp100CH4
	case gasN2O:
		return s.n2o / gwpN2O
	case gasCO2e20:
		return s.co2 + s.ch4*gwp20CH4/gwp100CH4 + s.n2o
	default:
		return 1
	}
}

// TotalCO2e is the asset's CO2e-100 over all months.
func (a *Asset) TotalCO2e() float64 { return a.prefix[len(a.prefix)-1] }

// monthSum is the CO2e-100 over months [from, to] clipped to the asset's range; n is the
// number of months counted.
func (a *Asset) monthSum(from, to int) (sum float64, n int) {
	lo, hi := max(from, a.FirstMonth), min(to, a.LastMonth)
	if lo > hi {
		return 0, 0
	}
	return a.prefix[hi-a.FirstMonth+1] - a.prefix[lo-a.FirstMonth], hi - lo + 1
}

// MonthCO2e is the asset's CO2e-100 in month m (0 outside its range).
func (a *Asset) MonthCO2e(m int) float64 {
	if m < a.FirstMonth || m > a.LastMonth {
		return 0
	}
	return float64(a.monthly[m-a.FirstMonth])
}

type ctStats struct{ records int64 }

func (d *Dataset) buildClimateTrace() {
	d.Sectors = make([]Sector, len(sectorTable))
	d.sectorByName = map[string]int{}
	for i, s := range sectorTable {
		s.ID = i + 1
		d.Sectors[i] = s
		d.sectorByName[s.Name] = i
	}
	for pi := range d.Places {
		p := &d.Places[pi]
		r := newRand(d.Seed, "assets", pi)
		n := 12*p.Size + r.IntN(8)
		spread := 25.0
		if p.Kind != KindCity {
			n = 40*p.Size + r.IntN(20)
			spread = 80
		}
		mix := sectorMix[p.Kind]
		names := slices.Sorted(maps.Keys(mix))
		var total float64
		for _, k := range names {
			total += mix[k]
		}
		perSector := map[string]int{}
		for k := 0; k < n; k++ {
			u := r.Float64() * total
			sector := names[len(names)-1]
			for _, name := range names {
				if u < mix[name] {
					sector = name
					break
				}
				u -= mix[name]
			}
			perSector[sector]++
			d.addAsset(r, p, sector, perSector[sector], spread)
		}
	}
	for i := range d.Assets {
		d.Sectors[d.Assets[i].Sector].AssetCount++
		a := &d.Assets[i]
		d.emissionStats.records += int64(len(a.monthly)) * int64(bitsSet(a.gasMask))
	}
}

func (d *Dataset) addAsset(r *rand.Rand, p *Place, sectorName string, nth int, spreadKm float64) {
	si := d.sectorByName[sectorName]
	s := &d.Sectors[si]
	id := len(d.Assets) + 1
	a := Asset{ID: id, Sector: si, Place: p.Index, Country: p.Country,
		CountryISO3: d.Countries[p.Country].ISO3, FirstMonth: 0, LastMonth: CTMonths - 1}
	a.AssetType = s.types[r.IntN(len(s.types))]
	if sectorName == "electricity-generation" && d.Countries[p.Country].Profile == ProfileCoal && r.Float64() < 0.6 {
		a.AssetType = "coal"
	}
	noun := s.noun
	if sectorName == "oil-and-gas-production" {
		noun = map[string]string{"oil field": "Oil Field", "gas field": "Gas Field"}[a.AssetType]
	}
	a.Name = p.Name + " " + noun
	if nth > 1 {
		a.Name = fmt.Sprintf("%s %d", a.Name, nth)
	}
	dist := spreadKm * math.Sqrt(r.Float64())
	angle := 2 * math.Pi * r.Float64()
	a.Lon, a.Lat = offsetKm(p.Lon, p.Lat, dist*math.Cos(angle), dist*math.Sin(angle))
	if s.capLog != 0 {
		c := math.Round(math.Exp(s.capLog + 0.6*r.NormFloat64()))
		unit := s.capUnit
		a.Capacity, a.CapacityUnit = &c, &unit
	} else if s.blankCap {
		blank := ""
		a.CapacityUnit = &blank
	}
	switch u := r.Float64(); {
	case u < 0.06:
		a.FirstMonth = 6 + r.IntN(34) // commissioned during the series
	case u < 0.10:
		a.LastMonth = 20 + r.IntN(30) // retired during the series
	}
	for g, share := range []float64{gasCH4: s.ch4, gasCO2: s.co2, gasN2O: s.n2o} {
		if share > 0 {
			a.gasMask |= 1 << g
		}
	}
	a.gasMask |= 1<<gasCO2e100 | 1<<gasCO2e20

	annual := s.annual * lognormal(r, 0.9)
	growth := 0.005 + 0.03*r.NormFloat64()
	firePeak := 8.0 // September
	if p.Lat < 0 {
		firePeak = 2
	}
	if math.Abs(p.Lat) < 15 {
		firePeak = 1
	}
	a.monthly = make([]float32, a.LastMonth-a.FirstMonth+1)
	a.prefix = make([]float64, len(a.monthly)+1)
	for m := a.FirstMonth; m <= a.LastMonth; m++ {
		month := float64(m % 12) // 0 = January
		if p.Lat < 0 && s.pattern != patternFire {
			month = math.Mod(month+6, 12)
		}
		var f float64
		switch s.pattern {
		case patternPower:
			f = 1 + 0.12*math.Cos(2*math.Pi*month/12) + 0.06*math.Cos(4*math.Pi*month/12)
		case patternHeating:
			f = 1 + 0.45*math.Cos(2*math.Pi*month/12)
		case patternFire:
			c := math.Max(0, math.Cos(2*math.Pi*(month-firePeak)/12))
			f = 0.15 + 3.2*c*c*c
		case patternCrop:
			f = 1 + 0.5*math.Cos(2*math.Pi*(month-7)/12)
		default:
			f = 1 + 0.04*math.Cos(2*math.Pi*month/12)
		}
		v := annual / 12 * f * math.Pow(1+growth, float64(m)/12) * lognormal(r, 0.08)
		a.monthly[m-a.FirstMonth] = float32(v)
		a.prefix[m-a.FirstMonth+1] = a.prefix[m-a.FirstMonth] + float64(float32(v))
	}
	d.Assets = append(d.Assets, a)
}

func bitsSet(x uint8) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// SectorByName returns the sector with that name.
func (d *Dataset) SectorByName(name string) (*Sector, bool) {
	i, ok := d.sectorByName[name]
	if !ok {
		return nil, false
	}
	return &d.Sectors[i], true
}

// AssetByID returns the asset with that id.
func (d *Dataset) AssetByID(id int) (*Asset, bool) {
	if id < 1 || id > len(d.Assets) {
		return nil, false
	}
	return &d.Assets[id-1], true
}
