package data

import "math"

// Global Carbon Project tables, built from the dataset's own national inventory: a country's
// territorial fossil CO2 is its EDGAR CO2 total within a few percent (the two inventories differ
// in method), the global fossil total is the sum over the dataset's countries, and the carbon and
// methane budgets close around those sums.

// GCPRelease is one Global Carbon Budget release and the years it covers.
type GCPRelease struct {
	Version                 string
	LastYear, MethaneLastYr int
}

// GCPReleases are the releases the sandbox holds, oldest first.
var GCPReleases = []GCPRelease{{"2023", 2022, 2019}, {"2024", 2023, 2020}}

// GCPFirstYear is the first year of every GCP table.
const GCPFirstYear = 2000

// GCPNational is one country-year of national fossil CO2 (MtCO2).
type GCPNational struct {
	ID                      int
	Country, Year, Release  int
	Territorial             float64
	Consumption, Population float64
}

// GCPFuel is one year of global fossil CO2 by fuel (MtCO2).
type GCPFuel struct {
	ID, Year, Release                           int
	Coal, Oil, Gas, Cement, Flaring, Other, Sum float64
}

// GCPBudget is one year of the global carbon budget (GtCO2 per year).
type GCPBudget struct {
	ID, Year, Release                                     int
	Fossil, LandUse, Atmosphere, Ocean, Land, Carbonation float64
}

// Imbalance is what the budget leaves unexplained: emissions minus growth and sinks.
func (b GCPBudget) Imbalance() float64 {
	return round3(b.Fossil + b.LandUse - b.Atmosphere - b.Ocean - b.Land - b.Carbonation)
}

// GCPMethane is one year of the global methane budget (Tg CH4 per year).
type GCPMethane struct {
	ID, Year, Release                                              int
	Fossil, AgriWaste, Biomass, Wetlands, OtherNatural, Atmosphere float64
}

// Anthropogenic, Natural, Sources and Sinks are the budget's sums; the sinks close it.
func (m GCPMethane) Anthropogenic() float64 { return round3(m.Fossil + m.AgriWaste + m.Biomass) }

// Natural is the natural sources.
func (m GCPMethane) Natural() float64 { return round3(m.Wetlands + m.OtherNatural) }

// Sources is all sources.
func (m GCPMethane) Sources() float64 { return round3(m.Anthropogenic() + m.Natural()) }

// Sinks is what the sources leave after the atmospheric growth.
func (m GCPMethane) Sinks() float64 { return round3(m.Sources() - m.Atmosphere) }

// fuelShares splits a country's fossil CO2 by profile: coal, oil, gas, cement, flaring, other.
var fuelShares = map[Profile][6]float64{
	ProfileMature:   {0.22, 0.42, 0.3, 0.03, 0.005, 0.025},
	ProfileEmerging: {0.35, 0.35, 0.22, 0.06, 0.005, 0.015},
	ProfileCoal:     {0.68, 0.17, 0.07, 0.07, 0.003, 0.007},
	ProfileOil:      {0.05, 0.42, 0.44, 0.04, 0.04, 0.01},
	ProfileAgri:     {0.15, 0.55, 0.18, 0.1, 0.005, 0.015},
}

// consumptionShift is how far consumption-based CO2 lies above (importers) or below
// (exporters of goods) territorial CO2, by profile.
var consumptionShift = map[Profile]float64{
	ProfileMature: 0.18, ProfileEmerging: -0.04, ProfileCoal: -0.1, ProfileOil: -0.07, ProfileAgri: 0.05,
}

// GCP holds the Global Carbon Project tables.
type GCP struct {
	National []GCPNational // by release, then country (ISO-3 order), then year
	Fuels    []GCPFuel     // by release, then year
	Budgets  []GCPBudget
	Methane  []GCPMethane
}

func (d *Dataset) buildGCP() {
	g := &d.GCP
	co2Total := d.EdgarSectorIndex("TOTAL")
	for rel, release := range GCPReleases {
		byYear := map[int]*GCPFuel{}
		for _, ci := range d.ctByID {
			c := d.Countries[ci]
			r := newRand(d.Seed, "gcp-country", ci)
			bias := 1 + 0.03*r.NormFloat64()                   // GCP and EDGAR differ by method
			revision := 1 + 0.004*float64(rel)*r.NormFloat64() // later releases revise the series
			shift := consumptionShift[c.Profile] + 0.05*r.NormFloat64()
			for y := GCPFirstYear; y <= release.LastYear; y++ {
				edgar := d.EdgarValue(ci, min(y, EdgarLastYear), egCO2, co2Total) / 1000
				terr := round3(edgar * bias * revision * (1 + 0.008*r.NormFloat64()))
				n := GCPNational{ID: len(g.National) + 1, Country: ci, Year: y, Release: rel, Territorial: terr,
					Consumption: round3(terr * (1 + shift)), Population: d.Population(ci, y)}
				g.National = append(g.National, n)
				f := byYear[y]
				if f == nil {
					f = &GCPFuel{Year: y, Release: rel}
					byYear[y] = f
				}
				sh := fuelShares[c.Profile]
				f.Coal += terr * sh[0]
				f.Oil += terr * sh[1]
				f.Gas += terr * sh[2]
				f.Cement += terr * sh[3]
				f.Flaring += terr * sh[4]
				f.Other += terr * sh[5]
			}
		}
		r := newRand(d.Seed, "gcp-budget", rel)
		for y := GCPFirstYear; y <= release.LastYear; y++ {
			f := byYear[y]
			f.ID = len(g.Fuels) + 1
			f.Coal, f.Oil, f.Gas = round3(f.Coal), round3(f.Oil), round3(f.Gas)
			f.Cement, f.Flaring, f.Other = round3(f.Cement), round3(f.Flaring), round3(f.Other)
			f.Sum = round3(f.Coal + f.Oil + f.Gas + f.Cement + f.Flaring + f.Other)
			g.Fuels = append(g.Fuels, *f)
			fossil := round3(f.Sum / 1000)
			enso := math.Sin(float64(y-GCPFirstYear) * 2 * math.Pi / 4.3) // El Niño years weaken the land sink
			luc := round3(4.6 - 0.03*float64(y-GCPFirstYear) + 0.3*r.NormFloat64())
			b := GCPBudget{ID: len(g.Budgets) + 1, Year: y, Release: rel, Fossil: fossil, LandUse: luc,
				Atmosphere:  round3(0.46*(fossil+luc) + 1.2*enso + 0.4*r.NormFloat64()),
				Ocean:       round3(0.26*(fossil+luc) + 0.1*r.NormFloat64()),
				Land:        round3(0.29*(fossil+luc) - 1.2*enso + 0.6*r.NormFloat64()),
				Carbonation: round3(0.55 + 0.01*float64(y-GCPFirstYear))}
			g.Budgets = append(g.Budgets, b)
		}
		mr := newRand(d.Seed, "gcp-methane", rel)
		for y := GCPFirstYear; y <= release.MethaneLastYr; y++ {
			var fossil, agri float64
			for ci := range d.Countries {
				for s, sec := range d.EdgarSectors[:edgarTotalSector] {
					v := d.EdgarValue(ci, y, egCH4, s) / 1000
					switch sec.Code {
					case "ENF", "MNM", "AGS", "AWB", "SWD_LDF", "WWT":
						agri += v
					default:
						fossil += v
					}
				}
			}
			m := GCPMethane{ID: len(g.Methane) + 1, Year: y, Release: rel, Fossil: round3(fossil), AgriWaste: round3(agri),
				Biomass: round3(17 + 2*mr.NormFloat64()), Wetlands: round3(160 + 8*mr.NormFloat64()),
				OtherNatural: round3(38 + 3*mr.NormFloat64()), Atmosphere: round3(math.Max(2, 22+8*mr.NormFloat64()))}
			g.Methane = append(g.Methane, m)
		}
	}
}

// PerCapita is territorial tonnes per person.
func (n GCPNational) PerCapita() float64 { return math.Round(n.Territorial/n.Population*1000) / 1000 }

// PerCapitaConsumption is consumption-based tonnes per person.
func (n GCPNational) PerCapitaConsumption() float64 {
	return math.Round(n.Consumption/n.Population*1000) / 1000
}
