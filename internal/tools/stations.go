package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/views"
)

// Daily means cover at most this many days per call, and by default the last 30 days of data.
const (
	maxMeanDays     = 366
	defaultMeanDays = 30
)

type stationMeansIn struct {
	StationID  int      `json:"station_id" jsonschema:"OpenAQ location id (station_id in find_nearby, get_air_quality and get_station results)."`
	Parameters []string `json:"parameters,omitempty" jsonschema:"Pollutants to include: pm25, pm10, o3, no2, so2, co. Default: all the station measures."`
	Resolution string   `json:"resolution,omitempty" jsonschema:"daily (default: the last 30 days of data) or monthly (default: the whole record)."`
	toolkit.Dates
}

type stationMean struct {
	Period    string  `json:"period"`
	Pollutant string  `json:"pollutant"`
	Unit      string  `json:"unit"`
	Mean      float64 `json:"mean"`
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
	Readings  int     `json:"readings"`
	Coverage  float64 `json:"coverage_percent"`
}

type stationInfo struct {
	ID       int     `json:"id"`
	Name     string  `json:"name"`
	Country  string  `json:"country"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	Provider string  `json:"provider"`
}

type meanSummary struct {
	Pollutant string  `json:"pollutant"`
	Unit      string  `json:"unit"`
	Periods   int     `json:"periods"`
	Readings  int     `json:"readings"`
	Mean      float64 `json:"mean"`
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
}

func stationMeans(env *toolkit.Env) toolkit.Tool {
	def := &mcp.Tool{
		Name:  "station_means",
		Title: "Daily or monthly means at a station (OpenAQ)",
		Description: "Daily or monthly means of each pollutant at one OpenAQ station, via Jana's per-sensor aggregates: mean, minimum, maximum, " +
			"number of readings and coverage per period, plus the mean over the whole range. Use it for \"what was PM2.5 at this station each day " +
			"last month?\"; for means across a city or area use get_air_quality. Days are UTC; OpenAQ's -999 markers are left out. " +
			"Daily covers at most 366 days (default: the last 30 days of data); monthly defaults to the whole record.",
		OutputSchema: toolkit.Output(
			toolkit.Rows[stationMean]("means", "One row per period and pollutant."),
			toolkit.Field[[]meanSummary]("summary", "Per pollutant over the whole range."),
			toolkit.Field[stationInfo]("station", "The station."),
			toolkit.Field[string]("resolution", "daily or monthly."),
		),
		InputSchema: toolkit.Schema[stationMeansIn](func(p map[string]*jsonschema.Schema) {
			p["station_id"].Minimum = new(1.0)
			toolkit.Enum(p["parameters"], Pollutants...)
			toolkit.Enum(p["resolution"], "daily", "monthly")
			p["resolution"].Default = json.RawMessage(`"daily"`)
		}),
		Meta: viewMeta(env, views.ChartURI),
	}
	return toolkit.New(env, def, func(ctx context.Context, in stationMeansIn) (*toolkit.Page, error) {
		return stationMeansCall(ctx, env, in)
	})
}

// sensorDays are one sensor's daily aggregates.
type sensorDays struct {
	sensor janaapi.OpenAQSensor
	days   []janaapi.OpenAQSensorAggregate
	err    error
}

func stationMeansCall(ctx context.Context, env *toolkit.Env, in stationMeansIn) (*toolkit.Page, error) {
	if in.StationID < 1 {
		return nil, toolkit.Invalid("station_id", "is required: an OpenAQ location id")
	}
	resolution := strings.ToLower(strings.TrimSpace(in.Resolution))
	if resolution == "" {
		resolution = "daily"
	}
	if resolution != "daily" && resolution != "monthly" {
		return nil, toolkit.Invalid("resolution", "%q is not one of daily, monthly", in.Resolution)
	}
	params, err := pollutants(in.Parameters)
	if err != nil {
		return nil, err
	}
	span, err := in.Dates.Resolve()
	if err != nil {
		return nil, err
	}
	resp, err := env.Jana.API().V1DataSourcesOpenaqLocationsRetrieve(ctx, in.StationID)
	station, err := jana.Decode[janaapi.OpenAQLocationDetail]("v1_data_sources_openaq_locations_retrieve", resp, err)
	if err != nil {
		return nil, err
	}
	if resolution == "daily" && span.From == nil && station.DatetimeLast != nil {
		from := station.DatetimeLast.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(defaultMeanDays - 1))
		if span.To != nil {
			from = span.To.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(defaultMeanDays - 1))
		}
		span.From = &from
	}
	if resolution == "daily" && span.From != nil && span.To != nil && span.To.Sub(*span.From) > maxMeanDays*24*time.Hour {
		return nil, toolkit.Invalid("date_from", "daily means cover at most %d days; narrow date_from/date_to or use resolution monthly", maxMeanDays)
	}
	var sensors []janaapi.OpenAQSensor
	var missing []string
	for _, s := range station.Sensors {
		if params == nil || slices.Contains(*params, s.ParameterName) {
			sensors = append(sensors, s)
		}
	}
	if params != nil {
		for _, p := range *params {
			if !slices.ContainsFunc(station.Sensors, func(s janaapi.OpenAQSensor) bool { return s.ParameterName == p }) {
				missing = append(missing, p)
			}
		}
	}
	results := make([]sensorDays, len(sensors))
	calls := make([]func(), len(sensors))
	for i, s := range sensors {
		calls[i] = func() { results[i] = sensorDaily(ctx, env, s, span) }
	}
	toolkit.Parallel(calls...)

	table := &toolkit.Table{Name: "means", Columns: []string{"period", "pollutant", "unit", "mean", "min", "max", "readings", "coverage_percent"}, Total: -1}
	type acc struct {
		sum, lo, hi    float64
		n, periods     int
		pollutant, unt string
	}
	overall := map[string]*acc{}
	var failures []string
	for _, r := range results {
		if r.err != nil {
			failures = append(failures, fmt.Sprintf("%s: %s", r.sensor.ParameterName, toolkit.ErrorText(r.err)))
			continue
		}
		for _, m := range periodMeans(r.days, resolution) {
			m.Pollutant, m.Unit = r.sensor.ParameterName, r.sensor.Units
			table.Add(m, m.Period, m.Pollutant, m.Unit, toolkit.Num(m.Mean), toolkit.Num(m.Min), toolkit.Num(m.Max),
				strconv.Itoa(m.Readings), toolkit.Num(m.Coverage))
			key := m.Pollutant + " " + m.Unit
			a := overall[key]
			if a == nil {
				a = &acc{lo: math.Inf(1), hi: math.Inf(-1), pollutant: m.Pollutant, unt: m.Unit}
				overall[key] = a
			}
			a.sum += m.Mean * float64(m.Readings)
			a.n += m.Readings
			a.periods++
			a.lo, a.hi = math.Min(a.lo, m.Min), math.Max(a.hi, m.Max)
		}
	}
	if len(failures) > 0 && len(failures) == len(sensors) {
		return nil, results[0].err
	}
	keys := make([]string, 0, len(overall))
	for k := range overall {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	summary := []meanSummary{}
	p := &toolkit.Page{Tables: []*toolkit.Table{table}, Sources: []toolkit.Source{toolkit.OpenAQ}, Fields: map[string]any{}}
	for _, k := range keys {
		a := overall[k]
		s := meanSummary{Pollutant: a.pollutant, Unit: a.unt, Periods: a.periods, Readings: a.n, Mean: round4(a.sum / float64(a.n)), Min: a.lo, Max: a.hi}
		summary = append(summary, s)
		p.Notes = append(p.Notes, fmt.Sprintf("Over the range: %s (%s) mean %s over %d readings in %d %s periods (min %s, max %s).",
			s.Pollutant, s.Unit, toolkit.Num(s.Mean), s.Readings, s.Periods, resolution, toolkit.Num(s.Min), toolkit.Num(s.Max)))
	}
	p.Fields["station"] = stationInfo{ID: station.Id, Name: station.Name, Country: station.CountryCode,
		Lon: station.Longitude, Lat: station.Latitude, Provider: toolkit.Value(station.ProviderName)}
	p.Fields["resolution"] = resolution
	p.Fields["summary"] = summary
	p.Title = fmt.Sprintf("OpenAQ station %d (%s, %s): %s means %s, %d rows.", station.Id, station.Name, station.CountryCode,
		resolution, span.Describe(), len(table.Rows))
	if len(missing) > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("The station does not measure %s; it measures %s.", strings.Join(missing, ", "),
			strings.Join(station.Parameters, ", ")))
	}
	for _, f := range failures {
		p.Notes = append(p.Notes, "Failed for "+f)
	}
	if len(table.Rows) == 0 {
		p.Notes = append(p.Notes, "No valid readings in the range. The station reported from "+toolkit.TimePtr(station.DatetimeFirst)+" to "+
			toolkit.TimePtr(station.DatetimeLast)+"; widen or move date_from/date_to.")
	}
	p.Notes = append(p.Notes, "Means leave out OpenAQ's -999 missing-value markers; days are UTC.")
	return p, nil
}

// sensorDaily pages one sensor's daily aggregates over the span.
func sensorDaily(ctx context.Context, env *toolkit.Env, s janaapi.OpenAQSensor, span toolkit.Span) sensorDays {
	out := sensorDays{sensor: s}
	size := 1000
	for page := 1; page <= 3; page++ { // 3 pages of 1000 days hold a sensor's whole record
		resp, err := env.Jana.API().V1DataSourcesOpenaqSensorsDailyList(ctx, s.Id, &janaapi.V1DataSourcesOpenaqSensorsDailyListParams{
			DateFrom: span.From, DateTo: span.To, Page: &page, PageSize: &size})
		list, err := jana.Decode[janaapi.PaginatedOpenAQSensorAggregateList]("v1_data_sources_openaq_sensors_daily_list", resp, err)
		if err != nil {
			out.err = err
			return out
		}
		out.days = append(out.days, list.Results...)
		if list.Next == nil {
			break
		}
	}
	return out
}

// periodMeans turns daily aggregates into rows, pooling them into months when asked: a
// month's mean weighs each day by its readings.
func periodMeans(days []janaapi.OpenAQSensorAggregate, resolution string) []stationMean {
	var out []stationMean
	type month struct {
		sum, lo, hi float64
		n, expected int // expected: the readings the whole month would hold
	}
	months := map[string]*month{}
	var order []string
	for _, d := range days {
		if d.AvgValue == nil || d.Count == 0 {
			continue
		}
		lo, hi := toolkit.Value(d.MinValue), toolkit.Value(d.MaxValue)
		if resolution == "daily" {
			out = append(out, stationMean{Period: d.PeriodStart.UTC().Format(time.DateOnly), Mean: *d.AvgValue, Min: lo, Max: hi,
				Readings: d.Count, Coverage: d.CoveragePercent})
			continue
		}
		k := d.PeriodStart.UTC().Format("2006-01")
		m := months[k]
		if m == nil {
			t := d.PeriodStart.UTC()
			days := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
			m = &month{lo: math.Inf(1), hi: math.Inf(-1), expected: days * d.ExpectedCount}
			months[k] = m
			order = append(order, k)
		}
		m.sum += *d.AvgValue * float64(d.Count)
		m.n += d.Count
		m.lo, m.hi = math.Min(m.lo, lo), math.Max(m.hi, hi)
	}
	for _, k := range order {
		m := months[k]
		coverage := 0.0 // unknown: Jana gave no expected count
		if m.expected > 0 {
			coverage = math.Round(float64(m.n)/float64(m.expected)*1000) / 10
		}
		out = append(out, stationMean{Period: k, Mean: round4(m.sum / float64(m.n)), Min: m.lo, Max: m.hi, Readings: m.n, Coverage: coverage})
	}
	return out
}

func round4(v float64) float64 { return math.Round(v*10000) / 10000 }
