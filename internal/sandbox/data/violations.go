package data

import (
	"fmt"
	"math"
	"time"
)

// Violation is an environmental-permit violation recorded at a Climate TRACE asset.
type Violation struct {
	ID          int
	Asset       int // index into Dataset.Assets
	Type        string
	Pollutant   *string
	Description string
	Agency      string
	Date        time.Time
	Resolved    *time.Time
	PenaltyUSD  *float64
}

// Status is open or resolved.
func (v *Violation) Status() string {
	if v.Resolved != nil {
		return "resolved"
	}
	return "open"
}

var agencies = map[string]string{
	"USA": "US Environmental Protection Agency", "GBR": "Environment Agency", "DEU": "Umweltbundesamt",
	"FRA": "DREAL", "NLD": "Omgevingsdienst", "IND": "Central Pollution Control Board", "CHN": "Ministry of Ecology and Environment",
	"AUS": "State Environment Protection Authority", "CAN": "Environment and Climate Change Canada",
	"BRA": "IBAMA", "ZAF": "Department of Forestry, Fisheries and the Environment", "POL": "Chief Inspectorate of Environmental Protection",
}

type violationKind struct {
	typ, desc  string
	pollutants []string
	penalty    float64 // median penalty in USD, 0 for none
}

var violationKinds = []violationKind{
	{"Emission limit exceedance", "Stack emissions above the permitted limit for %s during %d monitoring periods.", []string{"SO2", "NOx", "PM10", "CO"}, 85000},
	{"Monitoring failure", "Continuous emission monitoring for %s unavailable for %d days.", []string{"SO2", "NOx", "PM10"}, 20000},
	{"Reporting failure", "Annual emissions report filed late (%s inventory, %d days overdue).", []string{""}, 5000},
	{"Permit condition breach", "Operating conditions of the permit breached: %s controls bypassed %d times.", []string{"VOC", "PM10", "NOx"}, 60000},
	{"Fugitive release", "Unplanned %s release; leak detection and repair overdue at %d components.", []string{"CH4", "VOC"}, 120000},
}

// violationSectors are where regulators record violations (stack and fugitive sources).
var violationSectors = map[string]float64{
	"electricity-generation": 0.1, "oil-and-gas-refining": 0.14, "oil-and-gas-production": 0.08, "oil-and-gas-transport": 0.06,
	"coal-mining": 0.08, "iron-and-steel": 0.12, "cement": 0.1, "aluminum": 0.08, "chemicals": 0.12,
	"pulp-and-paper": 0.07, "petrochemical-steam-cracking": 0.12, "solid-waste-disposal": 0.05,
}

func (d *Dataset) buildViolations() {
	for ai := range d.Assets {
		a := &d.Assets[ai]
		p := violationSectors[d.Sectors[a.Sector].Name]
		r := newRand(d.Seed, "violations", ai)
		if p == 0 || r.Float64() >= p {
			continue
		}
		agency, ok := agencies[a.CountryISO3]
		if !ok {
			agency = "National environmental regulator"
		}
		n := 1 + r.IntN(3)
		base := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
		var dates []time.Time
		for k := 0; k < n; k++ {
			dates = append(dates, base.AddDate(0, 0, r.IntN(6*365+300)))
		}
		sortTimes(dates)
		for _, day := range dates {
			kind := violationKinds[r.IntN(len(violationKinds))]
			pol := kind.pollutants[r.IntN(len(kind.pollutants))]
			v := Violation{ID: len(d.Violations) + 1, Asset: ai, Type: kind.typ, Agency: agency, Date: day}
			label := pol
			if pol != "" {
				v.Pollutant = new(pol)
			} else {
				label = "greenhouse-gas"
			}
			v.Description = fmt.Sprintf(kind.desc, label, 2+r.IntN(20))
			if r.Float64() < 0.7 {
				res := day.AddDate(0, 0, 30+r.IntN(370))
				if res.Before(AsOf) {
					v.Resolved = &res
				}
			}
			if kind.penalty > 0 && r.Float64() < 0.8 {
				v.PenaltyUSD = new(math.Round(kind.penalty*lognormal(r, 0.8)/100) * 100)
			}
			d.Violations = append(d.Violations, v)
		}
	}
}

func sortTimes(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}
