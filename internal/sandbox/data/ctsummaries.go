package data

import (
	"maps"
	"slices"
	"strings"
)

// Climate TRACE summaries computed from the same asset months every emission row comes from:
// yearly sums, gas shares, country groups and the reference definitions.

// CTFirstYear and CTLastYear bound the calendar years with emissions (the last one partial).
const (
	CTFirstYear = 2021
	CTLastYear  = 2021 + (CTMonths-1)/12
)

// YearSum is the asset's CO2e-100 in calendar year y and the number of months counted.
func (a *Asset) YearSum(y int) (float64, int) {
	from := (y - CTFirstYear) * 12
	return a.monthSum(from, from+11)
}

// GasQuantity converts an amount of the asset's CO2e-100 into tonnes of gas g as its rows of
// that gas carry them (CO2e for co2e_100yr and co2e_20yr).
func (d *Dataset) GasQuantity(a *Asset, g int, co2e float64) float64 {
	return co2e * d.quantityFactor(a, g)
}

// CountryGroup is a group of countries Climate TRACE aggregates over.
type CountryGroup struct {
	Name, Description string
	Members           []string // ISO-3 codes present in the dataset, sorted
}

var countryGroupTable = []struct {
	name, desc string
	members    string
}{
	{"BRICS", "Brazil, Russia, India, China, South Africa and the members that joined in 2024",
		"BRA RUS IND CHN ZAF EGY ETH IRN ARE"},
	{"EU27", "The 27 member states of the European Union",
		"AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT ROU SVK SVN ESP SWE"},
	{"G20", "The Group of Twenty's member countries (the European Union and African Union not counted)",
		"ARG AUS BRA CAN CHN FRA DEU IND IDN ITA JPN KOR MEX RUS SAU ZAF TUR GBR USA"},
	{"OECD", "Members of the Organisation for Economic Co-operation and Development",
		"AUS AUT BEL CAN CHL COL CRI CZE DNK EST FIN FRA DEU GRC HUN ISL IRL ISR ITA JPN KOR LVA LTU LUX MEX NLD NZL NOR POL PRT SVK SVN ESP SWE CHE TUR GBR USA"},
	{"OPEC", "Members of the Organization of the Petroleum Exporting Countries",
		"DZA IRN IRQ KWT LBY NGA SAU ARE VEN"},
}

// CountryGroups lists the groups with their members in the dataset.
func (d *Dataset) CountryGroups() []CountryGroup {
	out := make([]CountryGroup, 0, len(countryGroupTable))
	for _, g := range countryGroupTable {
		cg := CountryGroup{Name: g.name, Description: g.desc}
		for _, iso3 := range strings.Fields(g.members) {
			if _, ok := d.countryByISO3[iso3]; ok {
				cg.Members = append(cg.Members, iso3)
			}
		}
		slices.Sort(cg.Members)
		out = append(out, cg)
	}
	return out
}

// Continents lists the continents with the ISO-3 codes of their countries, by name.
func (d *Dataset) Continents() []CountryGroup {
	by := map[string][]string{}
	for _, c := range d.Countries {
		by[c.Continent] = append(by[c.Continent], c.ISO3)
	}
	out := make([]CountryGroup, 0, len(by))
	for _, name := range slices.Sorted(maps.Keys(by)) {
		m := by[name]
		slices.Sort(m)
		out = append(out, CountryGroup{Name: name, Members: m})
	}
	return out
}

// GasInfo describes a Climate TRACE gas.
type GasInfo struct{ Name, Display, Description string }

// GasDefinitions lists the gases in Gases order.
var GasDefinitions = []GasInfo{
	{"ch4", "CH₄", "Methane, tonnes"},
	{"co2", "CO₂", "Carbon dioxide, tonnes"},
	{"co2e_100yr", "CO₂e (100-year)", "All gases as CO2-equivalent over 100 years (IPCC AR6 GWP: CH4 29.8, N2O 273), tonnes"},
	{"co2e_20yr", "CO₂e (20-year)", "All gases as CO2-equivalent over 20 years (IPCC AR6 GWP: CH4 82.5, N2O 273), tonnes"},
	{"n2o", "N₂O", "Nitrous oxide, tonnes"},
}

// CTCountryID is the id Climate TRACE's countries list gives country ci: its rank in ISO-3 order.
func (d *Dataset) CTCountryID(ci int) int { return d.ctIDs[ci] }

// CountryByCTID returns the country index of a countries-list id.
func (d *Dataset) CountryByCTID(id int) (int, bool) {
	if id < 1 || id > len(d.ctByID) {
		return 0, false
	}
	return d.ctByID[id-1], true
}
