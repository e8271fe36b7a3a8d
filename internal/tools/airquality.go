package tools

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// Pollutants are the OpenAQ parameters the air-quality tools accept.
var Pollutants = []string{"pm25", "pm10", "o3", "no2", "so2", "co"}

// sentinel is OpenAQ's missing-value marker.
const sentinel = -999

type airQualityIn struct {
	toolkit.Place
	Parameters []string `json:"parameters,omitempty" jsonschema:"Pollutants to include: pm25, pm10, o3, no2, so2, co. Default: all six."`
	toolkit.Dates
	toolkit.Paging
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
		Title: "Air quality measurements (OpenAQ)",
		Description: "Air-quality measurements from OpenAQ monitoring stations, via Jana: PM2.5 (pm25), PM10 (pm10), ozone (o3), " +
			"nitrogen dioxide (no2), sulphur dioxide (so2) and carbon monoxide (co). Use it for questions like \"what are PM2.5 levels in London?\". " +
			"Requires a location: location_bbox [min_lon, min_lat, max_lon, max_lat], location_point [lon, lat] with radius_km, or country_codes (ISO-3). " +
			"Narrow with parameters and date_from/date_to (ISO 8601). Returns the newest measurements first (station, coordinates, country, pollutant, value, unit, time) " +
			"and a per-pollutant summary (count, min, mean, max). Units: µg/m³ for PM; o3, no2, so2 and co in ppm or µg/m³ depending on the station — compare like with like. " +
			"OpenAQ's -999 missing-value markers are dropped and counted. Pages of up to 1000 rows; pass next_cursor as cursor for more. " +
			"For a station's daily or monthly means use station_means.",
		InputSchema: toolkit.Schema[airQualityIn](func(p map[string]*jsonschema.Schema) {
			toolkit.Constrain(p)
			toolkit.Enum(p["parameters"], Pollutants...)
		}),
	}
	return toolkit.New(env, def, func(ctx context.Context, in airQualityIn) (*toolkit.Page, error) {
		return airQuality(ctx, env, in)
	})
}

func airQuality(ctx context.Context, env *toolkit.Env, in airQualityIn) (*toolkit.Page, error) {
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
	page := 1
	if p := cur["openaq"]; p != "" {
		if page, err = strconv.Atoi(p); err != nil || page < 1 {
			return nil, toolkit.Invalid("cursor", "is damaged; omit it to start from the first page")
		}
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
	stats := map[[2]string]*pollutantSummary{}
	dropped := 0
	countries := toolkit.CheckFilter("location__country_iso2", toolkit.Deref(where.Alpha2()))
	pollutantsSent := toolkit.CheckFilter("parameter_name", toolkit.Deref(params))
	for _, m := range list.Results {
		if !countries.Keep(deref(m.CountryCode)) || !pollutantsSent.Keep(m.ParameterName) {
			continue
		}
		if m.Value == sentinel {
			dropped++
			continue
		}
		row := measurement{
			StationID: m.LocationId, Station: deref(m.LocationName), Lon: m.Longitude, Lat: m.Latitude,
			Country: deref(m.CountryCode), Pollutant: m.ParameterName, Value: m.Value, Unit: m.Unit, MeasuredAt: m.MeasuredAt,
		}
		table.Add(row, strconv.Itoa(row.StationID), row.Station, numPtr(row.Lon), numPtr(row.Lat), row.Country,
			row.Pollutant, toolkit.Num(row.Value), row.Unit, row.MeasuredAt.UTC().Format(time.RFC3339))
		addSample(stats, row.Pollutant, row.Unit, row.Value)
	}
	summaries := summarize(stats)

	p := &toolkit.Page{
		Title: fmt.Sprintf("OpenAQ air quality %s, %s: %d measurements on this page (%d matching in all), newest first.",
			where.Describe(), span.Describe(), len(table.Rows), list.Count),
		Fields: map[string]any{
			"summary":           summaries,
			"sentinels_dropped": dropped,
			"total_matching":    list.Count,
			"page":              page,
		},
		Tables:  []*toolkit.Table{table},
		Sources: []toolkit.Source{toolkit.OpenAQ},
	}
	p.NoteFilters(countries, pollutantsSent)
	if dropped > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("Dropped %d OpenAQ -999 missing-value markers from this page.", dropped))
	}
	for _, s := range summaries {
		p.Notes = append(p.Notes, fmt.Sprintf("Summary %s (%s): n=%d min=%s mean=%s max=%s (over this page).",
			s.Pollutant, s.Unit, s.Count, toolkit.Num(s.Min), toolkit.Num(s.Mean), toolkit.Num(s.Max)))
	}
	if len(list.Results) == 0 {
		p.Notes = append(p.Notes, "No measurements match. Widen the area or the date range, or check the pollutant names.")
	}
	if list.Next != nil {
		p.Next = &toolkit.Next{Cursor: toolkit.EncodeCursor(query, toolkit.Cursor{"openaq": strconv.Itoa(page + 1)})}
	}
	return p, nil
}

// pollutants validates pollutant names; nil means all.
func pollutants(in []string) (*[]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(in))
	for _, p := range in {
		p = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(p), ".", ""))
		if !contains(Pollutants, p) {
			return nil, toolkit.Invalid("parameters", "%q is not one of %s", p, strings.Join(Pollutants, ", "))
		}
		out = append(out, p)
	}
	return &out, nil
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

func summarize(stats map[[2]string]*pollutantSummary) []pollutantSummary {
	out := make([]pollutantSummary, 0, len(stats))
	for _, s := range stats {
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
