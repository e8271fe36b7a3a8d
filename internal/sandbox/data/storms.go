package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// NOAA Storm Events (United States, 2015-2024): each state's events follow a rough climatology
// (tornadoes and hail in the plains in spring, hurricanes on the Gulf and Atlantic coasts in
// late summer, winter storms in the north), and many fall near the dataset's US cities.

// StormFirstYear and StormLastYear bound the storm events.
const (
	StormFirstYear = 2015
	StormLastYear  = 2024
)

// StormEvent is one NOAA Storm Events Database record.
type StormEvent struct {
	ID, Episode                int
	Type                       string
	State                      int // index into usStates
	CZName, CZType             string
	Begin, End                 time.Time
	BeginLat, BeginLon         float64
	EndLat, EndLon             float64
	InjuriesDirect, InjuriesIn int
	DeathsDirect, DeathsIn     int
	DamageProperty, DamageCrop float64
	Magnitude                  *float64
	MagnitudeType, TorScale    *string
	Source                     string
}

// USState is a state: its name as NOAA writes it, FIPS code and a box around it.
type USState struct {
	Name                           string
	FIPS                           int
	MinLat, MinLon, MaxLat, MaxLon float64
}

var usStates = []USState{
	{"ALABAMA", 1, 30.2, -88.5, 35.0, -84.9}, {"ARIZONA", 4, 31.3, -114.8, 37.0, -109.0},
	{"ARKANSAS", 5, 33.0, -94.6, 36.5, -89.6}, {"CALIFORNIA", 6, 32.5, -124.4, 42.0, -114.1},
	{"COLORADO", 8, 37.0, -109.1, 41.0, -102.0}, {"CONNECTICUT", 9, 41.0, -73.7, 42.1, -71.8},
	{"DELAWARE", 10, 38.5, -75.8, 39.8, -75.0}, {"FLORIDA", 12, 24.5, -87.6, 31.0, -80.0},
	{"GEORGIA", 13, 30.4, -85.6, 35.0, -80.8}, {"IDAHO", 16, 42.0, -117.2, 49.0, -111.0},
	{"ILLINOIS", 17, 37.0, -91.5, 42.5, -87.5}, {"INDIANA", 18, 37.8, -88.1, 41.8, -84.8},
	{"IOWA", 19, 40.4, -96.6, 43.5, -90.1}, {"KANSAS", 20, 37.0, -102.1, 40.0, -94.6},
	{"KENTUCKY", 21, 36.5, -89.6, 39.1, -82.0}, {"LOUISIANA", 22, 29.0, -94.0, 33.0, -89.0},
	{"MAINE", 23, 43.1, -71.1, 47.5, -67.0}, {"MARYLAND", 24, 37.9, -79.5, 39.7, -75.0},
	{"MASSACHUSETTS", 25, 41.2, -73.5, 42.9, -69.9}, {"MICHIGAN", 26, 41.7, -90.4, 48.3, -82.4},
	{"MINNESOTA", 27, 43.5, -97.2, 49.4, -89.5}, {"MISSISSIPPI", 28, 30.2, -91.7, 35.0, -88.1},
	{"MISSOURI", 29, 36.0, -95.8, 40.6, -89.1}, {"MONTANA", 30, 44.4, -116.1, 49.0, -104.0},
	{"NEBRASKA", 31, 40.0, -104.1, 43.0, -95.3}, {"NEVADA", 32, 35.0, -120.0, 42.0, -114.0},
	{"NEW HAMPSHIRE", 33, 42.7, -72.6, 45.3, -70.6}, {"NEW JERSEY", 34, 38.9, -75.6, 41.4, -73.9},
	{"NEW MEXICO", 35, 31.3, -109.1, 37.0, -103.0}, {"NEW YORK", 36, 40.5, -79.8, 45.0, -71.9},
	{"NORTH CAROLINA", 37, 33.8, -84.3, 36.6, -75.5}, {"NORTH DAKOTA", 38, 45.9, -104.1, 49.0, -96.6},
	{"OHIO", 39, 38.4, -84.8, 42.0, -80.5}, {"OKLAHOMA", 40, 33.6, -103.0, 37.0, -94.4},
	{"OREGON", 41, 42.0, -124.6, 46.3, -116.5}, {"PENNSYLVANIA", 42, 39.7, -80.5, 42.3, -74.7},
	{"RHODE ISLAND", 44, 41.1, -71.9, 42.0, -71.1}, {"SOUTH CAROLINA", 45, 32.0, -83.4, 35.2, -78.5},
	{"SOUTH DAKOTA", 46, 42.5, -104.1, 45.9, -96.4}, {"TENNESSEE", 47, 35.0, -90.3, 36.7, -81.6},
	{"TEXAS", 48, 25.8, -106.6, 36.5, -93.5}, {"UTAH", 49, 37.0, -114.1, 42.0, -109.0},
	{"VERMONT", 50, 42.7, -73.4, 45.0, -71.5}, {"VIRGINIA", 51, 36.5, -83.7, 39.5, -75.2},
	{"WASHINGTON", 53, 45.5, -124.8, 49.0, -116.9}, {"WEST VIRGINIA", 54, 37.2, -82.6, 40.6, -77.7},
	{"WISCONSIN", 55, 42.5, -92.9, 47.1, -86.8}, {"WYOMING", 56, 41.0, -111.1, 45.0, -104.1},
}

// USStates lists the states of the storm events.
func USStates() []USState { return usStates }

// stormCounties names the county of the dataset's US places, as NOAA spells it.
var stormCounties = map[string][2]string{
	"New York": {"NEW YORK", "KINGS"}, "Los Angeles": {"CALIFORNIA", "LOS ANGELES"}, "Chicago": {"ILLINOIS", "COOK"},
	"Houston": {"TEXAS", "HARRIS"}, "Phoenix": {"ARIZONA", "MARICOPA"}, "Denver": {"COLORADO", "DENVER"},
	"Seattle": {"WASHINGTON", "KING"}, "Atlanta": {"GEORGIA", "FULTON"}, "Pittsburgh": {"PENNSYLVANIA", "ALLEGHENY"},
	"Salt Lake City": {"UTAH", "SALT LAKE"}, "Fresno": {"CALIFORNIA", "FRESNO"}, "San Francisco": {"CALIFORNIA", "SAN FRANCISCO"},
	"Permian Basin": {"TEXAS", "MIDLAND"}, "Gulf Coast (Baytown)": {"TEXAS", "HARRIS"}, "Iowa Feedlots": {"IOWA", "POLK"},
	"Powder River Basin": {"WYOMING", "CAMPBELL"},
}

// stormType is an event type with its season, where it happens and what it does.
type stormType struct {
	name      string
	months    []int    // months it occurs in (weighted by repetition)
	states    []string // where; empty means every state
	perYear   int      // events per year nationwide
	durationH float64
	damage    float64 // median property damage in USD when there is some
	hurt      float64 // chance of injuries
}

var stormTypes = []stormType{
	{"Tornado", []int{3, 4, 4, 5, 5, 5, 6, 6}, []string{"TEXAS", "OKLAHOMA", "KANSAS", "NEBRASKA", "IOWA", "MISSOURI", "ARKANSAS",
		"LOUISIANA", "MISSISSIPPI", "ALABAMA", "TENNESSEE", "KENTUCKY", "ILLINOIS", "INDIANA", "GEORGIA", "FLORIDA", "SOUTH DAKOTA",
		"MINNESOTA", "COLORADO", "NORTH CAROLINA"}, 120, 0.3, 150000, 0.15},
	{"Hail", []int{4, 5, 5, 6, 6, 7, 8}, []string{"TEXAS", "OKLAHOMA", "KANSAS", "NEBRASKA", "COLORADO", "SOUTH DAKOTA", "NORTH DAKOTA",
		"MINNESOTA", "IOWA", "MISSOURI", "WYOMING", "MONTANA"}, 140, 0.3, 40000, 0.01},
	{"Thunderstorm Wind", []int{5, 6, 6, 7, 7, 8, 8}, nil, 160, 0.5, 15000, 0.03},
	{"Flash Flood", []int{6, 7, 8, 8, 9}, nil, 70, 6, 60000, 0.04},
	{"Flood", []int{3, 4, 5, 6}, nil, 40, 72, 120000, 0.02},
	{"Winter Storm", []int{12, 1, 1, 2, 2, 3}, []string{"MINNESOTA", "WISCONSIN", "MICHIGAN", "NEW YORK", "PENNSYLVANIA",
		"MASSACHUSETTS", "NORTH DAKOTA", "SOUTH DAKOTA", "COLORADO", "UTAH", "WYOMING", "MONTANA", "MAINE", "VERMONT",
		"NEW HAMPSHIRE", "IOWA", "ILLINOIS", "OHIO"}, 45, 30, 25000, 0.02},
	{"Hurricane", []int{8, 9, 9, 10}, []string{"FLORIDA", "TEXAS", "LOUISIANA", "MISSISSIPPI", "ALABAMA", "GEORGIA",
		"SOUTH CAROLINA", "NORTH CAROLINA"}, 6, 36, 25000000, 0.4},
	{"Excessive Heat", []int{6, 7, 7, 8}, []string{"ARIZONA", "NEVADA", "TEXAS", "CALIFORNIA", "OKLAHOMA", "LOUISIANA",
		"MISSOURI", "ILLINOIS", "PENNSYLVANIA", "NEW YORK", "WASHINGTON", "OREGON"}, 20, 96, 0, 0.2},
	{"Wildfire", []int{7, 8, 9, 10}, []string{"CALIFORNIA", "OREGON", "WASHINGTON", "ARIZONA", "NEW MEXICO", "COLORADO",
		"MONTANA", "IDAHO", "UTAH", "NEVADA"}, 25, 240, 2000000, 0.1},
	{"Drought", []int{6, 7, 8, 9}, []string{"TEXAS", "CALIFORNIA", "NEW MEXICO", "ARIZONA", "OKLAHOMA", "KANSAS", "NEBRASKA",
		"COLORADO", "UTAH", "NEVADA"}, 15, 720, 0, 0},
}

var stormSources = []string{"Trained Spotter", "NWS Storm Survey", "Emergency Manager", "Public", "Broadcast Media",
	"ASOS", "Mesonet", "Law Enforcement", "Department of Highways"}

var stormDirections = []string{"NORTHERN", "SOUTHERN", "EASTERN", "WESTERN", "CENTRAL", "NORTHWEST", "NORTHEAST",
	"SOUTHWEST", "SOUTHEAST"}

func (d *Dataset) buildStorms() {
	stateIdx := map[string]int{}
	for i, s := range usStates {
		stateIdx[s.Name] = i
	}
	// The dataset's US places, by state, to put part of the events near them.
	cities := map[int][]stormCity{}
	for _, p := range d.Places {
		if c, ok := stormCounties[p.Name]; ok {
			cities[stateIdx[c[0]]] = append(cities[stateIdx[c[0]]], stormCity{p.Lat, p.Lon, c[1]})
		}
	}
	type pending struct {
		StormEvent
		order int64
	}
	var all []pending
	for ti, st := range stormTypes {
		states := st.states
		if len(states) == 0 {
			for _, s := range usStates {
				states = append(states, s.Name)
			}
		}
		for y := StormFirstYear; y <= StormLastYear; y++ {
			r := newRand(d.Seed, "storms", ti*100+y)
			n := st.perYear/2 + r.IntN(st.perYear+1)
			for k := 0; k < n; {
				si := stateIdx[states[r.IntN(len(states))]]
				month := st.months[r.IntN(len(st.months))]
				// An episode: one to four events of the same storm system, close in time and space.
				size := 1 + r.IntN(4)
				begin := time.Date(y, time.Month(month), 1+r.IntN(28), r.IntN(24), r.IntN(60), 0, 0, time.UTC)
				lat, lon, county := d.stormPlace(r, usStates[si], cities[si])
				episode := 100000 + len(all)
				for e := 0; e < size && k < n; e, k = e+1, k+1 {
					ev := stormEvent(r, st, si, begin.Add(time.Duration(r.IntN(180))*time.Minute), lat+0.3*r.NormFloat64(),
						lon+0.3*r.NormFloat64(), county)
					ev.Episode = episode
					all = append(all, pending{ev, ev.Begin.Unix()*16 + int64(ti)})
				}
			}
		}
	}
	slices.SortStableFunc(all, func(a, b pending) int {
		switch {
		case a.order < b.order:
			return -1
		case a.order > b.order:
			return 1
		}
		return 0
	})
	d.Storms = make([]StormEvent, len(all))
	for i, p := range all {
		p.ID = 600001 + i*7 // NOAA's event ids grow with time, with gaps
		d.Storms[i] = p.StormEvent
	}
}

type stormCity struct {
	lat, lon float64
	county   string
}

// stormPlace puts an event in a state: near one of the dataset's cities there (40 %), else
// anywhere in the state's box, in a forecast zone named after its part of the state.
func (d *Dataset) stormPlace(r *rand.Rand, s USState, cities []stormCity) (float64, float64, string) {
	if len(cities) > 0 && r.Float64() < 0.4 {
		c := cities[r.IntN(len(cities))]
		lon, lat := offsetKm(c.lon, c.lat, 30*r.NormFloat64(), 30*r.NormFloat64())
		return lat, lon, "C:" + c.county
	}
	lat := s.MinLat + (s.MaxLat-s.MinLat)*(0.1+0.8*r.Float64())
	lon := s.MinLon + (s.MaxLon-s.MinLon)*(0.1+0.8*r.Float64())
	return round6(lat), round6(lon), "Z:" + stormDirections[r.IntN(len(stormDirections))] + " " + s.Name
}

func stormEvent(r *rand.Rand, st stormType, state int, begin time.Time, lat, lon float64, place string) StormEvent {
	s := usStates[state]
	lat = math.Max(s.MinLat, math.Min(s.MaxLat, lat))
	lon = math.Max(s.MinLon, math.Min(s.MaxLon, lon))
	ev := StormEvent{Type: st.name, State: state, CZType: place[:1], CZName: place[2:], Begin: begin,
		End:      begin.Add(time.Duration(st.durationH * (0.5 + r.Float64()) * float64(time.Hour))).Truncate(time.Minute),
		BeginLat: round6(lat), BeginLon: round6(lon), Source: stormSources[r.IntN(len(stormSources))]}
	ev.EndLat, ev.EndLon = ev.BeginLat, ev.BeginLon
	if st.name == "Tornado" {
		scales := []string{"EF0", "EF0", "EF0", "EF0", "EF1", "EF1", "EF1", "EF2", "EF2", "EF3", "EF4"}
		sc := scales[r.IntN(len(scales))]
		ev.TorScale = &sc
		ev.EndLat, ev.EndLon = round6(lat+0.02+0.1*r.Float64()), round6(lon+0.05+0.2*r.Float64())
		if sc == "EF3" || sc == "EF4" {
			ev.DeathsDirect = r.IntN(4)
			ev.InjuriesDirect = 2 + r.IntN(30)
		}
	}
	switch st.name {
	case "Hail":
		m := float64(75+25*r.IntN(10)) / 100
		ev.Magnitude = &m
	case "Thunderstorm Wind":
		m := float64(50 + r.IntN(35))
		mt := []string{"EG", "MG", "ES", "MS"}[r.IntN(4)]
		ev.Magnitude, ev.MagnitudeType = &m, &mt
	}
	if r.Float64() < st.hurt {
		ev.InjuriesDirect += 1 + r.IntN(8)
		ev.InjuriesIn = r.IntN(3)
		if st.name == "Hurricane" || st.name == "Excessive Heat" || r.Float64() < 0.1 {
			ev.DeathsDirect += r.IntN(3)
			ev.DeathsIn = r.IntN(4)
		}
	}
	if st.damage > 0 && r.Float64() < 0.7 {
		ev.DamageProperty = math.Round(st.damage*lognormal(r, 1.2)/1000) * 1000
	}
	if (st.name == "Hail" || st.name == "Drought" || st.name == "Flood") && r.Float64() < 0.4 {
		ev.DamageCrop = math.Round(50000*lognormal(r, 1.3)/1000) * 1000
	}
	return ev
}

// StateName is the upper-case name of an event's state.
func (e *StormEvent) StateName() string { return usStates[e.State].Name }

// StateFIPS is the FIPS code of an event's state.
func (e *StormEvent) StateFIPS() int { return usStates[e.State].FIPS }
