package data

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Units as OpenAQ spells them.
const (
	UnitUgM3 = "µg/m³"
	UnitPPM  = "ppm"
)

// Parameter is one entry of the OpenAQ parameter catalogue. As in OpenAQ v3, a pollutant
// measured in two units has two entries (o3 in µg/m³ is id 3, o3 in ppm is id 10).
type Parameter struct {
	ID          int
	Name        string
	DisplayName string
	Units       string
	Description string
}

// parameterCatalogue uses OpenAQ v3's real parameter ids.
var parameterCatalogue = []Parameter{
	{1, "pm10", "PM10", UnitUgM3, "Particulate matter less than 10 micrometers in diameter mass concentration"},
	{2, "pm25", "PM2.5", UnitUgM3, "Particulate matter less than 2.5 micrometers in diameter mass concentration"},
	{3, "o3", "O₃ mass", UnitUgM3, "Ozone mass concentration"},
	{4, "co", "CO mass", UnitUgM3, "Carbon Monoxide mass concentration"},
	{5, "no2", "NO₂ mass", UnitUgM3, "Nitrogen Dioxide mass concentration"},
	{6, "so2", "SO₂ mass", UnitUgM3, "Sulfur Dioxide mass concentration"},
	{7, "no2", "NO₂", UnitPPM, "Nitrogen Dioxide concentration"},
	{8, "co", "CO", UnitPPM, "Carbon Monoxide concentration"},
	{9, "so2", "SO₂", UnitPPM, "Sulfur Dioxide concentration"},
	{10, "o3", "O₃", UnitPPM, "Ozone concentration"},
}

// Pollutants are the OpenAQ parameter names the dataset measures.
var Pollutants = []string{"pm25", "pm10", "o3", "no2", "so2", "co"}

// ugPerPPM converts ppm to µg/m³ at 25 °C and 1 atm for the gases reported in either unit.
var ugPerPPM = map[string]float64{"o3": 1963, "no2": 1880, "so2": 2619, "co": 1145}

// Location is an OpenAQ monitoring location (station).
type Location struct {
	ID, OpenAQID int
	Name         string
	Locality     string
	City         int // index into Dataset.Cities
	Country      int // index into Dataset.Countries
	CountryISO2  string
	CountryISO3  string
	CountryName  string
	Lat, Lon     float64
	Timezone     string
	Owner        string
	Provider     string
	IsMobile     bool
	IsMonitor    bool
	Sensors      []int    // indices into Dataset.Sensors, ascending
	Parameters   []string // names measured, sorted
	// First and Last are the first and last grid slots with a reading (inclusive).
	First, Last int
}

// Sensor is one location's instrument for one parameter. Its readings are a column on the
// shared time grid: raw[i] is the reading at slot Start+i, stored as an integer multiple of
// 1/scale so that values print as the short decimals OpenAQ serves.
type Sensor struct {
	ID          int
	Location    int // index into Dataset.Locations
	Parameter   string
	ParameterID int
	DisplayName string
	Unit        string
	Start       int
	// Quality is the record quality score (0-100) the unified API reports: reference monitors
	// score high, low-cost sensors lower, -999 readings 0.
	Quality   float64
	raw       []int32
	scale     float64
	sentinels []int32 // slots holding -999, ascending
	factor    float64 // station level relative to the city's
}

// End is one past the sensor's last slot.
func (s *Sensor) End() int { return s.Start + len(s.raw) }

// Len is the number of readings.
func (s *Sensor) Len() int { return len(s.raw) }

// Value returns the reading at slot (which must be within [Start, End)).
func (s *Sensor) Value(slot int) float64 { return float64(s.raw[slot-s.Start]) / s.scale }

// IsSentinel reports whether the reading at slot is the -999 missing-value marker.
func (s *Sensor) IsSentinel(slot int) bool {
	return s.raw[slot-s.Start] == int32(SentinelValue*s.scale)
}

// SentinelCount is the number of -999 readings in slots [lo, hi].
func (s *Sensor) SentinelCount(lo, hi int) int {
	a, _ := slices.BinarySearch(s.sentinels, int32(lo))
	b, _ := slices.BinarySearch(s.sentinels, int32(hi+1))
	return b - a
}

// SlotTime is the instant of grid slot i.
func SlotTime(i int) time.Time { return MeasurementStart.Add(time.Duration(i) * MeasurementStep) }

// SlotAtOrAfter is the first slot at or after t (may be MeasurementSlots when past the end).
func SlotAtOrAfter(t time.Time) int {
	d := t.Sub(MeasurementStart)
	if d <= 0 {
		return 0
	}
	s := int(d / MeasurementStep)
	if d%MeasurementStep != 0 {
		s++
	}
	return min(s, MeasurementSlots)
}

// SlotAtOrBefore is the last slot at or before t (-1 when before the start).
func SlotAtOrBefore(t time.Time) int {
	d := t.Sub(MeasurementStart)
	if d < 0 {
		return -1
	}
	return min(int(d/MeasurementStep), MeasurementSlots-1)
}

// MeasurementID is the id of the reading of sensor index si at slot: ids grow with time, so
// ordering by id is ordering by (measured_at, sensor).
func (d *Dataset) MeasurementID(si, slot int) int64 {
	return int64(slot)*int64(len(d.Sensors)) + int64(si) + 1
}

// gasUnitsPPM lists countries whose networks report gases in ppm (the US AirNow convention);
// elsewhere gases are in µg/m³, with exceptions at individual stations.
var gasUnitsPPM = map[string]bool{"US": true, "CA": true, "MX": true, "KR": true, "JP": true,
	"TW": true, "AU": true, "NZ": true, "TH": true}

var eeaCountries = map[string]bool{"FR": true, "DE": true, "NL": true, "BE": true, "ES": true,
	"IT": true, "PL": true, "CZ": true, "AT": true, "SE": true, "FI": true, "DK": true, "IE": true,
	"PT": true, "GR": true, "RO": true, "HU": true, "BG": true, "CH": true, "NO": true, "RS": true}

// monitorNetwork names the provider and owner of reference monitors in a country.
func monitorNetwork(iso2 string, first bool) (provider, owner string) {
	switch {
	case iso2 == "US":
		return "AirNow", "US Environmental Protection Agency"
	case iso2 == "CA":
		return "AirNow", "Environment and Climate Change Canada"
	case iso2 == "GB":
		return "DEFRA", "Department for Environment, Food & Rural Affairs"
	case eeaCountries[iso2]:
		return "EEA", "European Environment Agency"
	case iso2 == "IN":
		return "CPCB", "Central Pollution Control Board"
	case iso2 == "CN":
		return "ChinaMEE", "Ministry of Ecology and Environment"
	case iso2 == "JP":
		return "Japan Soramame", "Ministry of the Environment, Japan"
	case iso2 == "KR":
		return "AirKorea", "Korea Environment Corporation"
	case iso2 == "AU":
		return "Australia - State EPAs", "State Environment Protection Authority"
	case first:
		// The US Department of State runs a monitor at many embassies; AirNow publishes it.
		return "AirNow", "US Department of State"
	default:
		return "Government Monitoring Network", "Unknown Governmental Organization"
	}
}

var lowCostProviders = []struct{ provider, owner string }{
	{"PurpleAir", "Unknown"},
	{"AirGradient", "AirGradient Community"},
	{"Clarity", "Clarity Movement Co."},
	{"Sensor.Community", "Sensor.Community volunteers"},
}

var stationSuffixes = []string{"Central", "North", "South", "East", "West", "Airport", "Harbour",
	"University", "Industrial Park", "Roadside", "City Park", "Old Town", "Riverside", "Stadium",
	"Hospital", "Railway Station", "Suburb", "Ring Road", "Market", "Residential"}

func (d *Dataset) buildOpenAQMetadata() {
	d.Parameters = append([]Parameter(nil), parameterCatalogue...)
	paramID := func(name, unit string) (int, string) {
		for _, p := range parameterCatalogue {
			if p.Name == name && p.Units == unit {
				return p.ID, p.DisplayName
			}
		}
		panic("unknown parameter " + name + " " + unit)
	}
	for ci := range d.Cities {
		city := &d.Cities[ci]
		pl := d.placeOfCity(ci)
		r := newRand(d.Seed, "locations", ci)
		n := 1 + 2*pl.Size + r.IntN(2)
		usedSuffix := map[int]bool{}
		monitors := 0
		for k := 0; k < n; k++ {
			id := len(d.Locations) + 1
			isMonitor := k == 0 || r.Float64() < 0.55
			loc := Location{
				ID: id, OpenAQID: 2178 + id*37 + r.IntN(30), Locality: city.Name, City: ci,
				Country: pl.Country, CountryISO2: city.CountryISO2, CountryISO3: city.CountryISO3,
				CountryName: city.CountryName, Timezone: city.Timezone, IsMonitor: isMonitor,
			}
			dist := 20 * math.Sqrt(r.Float64())
			angle := 2 * math.Pi * r.Float64()
			loc.Lon, loc.Lat = offsetKm(city.Lon, city.Lat, dist*math.Cos(angle), dist*math.Sin(angle))
			if isMonitor {
				loc.Provider, loc.Owner = monitorNetwork(city.CountryISO2, monitors == 0)
				monitors++
				s := r.IntN(len(stationSuffixes))
				for usedSuffix[s] {
					s = (s + 1) % len(stationSuffixes)
				}
				usedSuffix[s] = true
				loc.Name = city.Name + " " + stationSuffixes[s]
			} else {
				lc := lowCostProviders[r.IntN(len(lowCostProviders))]
				loc.Provider, loc.Owner = lc.provider, lc.owner
				if r.Float64() < 0.08 {
					loc.IsMobile = true
					loc.Name = fmt.Sprintf("%s Mobile Lab %d", city.Name, 1+r.IntN(9))
				} else {
					loc.Name = fmt.Sprintf("%s %s #%04d", lc.provider, city.Name, 1000+r.IntN(9000))
				}
			}
			// Most stations report over the whole series; some were commissioned during it and
			// a few stopped reporting.
			first, last := 0, MeasurementSlots-1
			if r.Float64() < 0.15 {
				first = r.IntN(MeasurementSlots * 6 / 10)
			}
			if r.Float64() < 0.05 {
				last = MeasurementSlots*7/10 + r.IntN(MeasurementSlots*3/10-1)
			}
			loc.First, loc.Last = first, last
			ppm := gasUnitsPPM[city.CountryISO2]
			if r.Float64() < 0.15 {
				ppm = !ppm
			}
			var params []string
			if isMonitor {
				params = []string{"pm25"}
				for _, p := range []struct {
					name string
					p    float64
				}{{"pm10", 0.75}, {"no2", 0.7}, {"o3", 0.6}, {"so2", 0.3}, {"co", 0.35}} {
					if r.Float64() < p.p {
						params = append(params, p.name)
					}
				}
			} else {
				params = []string{"pm25"}
				if r.Float64() < 0.5 {
					params = append(params, "pm10")
				}
			}
			li := len(d.Locations)
			for _, p := range params {
				unit := UnitUgM3
				if ppm && ugPerPPM[p] > 0 {
					unit = UnitPPM
				}
				pid, disp := paramID(p, unit)
				q := 60 + 20*r.Float64()
				if isMonitor {
					q = 90 + 8*r.Float64()
				}
				if loc.IsMobile {
					q = 50
				}
				si := len(d.Sensors)
				d.Sensors = append(d.Sensors, Sensor{
					ID: si + 1, Location: li, Parameter: p, ParameterID: pid, DisplayName: disp,
					Unit: unit, Start: first, Quality: math.Round(q*10) / 10,
					raw: make([]int32, last-first+1),
				})
				loc.Sensors = append(loc.Sensors, si)
			}
			loc.Parameters = slices.Clone(params)
			slices.Sort(loc.Parameters)
			d.Locations = append(d.Locations, loc)
			city.LocationIDs = append(city.LocationIDs, id)
		}
		d.stationFactors(ci, r)
	}
}

// stationFactors sets each sensor's level relative to the city. Stations reporting over the
// whole series spread around the city level; stations commissioned or retired during it sit
// exactly at the mean of their full-series peers, so that averaging a changing set of stations
// does not bend the city's trend, which tests check against ground truth.
func (d *Dataset) stationFactors(ci int, r *rand.Rand) {
	type group struct {
		sum  float64
		n    int
		late []*Sensor
	}
	groups := map[string]*group{}
	for _, id := range d.Cities[ci].LocationIDs {
		for _, si := range d.Locations[id-1].Sensors {
			s := &d.Sensors[si]
			g := groups[s.Parameter]
			if g == nil {
				g = &group{}
				groups[s.Parameter] = g
			}
			if s.Start == 0 && s.End() == MeasurementSlots {
				s.factor = lognormal(r, 0.15)
				g.sum += s.factor
				g.n++
			} else {
				g.late = append(g.late, s)
			}
		}
	}
	for _, g := range groups {
		level := 1.0
		if g.n > 0 {
			level = g.sum / float64(g.n)
		}
		for _, s := range g.late {
			s.factor = level
		}
	}
}

func (d *Dataset) placeOfCity(ci int) Place {
	for _, p := range d.Places {
		if p.City == ci {
			return p
		}
	}
	panic("city without place")
}

// generateMeasurements fills every sensor's column. Sensors are independent streams, so the
// work is spread over all cores without changing any value.
func (d *Dataset) generateMeasurements(ctx context.Context) error {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	next := make(chan int, len(d.Sensors))
	for i := range d.Sensors {
		next <- i
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for si := range next {
				if ctx.Err() != nil {
					return
				}
				d.generateSensor(si)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// pollutantModel describes how one pollutant behaves relative to the city's PM2.5 level.
type pollutantModel struct {
	base      func(pm25 float64) float64 // µg/m³
	seasonAmp func(pm25 float64) float64
	summer    bool // peaks in summer (ozone) instead of winter
	diurnal   func(hour float64) float64
	sigma     float64 // log-scale noise
}

var pollutantModels = map[string]pollutantModel{
	"pm25": {
		base:      func(p float64) float64 { return p },
		seasonAmp: func(p float64) float64 { return 0.15 + math.Min(0.35, p/250) },
		diurnal:   func(h float64) float64 { return 1 + 0.15*math.Cos(2*math.Pi*(h-21)/24) },
		sigma:     0.22,
	},
	"pm10": {
		base:      func(p float64) float64 { return 1.7*p + 5 },
		seasonAmp: func(p float64) float64 { return 0.12 + math.Min(0.3, p/300) },
		diurnal:   func(h float64) float64 { return 1 + 0.12*math.Cos(2*math.Pi*(h-20)/24) },
		sigma:     0.22,
	},
	"no2": {
		base:      func(p float64) float64 { return math.Min(80, 12+0.35*p) },
		seasonAmp: func(float64) float64 { return 0.25 },
		diurnal:   func(h float64) float64 { return 1 + 0.28*math.Cos(2*math.Pi*(h-8)/12) },
		sigma:     0.22,
	},
	"o3": {
		base:      func(p float64) float64 { return math.Max(25, 70-0.3*p) },
		seasonAmp: func(float64) float64 { return 0.3 },
		summer:    true,
		diurnal:   func(h float64) float64 { return 1 + 0.45*math.Cos(2*math.Pi*(h-15)/24) },
		sigma:     0.2,
	},
	"so2": {
		base:      func(p float64) float64 { return 3 + 0.15*p },
		seasonAmp: func(float64) float64 { return 0.2 },
		diurnal:   func(h float64) float64 { return 1 + 0.1*math.Cos(2*math.Pi*(h-11)/24) },
		sigma:     0.22,
	},
	"co": {
		base:      func(p float64) float64 { return 250 + 12*p },
		seasonAmp: func(float64) float64 { return 0.3 },
		diurnal:   func(h float64) float64 { return 1 + 0.25*math.Cos(2*math.Pi*(h-8)/12) },
		sigma:     0.22,
	},
}

// sentinelRate is the share of readings replaced by -999.
const sentinelRate = 0.003

func (d *Dataset) generateSensor(si int) {
	s := &d.Sensors[si]
	loc := &d.Locations[s.Location]
	city := &d.Cities[loc.City]
	m := pollutantModels[s.Parameter]
	r := newRand(d.Seed, "sensor", si)

	base := m.base(city.PM25Baseline) * s.factor
	if strings.HasSuffix(loc.Name, "Roadside") && (s.Parameter == "no2" || s.Parameter == "co") {
		base *= 1.4
	}
	unitDiv := 1.0
	s.scale = 10
	if s.Unit == UnitPPM {
		unitDiv = ugPerPPM[s.Parameter]
		s.scale = 10000
	}
	amp := m.seasonAmp(city.PM25Baseline)
	if math.Abs(city.Lat) < 15 {
		amp *= 0.5 // weak seasons in the tropics
	}
	peakDay := 15.0 // mid-January
	if m.summer {
		peakDay = 196 // mid-July
	}
	if city.Lat < 0 {
		peakDay += 182.6
	}
	// Per-day level (season × trend) and per-slot-of-day diurnal factor, so the inner loop
	// costs one exp for the noise.
	const startDOY = 274 // 1 October, 0-based day of year
	days := MeasurementSlots / 8
	level := make([]float64, days)
	growth := math.Log1p(city.TrendPercentPerYear / 100)
	for day := range level {
		doy := float64(startDOY + day)
		level[day] = base / unitDiv * (1 + amp*math.Cos(2*math.Pi*(doy-peakDay)/365.25)) *
			math.Exp(growth*float64(day)/365.25)
	}
	var diurnal [8]float64
	for k := range diurnal {
		h := math.Mod(float64(3*k)+city.Lon/15+24, 24)
		diurnal[k] = m.diurnal(h)
	}
	const phi = 0.8
	innov := math.Sqrt(1-phi*phi) * m.sigma
	bias := m.sigma * m.sigma / 2
	x := r.NormFloat64() * m.sigma
	sentinel := int32(SentinelValue * s.scale)
	for i := range s.raw {
		slot := s.Start + i
		x = phi*x + innov*r.NormFloat64()
		if r.Float64() < sentinelRate {
			s.raw[i] = sentinel
			s.sentinels = append(s.sentinels, int32(slot))
			continue
		}
		v := level[slot/8] * diurnal[slot%8] * math.Exp(x-bias)
		q := int32(math.Round(v * s.scale))
		if q < 1 {
			q = 1
		}
		s.raw[i] = q
	}
}
