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
