package data

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Fixed time frame of the dataset. Nothing is relative to the wall clock.
var (
	// AsOf is the instant the dataset describes itself as current at: freshness, lags and
	// "latest" values are computed against it.
	AsOf = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	// MeasurementStart is the first slot of the OpenAQ time grid.
	MeasurementStart = time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)
)

const (
	// MeasurementStep is the spacing of OpenAQ readings: every sensor reports on one grid.
	MeasurementStep = 3 * time.Hour
	// MeasurementSlots is the number of grid slots: two years of three-hourly readings ending
	// 2026-09-30T21:00Z, long enough for a seasonal cycle not to swamp the yearly trend.
	MeasurementSlots = 730 * 8
	// SentinelValue marks a missing OpenAQ reading, as the real platform does.
	SentinelValue = -999
)

// City is a place with air-quality stations. Its trend is the ground truth that trend tools
// can be checked against.
type City struct {
	Index       int
	Name        string
	CountryISO2 string
	CountryISO3 string
	CountryName string
	Timezone    string
	Lat, Lon    float64
	// PM25Baseline is the city's mean PM2.5 in µg/m³ at the start of the series.
	PM25Baseline float64
	// TrendPercentPerYear is the built-in long-term change of every pollutant at the city's
	// stations, in percent per year (compounded). Negative means improving air. Cities fall in
	// three groups: improving (-9..-3), worsening (+3..+8) or flat (0). Averaging the city's
	// stations by month and fitting a line plus a yearly harmonic recovers it to within about
	// 2.5 %/yr (the sandbox's /api/v1/esg/trends/ does exactly that; its percent_change is the
	// fitted change over the series, ≈ 100·ln(1+p/100)·years).
	TrendPercentPerYear float64
	// LocationIDs are the OpenAQ location ids in this city.
	LocationIDs []int
}

// Place is a city or region where Climate TRACE assets and EDGAR grid cells are placed.
type Place struct {
	Index    int
	Name     string
	Country  int // index into Dataset.Countries
	Lat, Lon float64
	Timezone string
	Kind     PlaceKind
	Size     int
	City     int // index into Dataset.Cities, -1 for regions
}

// Dataset is the whole sandbox dataset. It is immutable once built and safe for concurrent use.
type Dataset struct {
	Seed int64

	Countries []Country
	Places    []Place
	Cities    []City

	// OpenAQ.
	Parameters []Parameter
	Locations  []Location // Locations[i].ID == i+1
	Sensors    []Sensor   // Sensors[i].ID == i+1

	// Climate TRACE.
	Sectors []Sector // Sectors[i].ID == i+1
	Assets  []Asset  // Assets[i].ID == i+1

	// Who owns the Climate TRACE assets (GLEIF), and their recorded violations.
	Entities      []Entity
	Relationships []Relationship
	Exceptions    []ReportingException
	Matches       []CompanyMatch // ordered by asset
	Violations    []Violation    // ordered by asset, then date

	// EDGAR.
	EdgarSectors []EdgarSector
	EdgarRows    []EdgarRow // EdgarRows[i].ID == i+1
	GridCells    []GridCell

	// Global Carbon Project, and NOAA storm events (United States).
	GCP    GCP
	Storms []StormEvent

	countryByISO3 map[string]int
	countryByISO2 map[string]int
	cityByName    map[string]int
	sectorByName  map[string]int
	edgarDense    []float64 // [country][year][gas][sector] kilotonnes, see edgarIndex
	emissionStats ctStats
	entityByLEI   map[string]int
	fundManaged   [][2]int // fund, manager
	feeders       [][2]int // feeder, master fund
	adminAreas    []AdminArea
	ctIDs, ctByID []int // Climate TRACE country ids (ISO-3 rank) by country index, and back
}

// Build generates the dataset for seed. It takes a few hundred milliseconds; ctx cancels it.
func Build(ctx context.Context, seed int64) (*Dataset, error) {
	d := &Dataset{Seed: seed}
	d.buildCountries()
	if err := d.buildPlaces(); err != nil {
		return nil, err
	}
	d.buildCities()
	d.buildOpenAQMetadata()
	if err := d.generateMeasurements(ctx); err != nil {
		return nil, fmt.Errorf("generate measurements: %w", err)
	}
	d.buildClimateTrace()
	d.buildOwnership()
	d.buildAdminAreas()
	d.buildViolations()
	d.buildEdgar()
	d.buildGrid()
	d.buildGCP()
	d.buildStorms()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("build dataset: %w", err)
	}
	return d, nil
}

func (d *Dataset) buildCountries() {
	d.Countries = append([]Country(nil), countryTable...)
	d.countryByISO3 = make(map[string]int, len(d.Countries))
	d.countryByISO2 = make(map[string]int, len(d.Countries))
	for i, c := range d.Countries {
		d.countryByISO3[c.ISO3] = i
		d.countryByISO2[c.ISO2] = i
	}
	d.ctByID = make([]int, len(d.Countries))
	for i := range d.ctByID {
		d.ctByID[i] = i
	}
	slices.SortFunc(d.ctByID, func(a, b int) int { return strings.Compare(d.Countries[a].ISO3, d.Countries[b].ISO3) })
	d.ctIDs = make([]int, len(d.Countries))
	for rank, ci := range d.ctByID {
		d.ctIDs[ci] = rank + 1
	}
}

func (d *Dataset) buildPlaces() error {
	d.Places = make([]Place, len(placeTable))
	for i, p := range placeTable {
		ci, ok := d.countryByISO3[p.iso3]
		if !ok {
			return fmt.Errorf("place %q: unknown country %q", p.name, p.iso3)
		}
		d.Places[i] = Place{Index: i, Name: p.name, Country: ci, Lat: p.lat, Lon: p.lon,
			Timezone: p.tz, Kind: p.kind, Size: p.size, City: -1}
	}
	return nil
}

func (d *Dataset) buildCities() {
	d.cityByName = make(map[string]int)
	r := newRand(d.Seed, "city-trend", 0)
	for i, p := range placeTable {
		if p.kind != KindCity {
			continue
		}
		// Trends fall in three clear groups so a trend detector has an unambiguous answer:
		// improving (-9..-3 %/yr), worsening (+3..+8 %/yr) or flat (0).
		var trend float64
		switch u := r.Float64(); {
		case u < 0.4:
			trend = -(3 + 6*r.Float64())
		case u < 0.75:
			trend = 3 + 5*r.Float64()
		default:
			trend = 0
		}
		c := d.Countries[d.Places[i].Country]
		ci := len(d.Cities)
		d.Cities = append(d.Cities, City{
			Index: ci, Name: p.name, CountryISO2: c.ISO2, CountryISO3: c.ISO3, CountryName: c.Name,
			Timezone: p.tz, Lat: p.lat, Lon: p.lon, PM25Baseline: p.pm25,
			TrendPercentPerYear: math.Round(trend*10) / 10,
		})
		d.Places[i].City = ci
		d.cityByName[p.name] = ci
	}
}

// CountryByISO3 returns the country with that ISO 3166-1 alpha-3 code.
func (d *Dataset) CountryByISO3(iso3 string) (Country, bool) {
	i, ok := d.countryByISO3[iso3]
	if !ok {
		return Country{}, false
	}
	return d.Countries[i], true
}

// CountryIndex returns the index into Countries of an ISO 3166-1 alpha-3 code.
func (d *Dataset) CountryIndex(iso3 string) (int, bool) {
	i, ok := d.countryByISO3[iso3]
	return i, ok
}

// CountryByISO2 returns the country with that ISO 3166-1 alpha-2 code.
func (d *Dataset) CountryByISO2(iso2 string) (Country, bool) {
	i, ok := d.countryByISO2[iso2]
	if !ok {
		return Country{}, false
	}
	return d.Countries[i], true
}

// CityByName returns the city with that exact name (e.g. "Delhi").
func (d *Dataset) CityByName(name string) (City, bool) {
	i, ok := d.cityByName[name]
	if !ok {
		return City{}, false
	}
	return d.Cities[i], true
}

// Sizes summarises the dataset, for start-up logs and the statistics endpoints.
type Sizes struct {
	Countries, Cities, Locations, Sensors int
	Measurements                          int64
	Sectors, Assets                       int
	Emissions                             int64
	EdgarRows, GridCells                  int
	GridRows                              int64
	Entities, Matches, Storms             int
}

// Sizes counts the rows of every table.
func (d *Dataset) Sizes() Sizes {
	s := Sizes{
		Countries: len(d.Countries), Cities: len(d.Cities), Locations: len(d.Locations),
		Sensors: len(d.Sensors), Sectors: len(d.Sectors), Assets: len(d.Assets),
		EdgarRows: len(d.EdgarRows), GridCells: len(d.GridCells),
		Emissions: d.emissionStats.records,
		GridRows:  int64(len(d.GridCells)) * gridRowsPerCell,
		Entities:  len(d.Entities), Matches: len(d.Matches), Storms: len(d.Storms),
	}
	for i := range d.Sensors {
		s.Measurements += int64(len(d.Sensors[i].raw))
	}
	return s
}
