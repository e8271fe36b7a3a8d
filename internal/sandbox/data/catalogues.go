package data

import (
	"slices"
	"strings"
)

// Catalogue is a reference list of OpenAQ (providers, owners, instruments, manufacturers,
// licenses), derived from the locations and sensors so that every count agrees with them.
type Catalogue struct {
	ID    int
	Name  string
	Count int // locations (providers, owners, licenses), instruments (manufacturers) or sensors (instruments)
	// Countries are the ISO-2 codes of the locations (providers).
	Countries []string
	// Extra holds an instrument's manufacturer id or a license's index into licenseTerms.
	Extra int
}

// Instrument is an instrument model and what it measures.
type Instrument struct {
	Name, Manufacturer string
	Monitor            bool
	Parameters         []string
}

var instrumentTable = []Instrument{
	{"BAM 1020", "Met One Instruments", true, []string{"pm10", "pm25"}},
	{"T640", "Teledyne API", true, []string{"pm10", "pm25"}},
	{"42i NO-NO2-NOx Analyzer", "Thermo Fisher Scientific", true, []string{"no2"}},
	{"49i Ozone Analyzer", "Thermo Fisher Scientific", true, []string{"o3"}},
	{"43i SO2 Analyzer", "Thermo Fisher Scientific", true, []string{"so2"}},
	{"48i CO Analyzer", "Thermo Fisher Scientific", true, []string{"co"}},
	{"T400 Ozone Analyzer", "Teledyne API", true, []string{"o3"}},
	{"PA-II", "PurpleAir", false, []string{"pm10", "pm25"}},
	{"AirGradient ONE", "AirGradient", false, []string{"pm10", "pm25"}},
	{"Clarity Node-S", "Clarity Movement Co.", false, []string{"pm10", "pm25"}},
	{"SDS011", "Nova Fitness", false, []string{"pm10", "pm25"}},
	{"AQM 65", "Aeroqual", false, []string{"pm10", "pm25"}},
}

// LicenseTerms are what a data license allows.
type LicenseTerms struct {
	Name, URL                                                       string
	Commercial, Attribution, ShareAlike, Modification, Redistribute bool
}

var licenseTerms = []LicenseTerms{
	{"CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/", true, true, false, true, true},
	{"CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/", true, true, true, true, true},
	{"Open Database License (ODbL) 1.0", "https://opendatacommons.org/licenses/odbl/1-0/", true, true, true, true, true},
	{"Open Government Licence v3.0", "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/", true, true, false, true, true},
	{"US Public Domain", "https://www.usa.gov/government-works", true, false, false, true, true},
	{"PurpleAir Data License", "https://www2.purpleair.com/pages/license", false, true, false, false, false},
	{"Government Open Data License - India", "https://data.gov.in/government-open-data-license-india", true, true, false, true, true},
}

// licenseOf is the license of a provider's data.
func licenseOf(provider string) int {
	switch provider {
	case "AirNow":
		return 4
	case "DEFRA":
		return 3
	case "PurpleAir":
		return 5
	case "AirGradient":
		return 1
	case "Sensor.Community":
		return 2
	case "CPCB":
		return 6
	}
	return 0
}

// SensorInstrument is the index into Instruments of the instrument behind sensor si.
func (d *Dataset) SensorInstrument(si int) int {
	s := &d.Sensors[si]
	l := &d.Locations[s.Location]
	if !l.IsMonitor {
		switch {
		case l.IsMobile:
			return 11
		case l.Provider == "PurpleAir":
			return 7
		case l.Provider == "AirGradient":
			return 8
		case l.Provider == "Clarity":
			return 9
		}
		return 10
	}
	switch s.Parameter {
	case "no2":
		return 2
	case "o3":
		if l.ID%2 == 0 {
			return 6
		}
		return 3
	case "so2":
		return 4
	case "co":
		return 5
	}
	if l.ID%3 == 0 {
		return 0
	}
	return 1
}

// Instruments is the instrument catalogue.
func (d *Dataset) Instruments() []Instrument { return instrumentTable }

// License returns the terms of license index i.
func (d *Dataset) License(i int) LicenseTerms { return licenseTerms[i] }

// catalogue counts names, keeping the ISO-2 codes of the locations, and numbers the entries
// in name order.
func catalogue(names []string, countries []string) []Catalogue {
	byName := map[string]*Catalogue{}
	for i, n := range names {
		c := byName[n]
		if c == nil {
			c = &Catalogue{Name: n}
			byName[n] = c
		}
		c.Count++
		if countries != nil && !slices.Contains(c.Countries, countries[i]) {
			c.Countries = append(c.Countries, countries[i])
		}
	}
	out := make([]Catalogue, 0, len(byName))
	for _, c := range byName {
		slices.Sort(c.Countries)
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Catalogue) int { return strings.Compare(a.Name, b.Name) })
	for i := range out {
		out[i].ID = i + 1
	}
	return out
}

// Providers lists the data providers with their location counts and countries.
func (d *Dataset) Providers() []Catalogue {
	names, countries := make([]string, len(d.Locations)), make([]string, len(d.Locations))
	for i := range d.Locations {
		names[i], countries[i] = d.Locations[i].Provider, d.Locations[i].CountryISO2
	}
	return catalogue(names, countries)
}

// Owners lists the station owners with their location counts.
func (d *Dataset) Owners() []Catalogue {
	names := make([]string, len(d.Locations))
	for i := range d.Locations {
		names[i] = d.Locations[i].Owner
	}
	return catalogue(names, nil)
}

// Licenses lists the licenses with the number of locations under each; Extra indexes the terms.
func (d *Dataset) Licenses() []Catalogue {
	names := make([]string, len(d.Locations))
	for i := range d.Locations {
		names[i] = licenseTerms[licenseOf(d.Locations[i].Provider)].Name
	}
	out := catalogue(names, nil)
	for i := range out {
		out[i].Extra = slices.IndexFunc(licenseTerms, func(t LicenseTerms) bool { return t.Name == out[i].Name })
	}
	return out
}

// InstrumentCatalogue lists the instruments in use with their sensor counts; Extra is the
// manufacturer's id in ManufacturerCatalogue.
func (d *Dataset) InstrumentCatalogue() []Catalogue {
	names := make([]string, len(d.Sensors))
	for si := range d.Sensors {
		names[si] = instrumentTable[d.SensorInstrument(si)].Name
	}
	out := catalogue(names, nil)
	makers := d.ManufacturerCatalogue()
	for i := range out {
		in := instrumentTable[slices.IndexFunc(instrumentTable, func(x Instrument) bool { return x.Name == out[i].Name })]
		out[i].Extra = makers[slices.IndexFunc(makers, func(m Catalogue) bool { return m.Name == in.Manufacturer })].ID
	}
	return out
}

// InstrumentNamed returns the instrument model with that name.
func (d *Dataset) InstrumentNamed(name string) Instrument {
	return instrumentTable[slices.IndexFunc(instrumentTable, func(x Instrument) bool { return x.Name == name })]
}

// ManufacturerCatalogue lists the manufacturers of the instruments in use, with how many of
// their instrument models are in use.
func (d *Dataset) ManufacturerCatalogue() []Catalogue {
	used := map[int]bool{}
	for si := range d.Sensors {
		used[d.SensorInstrument(si)] = true
	}
	var names []string
	for i, in := range instrumentTable {
		if used[i] {
			names = append(names, in.Manufacturer)
		}
	}
	return catalogue(names, nil)
}
