package tools

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/geo"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// Pollutants are the OpenAQ parameters the air-quality tools accept.
var Pollutants = []string{"pm25", "pm10", "o3", "no2", "so2", "co"}

// sentinel is OpenAQ's missing-value marker.
const sentinel = -999

// Limits of one get_air_quality call over aggregates: the stations it averages, the days it
// spans, and the days over which ozone's 8-hour means are worked out from hourly aggregates.
const (
	maxStations    = 100
	maxPeriodDays  = 731
	maxOzoneDays   = 93
	defaultAQDays  = 30
	sensorFanout   = 8 // concurrent per-sensor requests
	resPeriod      = "period"
	resDaily       = "daily"
	resMonthly     = "monthly"
	resReadings    = "readings"
	aqStationsList = "stations"
	aqCitiesList   = "cities"
	aqReadingsList = "openaq"
)

type airQualityIn struct {
	toolkit.Place
	Parameters []string `json:"parameters,omitempty" jsonschema:"Pollutants: pm25 (PM2.5), pm10, o3, no2, so2, co."`
	toolkit.Dates
	Resolution string `json:"resolution,omitempty" jsonschema:"period: one mean per station and pollutant over the dates; daily or monthly: one per day or month; readings: the individual measurements, newest first."`
	toolkit.Paging
}

// stationMeanRow is one station's mean of one pollutant over a period.
type stationMeanRow struct {
	StationID  int      `json:"station_id"`
	Station    string   `json:"station"`
	City       string   `json:"city,omitempty"`
	Country    string   `json:"country,omitempty"`
	Lon        float64  `json:"lon"`
	Lat        float64  `json:"lat"`
	Pollutant  string   `json:"pollutant"`
	Unit       string   `json:"unit"`
	Period     string   `json:"period"`
	Mean       *float64 `json:"mean" jsonschema:"Mean of the valid readings; null without any."`
	Min        *float64 `json:"min"`
	Max        *float64 `json:"max"`
	Days       int      `json:"days_with_data"`
	Readings   int      `json:"readings"`
	Missing    float64  `json:"missing_percent" jsonschema:"Expected readings missing or -999."`
	Exceed     *int     `json:"exceedance_days" jsonschema:"Days above the WHO 24-hour guideline (ozone: 8-hour)."`
	Guideline  float64  `json:"guideline" jsonschema:"That guideline in this row's unit."`
	Converted  bool     `json:"guideline_converted,omitempty"`
	AboveDaily *bool    `json:"above_guideline,omitempty"`
}

// areaMean is the mean of one pollutant over a group of stations (the whole place, or a city).
type areaMean struct {
	City       string   `json:"city,omitempty"`
	Pollutant  string   `json:"pollutant"`
	Unit       string   `json:"unit"`
	Stations   int      `json:"stations"`
	Mean       float64  `json:"mean" jsonschema:"Mean of the stations' means."`
	MinStation float64  `json:"min_station_mean"`
	MaxStation float64  `json:"max_station_mean"`
	Days       int      `json:"days_with_data"`
	Readings   int      `json:"readings"`
	Missing    float64  `json:"missing_percent"`
	Exceed     *int     `json:"exceedance_days"`
	Guideline  float64  `json:"guideline"`
	Annual     *float64 `json:"annual_guideline,omitempty"`
	Converted  bool     `json:"guideline_converted,omitempty"`
}

type aqPeriod struct {
	From       string `json:"from"`
	To         string `json:"to"`
	Days       int    `json:"days"`
	Resolution string `json:"resolution"`
	Defaulted  bool   `json:"defaulted,omitempty"`
}

type measurement struct {
	StationID  int       `json:"station_id"`
	Station    string    `json:"station"`
	Lon        *float64  `json:"lon"`
	Lat        *float64  `json:"lat"`
	Country    string    `json:"country,omitempty"`
	Pollutant  string    `json:"pollutant"`
	Value      float64   `json:"value"`
	Unit       string    `json:"unit"`
	MeasuredAt time.Time `json:"measured_at"`
}

type pollutantSummary struct {
	Pollutant string  `json:"pollutant"`
	Unit      string  `json:"unit"`
	Count     int     `json:"count"`
	Min       float64 `json:"min"`
	Mean      float64 `json:"mean"`
	Max       float64 `json:"max"`
}

func getAirQuality(env *toolkit.Env) toolkit.Tool {
	def := &mcp.Tool{
		Name:  "get_air_quality",
		Title: "Air quality: station and city means (OpenAQ)",
		Description: "Air quality measured by OpenAQ stations, via Jana: PM2.5 (pm25), PM10, ozone (o3), NO2, SO2 and CO. Answers \"what was PM2.5 in Delhi last month?\" " +
			"with the mean of each station and of the whole place (and per city when the place holds several) for the dates asked, from Jana's daily " +
			"aggregates: readings counted, the share missing, and the days above the WHO 2021 guideline (24-hour; ozone 8-hour). " +
			"Requires a location: location_bbox [min_lon, min_lat, max_lon, max_lat], location_point [lon, lat] with radius_km, or country_codes. " +
			"Give date_from/date_to (default: the last 30 days of data); resolution daily or monthly gives one mean per day or month, readings the raw measurements. " +
			"Units as measured (µg/m³; gases in ppm at some stations): guidelines are converted at 25 °C and 1 atm. OpenAQ's -999 markers are left out. " +
			"At most 100 stations; pass next_cursor as cursor for more rows.",
		OutputSchema: toolkit.Output(
			toolkit.Rows[stationMeanRow](aqStationsList, "Per station and pollutant (and day or month)."),
			toolkit.Rows[areaMean](aqCitiesList, "Per city and pollutant, when there are several cities."),
			toolkit.Field[[]areaMean]("area", "Per pollutant and unit over the whole place."),
			toolkit.Field[aqPeriod]("period", ""),
			toolkit.Field[[]Guideline]("guidelines", "WHO 2021 guidelines."),
			toolkit.Field[int]("stations_matching", ""),
			toolkit.Rows[measurement]("measurements", "resolution readings: newest first."),
			toolkit.Field[[]pollutantSummary]("summary", "resolution readings: over this page."),
			toolkit.Field[int]("sentinels_dropped", ""),
			toolkit.Field[int]("total_matching", ""),
			toolkit.Field[*SourceSpan]("coverage", "Where OpenAQ's data begin and end."),
		),
		InputSchema: toolkit.Schema[airQualityIn](func(p map[string]*jsonschema.Schema) {
			toolkit.Constrain(p)
			toolkit.Enum(p["parameters"], Pollutants...)
			p["parameters"].Default = json.RawMessage(`["pm25","pm10","o3","no2","so2","co"]`)
			toolkit.Enum(p["resolution"], resPeriod, resDaily, resMonthly, resReadings)
			p["resolution"].Default = json.RawMessage(`"period"`)
		}),
	}
	return toolkit.New(env, def, func(ctx context.Context, in airQualityIn) (*toolkit.Page, error) {
		if in.Resolution == resReadings {
			return airQualityReadings(ctx, env, in)
		}
		return airQualityMeans(ctx, env, in)
	})
}

// aqQuery is a validated get_air_quality call over aggregates.
type aqQuery struct {
	in         airQualityIn
	where      toolkit.Where
	span       toolkit.Span
	days       []time.Time // the UTC days of the span
	defaulted  bool
	params     []string
	resolution string
	size       int
	stations   toolkit.Position
	cities     toolkit.Position
	cursor     toolkit.Cursor
}

func resolveAirQuality(ctx context.Context, env *toolkit.Env, in airQualityIn) (*aqQuery, error) {
	q := &aqQuery{in: in, resolution: cmp.Or(in.Resolution, resPeriod)}
	var err error
	if q.where, err = in.Place.Resolve(true); err != nil {
		return nil, err
	}
	if q.span, err = in.Dates.Resolve(); err != nil {
		return nil, err
	}
	if q.size, err = in.PageSize(); err != nil {
		return nil, err
	}
	if q.params, err = pollutantList(in.Parameters); err != nil {
		return nil, err
	}
	query := in
	query.Cursor = ""
	if q.cursor, err = toolkit.DecodeCursor(in.Cursor, query); err != nil {
		return nil, err
	}
	var ok bool
	if q.stations, ok, err = q.cursor.Position(aqStationsList); err != nil {
		return nil, err
	} else if !ok {
		q.stations = toolkit.Position{At: "end"}
	}
	if q.cities, ok, err = q.cursor.Position(aqCitiesList); err != nil {
		return nil, err
	} else if !ok {
		q.cities = toolkit.Position{At: "end"}
	}
	// The dates: as given, else the last 30 days of data (a range given by one end runs 30
	// days from it).
	day := 24 * time.Hour
	switch {
	case q.span.From == nil && q.span.To == nil:
		last := env.Today()
		if cov, err := GetCoverage(ctx, env); err == nil {
			if s, ok := cov[srcOpenAQ]; ok {
				last = s.Last
			}
		}
		to := last.Truncate(day).Add(day - time.Second)
		from := to.Truncate(day).AddDate(0, 0, -(defaultAQDays - 1))
		q.span, q.defaulted = toolkit.Span{From: &from, To: &to}, true
	case q.span.From == nil:
		from := q.span.To.Truncate(day).AddDate(0, 0, -(defaultAQDays - 1))
		q.span.From = &from
	case q.span.To == nil:
		to := q.span.From.Truncate(day).AddDate(0, 0, defaultAQDays).Add(-time.Second)
		q.span.To = &to
	}
	for d := q.span.From.Truncate(day); !d.After(*q.span.To); d = d.Add(day) {
		if !d.Before(*q.span.From) || d.Equal(q.span.From.Truncate(day)) {
			q.days = append(q.days, d)
		}
		if len(q.days) > maxPeriodDays {
			return nil, toolkit.Invalid("date_from", "the dates span more than %d days; means cover at most two years per call: narrow date_from/date_to, "+
				"or use get_trends for a longer series", maxPeriodDays)
		}
	}
	return q, nil
}

// pollutantList validates pollutant names (in any spelling: PM2.5 is pm25); empty means all.
func pollutantList(in []string) ([]string, error) {
	if len(in) == 0 {
		return Pollutants, nil
	}
	var out []string
	for _, p := range in {
		c, ok := toolkit.Canonical(p, Pollutants)
		if !ok {
			return nil, toolkit.Invalid("parameters", "%q is not one of %s", p, strings.Join(Pollutants, ", "))
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// pollutants is pollutantList as the optional filter parameter of Jana's endpoints.
func pollutants(in []string) (*[]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out, err := pollutantList(in)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// station is an OpenAQ location with its sensors of the pollutants asked.
type station struct {
	loc      janaapi.OpenAQLocation
	distance float64
	sensors  []janaapi.OpenAQSensor
}

// sensorData is what Jana's aggregates say of one sensor over the span.
type sensorData struct {
	station *station
	sensor  janaapi.OpenAQSensor
	days    map[time.Time]dayMean
	perDay  int                   // readings the sensor's schedule expects a day
	max8h   map[time.Time]float64 // ozone: each day's highest 8-hour mean
	err     error
}

type dayMean struct {
	mean, min, max  float64
	count, expected int
}

func airQualityMeans(ctx context.Context, env *toolkit.Env, in airQualityIn) (*toolkit.Page, error) {
	q, err := resolveAirQuality(ctx, env, in)
	if err != nil {
		return nil, err
	}
	stations, matching, countries, err := findStations(ctx, env, q)
	if err != nil {
		return nil, err
	}
	sensors := make([]*sensorData, 0, len(stations))
	for _, st := range stations {
		for _, s := range st.sensors {
			sensors = append(sensors, &sensorData{station: st, sensor: s})
		}
	}
	var calls []func()
	var mu sync.Mutex
	done := 0
	for _, sd := range sensors {
		calls = append(calls, func() {
			fetchSensor(ctx, env, q, sd)
			mu.Lock()
			defer mu.Unlock()
			done++
			toolkit.Progress(ctx, done, len(sensors), fmt.Sprintf("aggregates of %d of %d sensors", done, len(sensors)))
		})
	}
	toolkit.ParallelN(sensorFanout, calls...)

	var failed []error
	var ok []*sensorData
	for _, sd := range sensors {
		if sd.err != nil {
			failed = append(failed, sd.err)
			continue
		}
		ok = append(ok, sd)
	}
	if len(sensors) > 0 && len(ok) == 0 {
		return nil, failed[0]
	}

	p := &toolkit.Page{Sources: []toolkit.Source{toolkit.OpenAQ}, Fields: map[string]any{}}
	query := in
	query.Cursor = ""
	p.Query = query
	p.NoteFilters(countries)
	period := aqPeriod{From: q.days[0].Format(time.DateOnly), To: q.days[len(q.days)-1].Format(time.DateOnly), Days: len(q.days),
		Resolution: q.resolution, Defaulted: q.defaulted}
	p.Fields["period"] = period
	p.Fields["stations_matching"] = matching

	stationRows := stationTable(q, ok)
	area, cityRows := groupMeans(q, ok)
	p.Fields["area"] = area

	st := &toolkit.Table{Name: aqStationsList, Total: len(stationRows),
		Columns: []string{"station_id", "station", "city", "pollutant", "unit", "period", "mean", "min", "max", "days_with_data",
			"readings", "missing_percent", "exceedance_days", "guideline"}}
	if q.resolution == resDaily {
		st.Columns = append(st.Columns, "above_guideline")
	}
	pageRows(st, aqStationsList, q.stations, q.size, len(stationRows), func(i int) (any, []string) {
		r := stationRows[i]
		cells := []string{strconv.Itoa(r.StationID), r.Station, r.City, r.Pollutant, r.Unit, r.Period, toolkit.NumPtr(r.Mean),
			toolkit.NumPtr(r.Min), toolkit.NumPtr(r.Max), strconv.Itoa(r.Days), strconv.Itoa(r.Readings), toolkit.Num(r.Missing),
			intPtr(r.Exceed), toolkit.Num(r.Guideline)}
		if q.resolution == resDaily {
			cells = append(cells, boolPtr(r.AboveDaily))
		}
		return r, cells
	})
	p.Tables = append(p.Tables, st)
	if len(cityRows) > 0 {
		ct := &toolkit.Table{Name: aqCitiesList, Total: len(cityRows),
			Columns: []string{"city", "pollutant", "unit", "stations", "mean", "min_station_mean", "max_station_mean", "readings",
				"missing_percent", "exceedance_days", "guideline"}}
		pageRows(ct, aqCitiesList, q.cities, q.size, len(cityRows), func(i int) (any, []string) {
			c := cityRows[i]
			return c, []string{c.City, c.Pollutant, c.Unit, strconv.Itoa(c.Stations), toolkit.Num(c.Mean), toolkit.Num(c.MinStation),
				toolkit.Num(c.MaxStation), strconv.Itoa(c.Readings), toolkit.Num(c.Missing), intPtr(c.Exceed), toolkit.Num(c.Guideline)}
		})
		p.Tables = append(p.Tables, ct)
	}

	p.Title = fmt.Sprintf("OpenAQ air quality %s, %s to %s (%d days): %s.", q.where.Describe(), period.From, period.To, period.Days,
		areaSummary(area, len(stations), matching))
	if q.defaulted {
		p.Notes = append(p.Notes, fmt.Sprintf("No dates were given: these are the last %d days of OpenAQ data in Jana (today is %s). "+
			"Give date_from/date_to for another period.", defaultAQDays, env.Today().Format(time.DateOnly)))
	}
	empty := len(ok) == 0 || allEmpty(ok)
	if note, span := coverageNote(ctx, env, srcOpenAQ, q.span, empty); note != "" {
		p.Notes = append(p.Notes, note)
		p.Fields["coverage"] = span
	}
	if len(stations) == 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("No OpenAQ station %s measures %s. Widen the area (a larger radius_km or box), "+
			"or look for stations with find_nearby.", q.where.Describe(), strings.Join(q.params, ", ")))
	}
	if matching > len(stations) {
		p.Notes = append(p.Notes, fmt.Sprintf("%d stations match; the means cover %d of them (the nearest first for a point). "+
			"Narrow the place for a complete answer, or use air_quality_country_totals for whole countries.", matching, len(stations)))
	}
	p.Notes = append(p.Notes, guidelineNotes(q, area, ok)...)
	for _, e := range failed {
		p.Notes = append(p.Notes, "Some sensors are missing from these means: "+cmp.Or(toolkit.ErrorText(e), "an internal error")+".")
		break
	}
	var shown []Guideline
	for _, g := range WHOGuidelines {
		if slices.Contains(q.params, g.Pollutant) {
			shown = append(shown, g)
		}
	}
	p.Fields["guidelines"] = shown
	return p, nil
}

// pageRows pages through n rows worked out here, as a listing of its own: the page at pos
// holds size rows from the offset pos.At, row(i) makes row i.
func pageRows(t *toolkit.Table, listing string, pos toolkit.Position, size, n int, row func(i int) (any, []string)) {
	if pos.At == "end" { // exhausted on an earlier page
		t.Pages(listing, toolkit.Position{}, "")
		return
	}
	off, err := strconv.Atoi(cmp.Or(pos.At, "0"))
	if err != nil || off < 0 {
		off = n // a damaged position shows nothing rather than failing the other listing
	}
	next := ""
	if off+size < n {
		next = strconv.Itoa(off + size)
	}
	t.Pages(listing, pos, next)
	for i := off; i < min(off+size, n); i++ {
		if i-off < pos.Skip {
			continue
		}
		item, cells := row(i)
		t.AddAt(i-off, item, cells...)
	}
}

func allEmpty(ss []*sensorData) bool {
	for _, s := range ss {
		if len(s.days) > 0 {
			return false
		}
	}
	return true
}

// findStations lists the stations of the place that measure the pollutants (at most
// maxStations, the nearest first for a point), with their sensors of those pollutants, and
// how many stations match in all.
func findStations(ctx context.Context, env *toolkit.Env, q *aqQuery) ([]*station, int, *toolkit.FilterCheck, error) {
	size := 1000
	page := 1
	resp, err := env.Jana.API().V1DataSourcesOpenaqLocationsList(ctx, &janaapi.V1DataSourcesOpenaqLocationsListParams{
		Bbox: q.where.BBoxParam(), Coordinates: q.where.PointParam(), Radius: q.where.RadiusParam(), CountryIso2: q.where.Alpha2(),
		ParameterName: &q.params, Page: &page, PageSize: &size})
	list, err := jana.Decode[janaapi.PaginatedOpenAQLocationList]("v1_data_sources_openaq_locations_list", resp, err)
	if err != nil {
		return nil, 0, nil, err
	}
	countries := toolkit.CheckFilter("country_iso2", toolkit.Value(q.where.Alpha2()))
	var stations []*station
	for _, l := range list.Results {
		if !countries.Keep(l.CountryCode) {
			continue
		}
		st := &station{loc: l}
		if q.where.Point != nil {
			st.distance = geo.DistanceKm(*q.where.Point, geo.Point{Lon: l.Longitude, Lat: l.Latitude})
		}
		stations = append(stations, st)
	}
	sort.SliceStable(stations, func(i, j int) bool {
		a, b := stations[i], stations[j]
		if a.distance != b.distance {
			return a.distance < b.distance
		}
		if la, lb := toolkit.Value(a.loc.Locality), toolkit.Value(b.loc.Locality); la != lb {
			return la < lb
		}
		return a.loc.Id < b.loc.Id
	})
	matching := list.Count - countries.Mismatched()
	if len(stations) > maxStations {
		stations = stations[:maxStations]
	}
	if len(stations) == 0 {
		return nil, matching, countries, nil
	}
	byID := make(map[int]*station, len(stations))
	for _, st := range stations {
		byID[st.loc.Id] = st
	}
	// The sensors: those of the place, kept for the stations chosen.
	for page := 1; page <= 5; page++ {
		resp, err := env.Jana.API().V1DataSourcesOpenaqSensorsList(ctx, &janaapi.V1DataSourcesOpenaqSensorsListParams{
			Bbox: q.where.BBoxParam(), Coordinates: q.where.PointParam(), Radius: q.where.RadiusParam(),
			LocationCountryIso2: q.where.Alpha2(), ParameterName: &q.params, Page: &page, PageSize: &size})
		sl, err := jana.Decode[janaapi.PaginatedOpenAQSensorList]("v1_data_sources_openaq_sensors_list", resp, err)
		if err != nil {
			return nil, 0, nil, err
		}
		for _, s := range sl.Results {
			if st := byID[s.LocationId]; st != nil && slices.Contains(q.params, s.ParameterName) {
				st.sensors = append(st.sensors, s)
			}
		}
		if sl.Next == nil {
			break
		}
	}
	for _, st := range stations {
		sort.SliceStable(st.sensors, func(i, j int) bool {
			return pollutantRank(st.sensors[i].ParameterName) < pollutantRank(st.sensors[j].ParameterName)
		})
	}
	return stations, matching, countries, nil
}

func pollutantRank(p string) int {
	for i, q := range Pollutants {
		if q == p {
			return i
		}
	}
	return len(Pollutants)
}

// fetchSensor reads one sensor's daily aggregates over the span (and for ozone the hourly
// ones, for its 8-hour means).
func fetchSensor(ctx context.Context, env *toolkit.Env, q *aqQuery, sd *sensorData) {
	sd.days = map[time.Time]dayMean{}
	size := 1000
	for page := 1; page <= 2; page++ {
		resp, err := env.Jana.API().V1DataSourcesOpenaqSensorsDailyList(ctx, sd.sensor.Id, &janaapi.V1DataSourcesOpenaqSensorsDailyListParams{
			DateFrom: q.span.From, DateTo: q.span.To, Page: &page, PageSize: &size})
		list, err := jana.Decode[janaapi.PaginatedOpenAQSensorAggregateList]("v1_data_sources_openaq_sensors_daily_list", resp, err)
		if err != nil {
			sd.err = err
			return
		}
		for _, a := range list.Results {
			if a.AvgValue == nil || a.Count == 0 || *a.AvgValue == sentinel {
				continue
			}
			d := a.PeriodStart.UTC().Truncate(24 * time.Hour)
			sd.days[d] = dayMean{mean: *a.AvgValue, min: toolkit.Value(a.MinValue), max: toolkit.Value(a.MaxValue), count: a.Count, expected: a.ExpectedCount}
			sd.perDay = max(sd.perDay, a.ExpectedCount)
		}
		if list.Next == nil {
			break
		}
	}
	if sd.sensor.ParameterName == "o3" && len(q.days) <= maxOzoneDays && len(sd.days) > 0 {
		sd.max8h, sd.err = ozone8h(ctx, env, q, sd)
	}
}

// ozone8h works out each day's highest 8-hour running mean from the hourly aggregates: the
// mean of the hourly means in the eight hours ending at each hour, counted for the day it
// ends in, when the window holds at least three quarters of the readings the schedule
// expects (two of a three-hourly station's, six of an hourly one's).
func ozone8h(ctx context.Context, env *toolkit.Env, q *aqQuery, sd *sensorData) (map[time.Time]float64, error) {
	hours := map[time.Time]float64{}
	size := 1000
	from := q.span.From.Add(-7 * time.Hour)
	for page := 1; page <= 4; page++ {
		resp, err := env.Jana.API().V1DataSourcesOpenaqSensorsHourlyList(ctx, sd.sensor.Id, &janaapi.V1DataSourcesOpenaqSensorsHourlyListParams{
			DateFrom: &from, DateTo: q.span.To, Page: &page, PageSize: &size})
		list, err := jana.Decode[janaapi.PaginatedOpenAQSensorAggregateList]("v1_data_sources_openaq_sensors_hourly_list", resp, err)
		if err != nil {
			return nil, err
		}
		for _, a := range list.Results {
			if a.AvgValue != nil && a.Count > 0 && *a.AvgValue != sentinel {
				hours[a.PeriodStart.UTC().Truncate(time.Hour)] = *a.AvgValue
			}
		}
		if list.Next == nil {
			break
		}
	}
	need := max(2, int(math.Ceil(0.75*8*float64(max(sd.perDay, 1))/24)))
	out := map[time.Time]float64{}
	for _, day := range q.days {
		best, found := 0.0, false
		for h := range 24 {
			end := day.Add(time.Duration(h) * time.Hour)
			sum, n := 0.0, 0
			for k := range 8 {
				if v, ok := hours[end.Add(-time.Duration(k)*time.Hour)]; ok {
					sum += v
					n++
				}
			}
			if n >= need && (!found || sum/float64(n) > best) {
				best, found = sum/float64(n), true
			}
		}
		if found {
			out[day] = best
		}
	}
	return out, nil
}

// stationTable makes the station rows at the query's resolution.
func stationTable(q *aqQuery, sensors []*sensorData) []stationMeanRow {
	var rows []stationMeanRow
	for _, sd := range sensors {
		base := stationMeanRow{StationID: sd.station.loc.Id, Station: sd.station.loc.Name, City: toolkit.Value(sd.station.loc.Locality),
			Country: sd.station.loc.CountryCode, Lon: sd.station.loc.Longitude, Lat: sd.station.loc.Latitude,
			Pollutant: sd.sensor.ParameterName, Unit: sd.sensor.Units}
		g, conv, comparable := short(sd.sensor.ParameterName, sd.sensor.Units)
		base.Guideline, base.Converted = round4(g), conv
		switch q.resolution {
		case resDaily:
			for _, d := range q.days {
				dm, ok := sd.days[d]
				if !ok {
					continue
				}
				r := base
				r.Period = d.Format(time.DateOnly)
				r.Mean, r.Min, r.Max, r.Days, r.Readings = new(round4(dm.mean)), new(dm.min), new(dm.max), 1, dm.count
				r.Missing = missingPercent(dm.count, max(dm.expected, sd.perDay))
				if comparable {
					above := dailyValue(sd, d, dm) > g
					r.AboveDaily = &above
					n := 0
					if above {
						n = 1
					}
					r.Exceed = &n
				}
				rows = append(rows, r)
			}
		case resMonthly:
			for _, m := range months(q.days) {
				r := summarize(base, sd, m.days, comparable, g)
				if r.Days == 0 {
					continue
				}
				r.Period = m.name
				rows = append(rows, r)
			}
		default:
			r := summarize(base, sd, q.days, comparable, g)
			r.Period = q.days[0].Format(time.DateOnly) + "/" + q.days[len(q.days)-1].Format(time.DateOnly)
			rows = append(rows, r)
		}
	}
	return rows
}

// short returns the WHO short-term guideline of a pollutant in unit.
func short(pollutant, unit string) (value float64, converted, ok bool) {
	g, found := shortGuideline(pollutant)
	if !found {
		return 0, false, false
	}
	return inUnit(g, unit)
}

// dailyValue is what a day is compared with the short-term guideline by: its mean, or for
// ozone its highest 8-hour mean (NaN when that is unknown).
func dailyValue(sd *sensorData, d time.Time, dm dayMean) float64 {
	if sd.sensor.ParameterName == "o3" {
		if v, ok := sd.max8h[d]; ok {
			return v
		}
		return math.NaN()
	}
	return dm.mean
}

// summarize makes a row over days: the mean of the valid readings, the range of daily means,
// the share of expected readings missing, and the days above the guideline.
func summarize(base stationMeanRow, sd *sensorData, days []time.Time, comparable bool, g float64) stationMeanRow {
	r := base
	var sum float64
	lo, hi := math.Inf(1), math.Inf(-1)
	exceed, judged := 0, 0
	for _, d := range days {
		dm, ok := sd.days[d]
		if !ok {
			continue
		}
		sum += dm.mean * float64(dm.count)
		r.Readings += dm.count
		r.Days++
		lo, hi = math.Min(lo, dm.mean), math.Max(hi, dm.mean)
		if v := dailyValue(sd, d, dm); !math.IsNaN(v) {
			judged++
			if v > g {
				exceed++
			}
		}
	}
	r.Missing = missingPercent(r.Readings, len(days)*sd.perDay)
	if r.Readings > 0 {
		r.Mean, r.Min, r.Max = new(round4(sum/float64(r.Readings))), new(round4(lo)), new(round4(hi))
	}
	if comparable && judged > 0 {
		r.Exceed = &exceed
	}
	return r
}

func missingPercent(have, expected int) float64 {
	if expected <= 0 {
		return 100
	}
	return math.Round(math.Max(0, 1-float64(have)/float64(expected))*1000) / 10
}

type monthDays struct {
	name string
	days []time.Time
}

func months(days []time.Time) []monthDays {
	var out []monthDays
	for _, d := range days {
		name := d.Format("2006-01")
		if len(out) == 0 || out[len(out)-1].name != name {
			out = append(out, monthDays{name: name})
		}
		out[len(out)-1].days = append(out[len(out)-1].days, d)
	}
	return out
}

// groupMeans averages the stations over the whole place, per pollutant and unit, and per
// city when the stations lie in more than one.
func groupMeans(q *aqQuery, sensors []*sensorData) (area, cities []areaMean) {
	type key struct{ city, pollutant, unit string }
	groups := map[key][]*sensorData{}
	cityNames := map[string]bool{}
	for _, sd := range sensors {
		if len(sd.days) == 0 {
			continue
		}
		city := toolkit.Value(sd.station.loc.Locality)
		cityNames[city] = true
		groups[key{"", sd.sensor.ParameterName, sd.sensor.Units}] = append(groups[key{"", sd.sensor.ParameterName, sd.sensor.Units}], sd)
		groups[key{city, sd.sensor.ParameterName, sd.sensor.Units}] = append(groups[key{city, sd.sensor.ParameterName, sd.sensor.Units}], sd)
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.city != b.city {
			return a.city < b.city
		}
		if pa, pb := pollutantRank(a.pollutant), pollutantRank(b.pollutant); pa != pb {
			return pa < pb
		}
		return a.unit < b.unit
	})
	annual := len(q.days) >= 365
	for _, k := range keys {
		if k.city != "" && len(cityNames) < 2 {
			continue
		}
		m := groupMean(q, groups[k], annual)
		m.City, m.Pollutant, m.Unit = k.city, k.pollutant, k.unit
		if k.city == "" {
			area = append(area, m)
		} else {
			cities = append(cities, m)
		}
	}
	if area == nil {
		area = []areaMean{}
	}
	return area, cities
}

func groupMean(q *aqQuery, group []*sensorData, annual bool) areaMean {
	m := areaMean{Stations: len(group), MinStation: math.Inf(1), MaxStation: math.Inf(-1)}
	pollutant, unit := group[0].sensor.ParameterName, group[0].sensor.Units
	g, conv, comparable := short(pollutant, unit)
	m.Guideline, m.Converted = round4(g), conv
	if annual {
		if ag, ok := guideline(pollutant, avgAnnual); ok {
			if v, _, ok := inUnit(ag, unit); ok {
				m.Annual = new(round4(v))
			}
		}
	}
	var sumMeans float64
	expected := 0
	for _, sd := range group {
		r := summarize(stationMeanRow{}, sd, q.days, comparable, g)
		mean := toolkit.Value(r.Mean)
		sumMeans += mean
		m.MinStation, m.MaxStation = math.Min(m.MinStation, mean), math.Max(m.MaxStation, mean)
		m.Readings += r.Readings
		expected += len(q.days) * sd.perDay
	}
	m.Mean = round4(sumMeans / float64(len(group)))
	m.MinStation, m.MaxStation = round4(m.MinStation), round4(m.MaxStation)
	m.Missing = missingPercent(m.Readings, expected)
	exceed, judged := 0, 0
	for _, d := range q.days {
		var sum float64
		n := 0
		for _, sd := range group {
			if dm, ok := sd.days[d]; ok {
				if v := dailyValue(sd, d, dm); !math.IsNaN(v) {
					sum += v
					n++
				}
			}
		}
		if n > 0 {
			judged++
			if sum/float64(n) > g {
				exceed++
			}
		}
		for _, sd := range group {
			if _, ok := sd.days[d]; ok {
				m.Days++
				break
			}
		}
	}
	if comparable && judged > 0 {
		m.Exceed = &exceed
	}
	return m
}

// areaSummary is the title's account of the place's means.
func areaSummary(area []areaMean, stations, matching int) string {
	if len(area) == 0 {
		if stations == 0 {
			return "no station measures the pollutants asked"
		}
		return fmt.Sprintf("%d stations, none with valid readings in these dates", stations)
	}
	parts := make([]string, 0, len(area))
	for _, a := range area {
		s := fmt.Sprintf("%s mean %s %s over %d station(s)", displayName(a.Pollutant), toolkit.Num(a.Mean), a.Unit, a.Stations)
		if a.Exceed != nil {
			s += fmt.Sprintf(", %d of %d days above the WHO guideline", *a.Exceed, a.Days)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// guidelineNotes set the means against the WHO guidelines, saying which averaging time each
// comparison uses and where units were converted.
func guidelineNotes(q *aqQuery, area []areaMean, sensors []*sensorData) []string {
	var notes []string
	seen := map[string]bool{}
	for _, a := range area {
		if seen[a.Pollutant] {
			continue
		}
		seen[a.Pollutant] = true
		short, _ := shortGuideline(a.Pollutant)
		line := guidelineText(a.Pollutant) + "."
		switch {
		case a.Pollutant == "o3" && len(q.days) > maxOzoneDays:
			line += fmt.Sprintf(" Ozone's 8-hour guideline applies to each day's highest 8-hour mean, which needs hourly data: worked out for up to %d days, so not here.", maxOzoneDays)
		case a.Pollutant == "o3":
			line += " Days are compared by their highest 8-hour mean (from Jana's hourly aggregates); the peak-season guideline needs six months of them and is not worked out."
		default:
			line += fmt.Sprintf(" Each day's mean is compared with the %s level (%s %s).", short.Averaging, trimNum(short.Value), short.Unit)
		}
		if len(q.days) >= 365 {
			line += " The period covers a year, so its mean can be read against the annual guideline (annual_guideline)."
		} else if _, ok := guideline(a.Pollutant, avgAnnual); ok {
			line += fmt.Sprintf(" The annual guideline applies to a whole year's mean; this period is %d days.", len(q.days))
		}
		notes = append(notes, line)
	}
	converted := map[string]string{}
	var incomparable []string
	for _, sd := range sensors {
		u := normUnit(sd.sensor.Units)
		_, conv, ok := short(sd.sensor.ParameterName, sd.sensor.Units)
		switch {
		case !ok:
			incomparable = append(incomparable, sd.sensor.ParameterName+" in "+sd.sensor.Units)
		case conv:
			converted[sd.sensor.ParameterName] = u
		}
	}
	for _, p := range Pollutants {
		if u, ok := converted[p]; ok {
			g, _ := shortGuideline(p)
			v, _, _ := inUnit(g, u)
			notes = append(notes, fmt.Sprintf("Some stations report %s in %s: its guideline %s %s is converted to %s %s at %s (molar volume 24.45 L/mol); "+
				"means in different units are never averaged together.", displayName(p), u, trimNum(g.Value), g.Unit, toolkit.Num(v), u, conversion))
		}
	}
	if len(incomparable) > 0 {
		notes = append(notes, "Not compared with a guideline (no known conversion for the unit): "+strings.Join(incomparable, ", ")+".")
	}
	notes = append(notes, "Means leave out OpenAQ's -999 markers; missing_percent counts them and absent readings against what each station's schedule expects. Days are UTC.")
	return notes
}

// airQualityReadings answers resolution readings: the measurements themselves, newest first.
func airQualityReadings(ctx context.Context, env *toolkit.Env, in airQualityIn) (*toolkit.Page, error) {
	where, err := in.Place.Resolve(true)
	if err != nil {
		return nil, err
	}
	span, err := in.Dates.Resolve()
	if err != nil {
		return nil, err
	}
	size, err := in.PageSize()
	if err != nil {
		return nil, err
	}
	params, err := pollutants(in.Parameters)
	if err != nil {
		return nil, err
	}
	query := in
	query.Cursor = ""
	cur, err := toolkit.DecodeCursor(in.Cursor, query)
	if err != nil {
		return nil, err
	}
	page, pos, _, err := cur.PositionInt(aqReadingsList, 1)
	if err != nil {
		return nil, err
	}
	ordering := janaapi.V1DataSourcesOpenaqMeasurementsListParamsOrderingMinusMeasuredAt
	resp, err := env.Jana.API().V1DataSourcesOpenaqMeasurementsList(ctx, &janaapi.V1DataSourcesOpenaqMeasurementsListParams{
		Bbox:                where.BBoxParam(),
		Coordinates:         where.PointParam(),
		Radius:              where.RadiusParam(),
		LocationCountryIso2: where.Alpha2(),
		DateFrom:            span.From,
		DateTo:              span.To,
		ParameterName:       params,
		Ordering:            &ordering,
		Page:                &page,
		PageSize:            &size,
	})
	list, err := jana.Decode[janaapi.PaginatedOpenAQMeasurementList]("v1_data_sources_openaq_measurements_list", resp, err)
	if err != nil {
		return nil, err
	}

	table := &toolkit.Table{
		Name:    "measurements",
		Columns: []string{"station_id", "station", "lon", "lat", "country", "pollutant", "value", "unit", "measured_at"},
		Total:   list.Count,
	}
	next := ""
	if list.Next != nil {
		next = strconv.Itoa(page + 1)
	}
	table.Pages(aqReadingsList, pos, next)
	stats := map[[2]string]*pollutantSummary{}
	dropped := 0
	countries := toolkit.CheckFilter("location__country_iso2", toolkit.Value(where.Alpha2()))
	pollutantsSent := toolkit.CheckFilter("parameter_name", toolkit.Value(params))
	for i, m := range list.Results {
		if i < pos.Skip {
			continue // shown on the previous page
		}
		if !countries.Keep(toolkit.Value(m.CountryCode)) || !pollutantsSent.Keep(m.ParameterName) {
			continue
		}
		if m.Value == sentinel {
			dropped++
			continue
		}
		row := measurement{
			StationID: m.LocationId, Station: toolkit.Value(m.LocationName), Lon: m.Longitude, Lat: m.Latitude,
			Country: toolkit.Value(m.CountryCode), Pollutant: m.ParameterName, Value: m.Value, Unit: m.Unit, MeasuredAt: m.MeasuredAt,
		}
		table.AddAt(i, row, strconv.Itoa(row.StationID), row.Station, toolkit.NumPtr(row.Lon), toolkit.NumPtr(row.Lat), row.Country,
			row.Pollutant, toolkit.Num(row.Value), row.Unit, row.MeasuredAt.UTC().Format(time.RFC3339))
		addSample(stats, row.Pollutant, row.Unit, row.Value)
	}
	summaries := summarizeSamples(stats)

	p := &toolkit.Page{
		Title: fmt.Sprintf("OpenAQ measurements %s, %s: %d on this page (%d matching in all), newest first.",
			where.Describe(), span.Describe(), len(table.Rows), list.Count),
		Fields: map[string]any{
			"summary":           summaries,
			"sentinels_dropped": dropped,
			"total_matching":    list.Count,
		},
		Tables:  []*toolkit.Table{table},
		Query:   query,
		Sources: []toolkit.Source{toolkit.OpenAQ},
	}
	p.NoteFilters(countries, pollutantsSent)
	if dropped > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("Dropped %d OpenAQ -999 missing-value markers from this page.", dropped))
	}
	for _, s := range summaries {
		p.Notes = append(p.Notes, fmt.Sprintf("Over this page of readings: %s (%s) n=%d min=%s mean=%s max=%s. For means over a period, use resolution period.",
			s.Pollutant, s.Unit, s.Count, toolkit.Num(s.Min), toolkit.Num(s.Mean), toolkit.Num(s.Max)))
	}
	if note, cov := coverageNote(ctx, env, srcOpenAQ, span, list.Count == 0); note != "" {
		p.Notes = append(p.Notes, note)
		p.Fields["coverage"] = cov
	}
	if list.Count == 0 {
		p.Notes = append(p.Notes, "No measurements match. Widen the area or the dates, or check the pollutant names.")
	}
	return p, nil
}

func addSample(stats map[[2]string]*pollutantSummary, pollutant, unit string, v float64) {
	key := [2]string{pollutant, unit}
	s := stats[key]
	if s == nil {
		s = &pollutantSummary{Pollutant: pollutant, Unit: unit, Min: math.Inf(1), Max: math.Inf(-1)}
		stats[key] = s
	}
	s.Count++
	s.Min = math.Min(s.Min, v)
	s.Max = math.Max(s.Max, v)
	s.Mean += (v - s.Mean) / float64(s.Count)
}

func summarizeSamples(stats map[[2]string]*pollutantSummary) []pollutantSummary {
	out := make([]pollutantSummary, 0, len(stats))
	for _, s := range stats {
		s.Mean = round4(s.Mean)
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pollutant != out[j].Pollutant {
			return out[i].Pollutant < out[j].Pollutant
		}
		return out[i].Unit < out[j].Unit
	})
	return out
}

func intPtr(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func boolPtr(p *bool) string {
	if p == nil {
		return ""
	}
	return strconv.FormatBool(*p)
}
