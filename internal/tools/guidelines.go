package tools

import (
	"fmt"
	"math"
	"strings"
)

// The WHO global air quality guidelines (2021): the levels a pollutant's mean should stay
// below, per averaging time. Answers set each mean against the guideline of the matching
// averaging time — daily means against the 24-hour level (days above it are counted), a
// year's mean against the annual one — and the table is also served as a resource.

// Guideline is one WHO 2021 air quality guideline level.
type Guideline struct {
	Pollutant string  `json:"pollutant"`
	Averaging string  `json:"averaging"` // 24-hour, annual, 8-hour, peak season
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Note      string  `json:"note,omitempty"`
}

// Averaging times of the guidelines.
const (
	avg24h       = "24-hour"
	avgAnnual    = "annual"
	avg8h        = "8-hour"
	avgPeakSeson = "peak season"
)

// Units as OpenAQ spells them.
const (
	unitUgM3 = "µg/m³"
	unitMgM3 = "mg/m³"
	unitPPM  = "ppm"
	unitPPB  = "ppb"
)

const shortTerm = "99th percentile of the year's values: 3-4 days above it a year are within the guideline"

// WHOGuidelines is the WHO 2021 table (WHO global air quality guidelines, 2021, table 0.1).
var WHOGuidelines = []Guideline{
	{"pm25", avgAnnual, 5, unitUgM3, ""},
	{"pm25", avg24h, 15, unitUgM3, shortTerm},
	{"pm10", avgAnnual, 15, unitUgM3, ""},
	{"pm10", avg24h, 45, unitUgM3, shortTerm},
	{"no2", avgAnnual, 10, unitUgM3, ""},
	{"no2", avg24h, 25, unitUgM3, shortTerm},
	{"o3", avgPeakSeson, 60, unitUgM3, "mean of the daily maximum 8-hour means over the six consecutive months with the highest six-month running mean"},
	{"o3", avg8h, 100, unitUgM3, "daily maximum 8-hour mean; " + shortTerm},
	{"so2", avg24h, 40, unitUgM3, shortTerm},
	{"co", avg24h, 4, unitMgM3, shortTerm},
}

// guideline returns the level for a pollutant and averaging time.
func guideline(pollutant, averaging string) (Guideline, bool) {
	for _, g := range WHOGuidelines {
		if g.Pollutant == pollutant && g.Averaging == averaging {
			return g, true
		}
	}
	return Guideline{}, false
}

// shortGuideline is the guideline daily values are compared with: the 24-hour level, or for
// ozone the 8-hour one (compared with each day's highest 8-hour mean).
func shortGuideline(pollutant string) (Guideline, bool) {
	if pollutant == "o3" {
		return guideline(pollutant, avg8h)
	}
	return guideline(pollutant, avg24h)
}

// Conditions of the ppm conversions: 25 °C and 1 atm, where a mole of gas takes 24.45 litres.
const (
	molarVolume = 24.45
	conversion  = "25 °C and 1 atm"
)

// molarMass of the gases OpenAQ reports in ppm, g/mol.
var molarMass = map[string]float64{"no2": 46.0055, "so2": 64.066, "o3": 47.998, "co": 28.010}

// inUnit expresses a guideline in the unit a station reports: as it is, or converted from
// mass concentration to a mixing ratio at 25 °C and 1 atm. converted says it was; ok is false
// when the units cannot be compared (no conversion is known).
func inUnit(g Guideline, unit string) (value float64, converted, ok bool) {
	ug := g.Value
	if g.Unit == unitMgM3 {
		ug *= 1000
	}
	switch normUnit(unit) {
	case unitUgM3:
		return ug, false, true
	case unitMgM3:
		return ug / 1000, false, true
	case unitPPM, unitPPB:
		mw, gas := molarMass[g.Pollutant]
		if !gas {
			return 0, false, false
		}
		ppm := ug / 1000 * molarVolume / mw
		if normUnit(unit) == unitPPB {
			return ppm * 1000, true, true
		}
		return ppm, true, true
	}
	return 0, false, false
}

// normUnit spells a unit as OpenAQ usually does: ug/m3 and μg/m³ are µg/m³.
func normUnit(u string) string {
	l := strings.ToLower(strings.TrimSpace(u))
	switch strings.NewReplacer("μ", "u", "µ", "u", "³", "3").Replace(l) {
	case "ug/m3":
		return unitUgM3
	case "mg/m3":
		return unitMgM3
	case "ppm":
		return unitPPM
	case "ppb":
		return unitPPB
	}
	return u
}

// guidelineText says a pollutant's guidelines in one sentence.
func guidelineText(pollutant string) string {
	var parts []string
	for _, g := range WHOGuidelines {
		if g.Pollutant == pollutant {
			parts = append(parts, fmt.Sprintf("%s %s %s", g.Averaging, trimNum(g.Value), g.Unit))
		}
	}
	return "WHO 2021 guideline for " + displayName(pollutant) + ": " + strings.Join(parts, ", ")
}

func trimNum(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// displayName is how people write a pollutant.
func displayName(p string) string {
	switch p {
	case "pm25":
		return "PM2.5"
	case "pm10":
		return "PM10"
	case "o3":
		return "O3"
	case "no2":
		return "NO2"
	case "so2":
		return "SO2"
	case "co":
		return "CO"
	}
	return p
}
