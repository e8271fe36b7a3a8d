package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// Gases are the greenhouse gases the emissions tools accept.
var Gases = []string{"co2", "ch4", "n2o", "co2e"}

// Emission sources.
const (
	srcClimateTRACE = "climatetrace"
	srcEDGAR        = "edgar"
	srcOpenAQ       = "openaq"
)

type emissionsIn struct {
	toolkit.Place
	Sources     []string `json:"sources,omitempty" jsonschema:"climatetrace (facility-level monthly emissions, tonnes) and/or edgar (national yearly totals, kilotonnes; gridded cells when the location is a box or point)."`
	Sectors     []string `json:"sectors,omitempty" jsonschema:"Climate TRACE sectors, e.g. electricity-generation, cement, iron-and-steel, oil-and-gas-refining, road-transportation. Default: all."`
	Gases       []string `json:"gases,omitempty" jsonschema:"co2, ch4, n2o, or co2e (CO2-equivalent, 100-year GWP)."`
	EdgarSector string   `json:"edgar_sector,omitempty" jsonschema:"EDGAR sector code: ENE (power), IND (industry), TRO (road transport), RCO (buildings), PRO (fuel production), AGS and ENF (agriculture), SWD_LDF (landfills), or TOTAL. Default: TOTAL for national totals, all for grid cells."`
	toolkit.Dates
	YearFrom int `json:"year_from,omitempty" jsonschema:"EDGAR: first year, inclusive. Default: the year of date_from, else all years."`
	YearTo   int `json:"year_to,omitempty" jsonschema:"EDGAR: last year, inclusive. Default: the year of date_to, else all years."`
	toolkit.Paging
}

type facilityEmission struct {
	AssetID    int      `json:"asset_id"`
	Asset      string   `json:"asset"`
	Sector     string   `json:"sector"`
	Country    string   `json:"country,omitempty"`
	Gas        string   `json:"gas"`
	Month      string   `json:"month"`
	Tonnes     float64  `json:"emissions_tonnes"`
	CO2eTonnes float64  `json:"co2e_tonnes"`
	Lon        *float64 `json:"lon"`
	Lat        *float64 `json:"lat"`
}

type nationalEmission struct {
	Country     string  `json:"country"`
	Name        string  `json:"name,omitempty"`
	Year        int     `json:"year"`
	Gas         string  `json:"gas"`
	Sector      string  `json:"sector"`
	Kilotonnes  float64 `json:"value_kt"`
	Provisional bool    `json:"provisional"`
}

type gridEmission struct {
	Lon    float64 `json:"lon"`
	Lat    float64 `json:"lat"`
	Year   int     `json:"year"`
	Gas    string  `json:"gas"`
	Sector string  `json:"sector"`
	Tonnes float64 `json:"value_tonnes"`
}

func getEmissions(env *toolkit.Env) toolkit.Tool {
	def := &mcp.Tool{
		Name:  "get_emissions",
		Title: "Greenhouse-gas emissions (Climate TRACE, EDGAR)",
		Description: "Greenhouse-gas emissions from two sources, via Jana: Climate TRACE facility-level monthly emissions (power plants, steel mills, " +
			"cement plants, refineries, ...; tonnes per month, 2021 onward) and EDGAR yearly national totals (kilotonnes), or EDGAR 0.1° grid cells " +
			"(tonnes per cell and year) when the location is a box or point. Use it for \"which plants near Rotterdam emit most?\" or \"India's methane since 2015\". " +
			"Requires a location: location_bbox, location_point with radius_km, or country_codes (alpha-3 or alpha-2). Narrow with sources, sectors, gases " +
			"(co2, ch4, n2o, co2e = CO2-equivalent over 100 years), date_from/date_to (Climate TRACE months) and year_from/year_to (EDGAR). " +
			"Results are grouped per source; limit applies per source; pass next_cursor as cursor for more.",
		OutputSchema: toolkit.Output(
			toolkit.Rows[facilityEmission]("facility_emissions", "Climate TRACE: one row per facility, gas and month."),
			toolkit.Rows[nationalEmission]("national_totals", "EDGAR: one row per country, year, gas and sector (kilotonnes)."),
			toolkit.Rows[gridEmission]("grid_cells", "EDGAR: one row per 0.1° cell, year, gas and sector (tonnes), for a box or point."),
		),
		InputSchema: toolkit.Schema[emissionsIn](func(p map[string]*jsonschema.Schema) {
			toolkit.Constrain(p)
			toolkit.Enum(p["sources"], srcClimateTRACE, srcEDGAR)
			p["sources"].Default = json.RawMessage(`["climatetrace","edgar"]`)
			toolkit.Enum(p["gases"], Gases...)
			p["gases"].Default = json.RawMessage(`["co2e"]`)
			for _, k := range []string{"year_from", "year_to"} {
				p[k].Minimum, p[k].Maximum = new(1970.0), new(2100.0)
			}
		}),
	}
	return toolkit.New(env, def, func(ctx context.Context, in emissionsIn) (*toolkit.Page, error) {
		return emissions(ctx, env, in)
	})
}

// emissionsQuery is a validated get_emissions call.
type emissionsQuery struct {
	where            toolkit.Where
	span             toolkit.Span
	size             int
	gases            []string
	yearFrom, yearTo int
	in               emissionsIn
	cursor           toolkit.Cursor
	sources          []string
	ctGases          []janaapi.V1DataSourcesClimatetraceEmissionsListParamsGas
	edgarGases       []string
	edgarSect        string
}

// sourcePage is one source's share of a get_emissions page.
type sourcePage struct {
	source string
	table  *toolkit.Table // pages through the source's listing
	note   string
	err    error
	checks []*toolkit.FilterCheck // filters sent, checked against the rows
}

func emissions(ctx context.Context, env *toolkit.Env, in emissionsIn) (*toolkit.Page, error) {
	q, err := resolveEmissions(in)
	if err != nil {
		return nil, err
	}
	results := make([]sourcePage, len(q.sources))
	var calls []func()
	for i, src := range q.sources {
		pos, ok, err := q.cursor.Position(src)
		if err != nil {
			return nil, err
		}
		if !ok {
			results[i] = sourcePage{source: src, note: fmt.Sprintf("%s: no more rows.", sourceName(src))}
			continue
		}
		calls = append(calls, func() {
			if src == srcClimateTRACE {
				results[i] = climateTraceEmissions(ctx, env, q, pos)
			} else {
				results[i] = edgarEmissions(ctx, env, q, pos)
			}
		})
	}
	toolkit.Parallel(calls...)
	attempted := len(calls)

	query := in
	query.Cursor = ""
	p := &toolkit.Page{Fields: map[string]any{}, Query: query}
	var failures []error
	var parts []string
	for _, r := range results {
		if r.err != nil {
			failures = append(failures, r.err)
			msg := toolkit.ErrorText(r.err)
			if msg == "" {
				msg = "internal error"
			}
			p.Notes = append(p.Notes, fmt.Sprintf("%s failed: %s", sourceName(r.source), msg))
			continue
		}
		if r.note != "" {
			p.Notes = append(p.Notes, r.note)
		}
		p.NoteFilters(r.checks...)
		if r.table == nil {
			continue
		}
		p.Tables = append(p.Tables, r.table)
		parts = append(parts, fmt.Sprintf("%s %d %s", sourceName(r.source), len(r.table.Rows), r.table.Name))
		if r.source == srcClimateTRACE {
			p.Sources = append(p.Sources, toolkit.ClimateTRACE)
		} else {
			p.Sources = append(p.Sources, toolkit.EDGAR)
		}
	}
	if len(failures) > 0 && len(failures) == attempted {
		return nil, failures[0] // nothing to show: report the (first) reason as the tool error
	}
	p.Title = fmt.Sprintf("Emissions %s, gases %s: %s.", q.where.Describe(), strings.Join(q.gases, ", "), strings.Join(parts, "; "))
	return p, nil
}

func resolveEmissions(in emissionsIn) (emissionsQuery, error) {
	q := emissionsQuery{in: in}
	var err error
	if q.where, err = in.Place.Resolve(true); err != nil {
		return q, err
	}
	if q.span, err = in.Dates.Resolve(); err != nil {
		return q, err
	}
	if q.size, err = in.PageSize(); err != nil {
		return q, err
	}
	q.sources = []string{srcClimateTRACE, srcEDGAR}
	if len(in.Sources) > 0 {
		q.sources = nil
		for _, s := range in.Sources {
			s = strings.ToLower(strings.ReplaceAll(s, " ", ""))
			if s != srcClimateTRACE && s != srcEDGAR {
				return q, toolkit.Invalid("sources", "%q is not one of climatetrace, edgar", s)
			}
			if !slices.Contains(q.sources, s) {
				q.sources = append(q.sources, s)
			}
		}
	}
	q.gases = []string{"co2e"}
	if len(in.Gases) > 0 {
		q.gases = nil
		for _, g := range in.Gases {
			g = strings.ToLower(strings.TrimSpace(g))
			if !slices.Contains(Gases, g) {
				return q, toolkit.Invalid("gases", "%q is not one of %s", g, strings.Join(Gases, ", "))
			}
			if !slices.Contains(q.gases, g) {
				q.gases = append(q.gases, g)
			}
		}
	}
	for _, g := range q.gases {
		ct, edgar := gasCodes(g)
		q.ctGases = append(q.ctGases, janaapi.V1DataSourcesClimatetraceEmissionsListParamsGas(ct))
		q.edgarGases = append(q.edgarGases, edgar)
	}
	q.yearFrom, q.yearTo = in.YearFrom, in.YearTo
	if q.yearFrom == 0 && q.span.From != nil {
		q.yearFrom = q.span.From.Year()
	}
	if q.yearTo == 0 && q.span.To != nil {
		q.yearTo = q.span.To.Year()
	}
	if q.yearFrom != 0 && q.yearTo != 0 && q.yearFrom > q.yearTo {
		return q, toolkit.Invalid("year_from", "%d is after year_to %d", q.yearFrom, q.yearTo)
	}
	q.edgarSect = strings.ToUpper(strings.TrimSpace(in.EdgarSector))
	query := in
	query.Cursor = ""
	if q.cursor, err = toolkit.DecodeCursor(in.Cursor, query); err != nil {
		return q, err
	}
	return q, nil
}

// gasCodes maps a tool gas to Climate TRACE's and EDGAR's names for it.
func gasCodes(g string) (climateTrace, edgar string) {
	if g == "co2e" {
		return "co2e_100yr", "GHG"
	}
	return g, strings.ToUpper(g)
}

func sourceName(src string) string {
	switch src {
	case srcClimateTRACE:
		return "Climate TRACE"
	case srcEDGAR:
		return "EDGAR"
	case srcOpenAQ:
		return "OpenAQ"
	}
	return src
}

func climateTraceEmissions(ctx context.Context, env *toolkit.Env, q emissionsQuery, pos toolkit.Position) sourcePage {
	out := sourcePage{source: srcClimateTRACE}
	params := &janaapi.V1DataSourcesClimatetraceEmissionsListParams{
		Bbox:        q.where.BBoxParam(),
		Coordinates: q.where.PointParam(),
		Radius:      q.where.RadiusParam(),
		CountryIso3: q.where.Alpha3(),
		Gas:         &q.ctGases,
		PageSize:    &q.size,
	}
	if len(q.in.Sectors) > 0 {
		sectors := make([]string, len(q.in.Sectors))
		for i, s := range q.in.Sectors {
			sectors[i] = strings.ToLower(strings.TrimSpace(s))
		}
		params.SectorName = &sectors
	}
	if q.span.From != nil {
		params.StartDate = &openapi_types.Date{Time: monthStart(*q.span.From)}
	}
	if q.span.To != nil {
		params.EndDate = &openapi_types.Date{Time: *q.span.To}
	}
	if pos.At != "" {
		params.Cursor = &pos.At
	}
	resp, err := env.Jana.API().V1DataSourcesClimatetraceEmissionsList(ctx, params)
	list, err := jana.Decode[janaapi.PaginatedClimateTraceEmissionList]("v1_data_sources_climatetrace_emissions_list", resp, err)
	if err != nil {
		out.err = err
		return out
	}
	t := &toolkit.Table{
		Name:    "facility_emissions",
		Columns: []string{"asset_id", "asset", "sector", "country", "gas", "month", "emissions_tonnes", "co2e_tonnes", "lon", "lat"},
		Total:   -1,
	}
	countries := toolkit.CheckFilter("country_iso3", toolkit.Value(q.where.Alpha3()))
	sectors := toolkit.CheckFilter("sector_name", toolkit.Value(params.SectorName))
	gases := toolkit.CheckFilter("gas", q.ctGases)
	out.checks = []*toolkit.FilterCheck{countries, sectors, gases}
	t.Pages(srcClimateTRACE, pos, toolkit.NextParam(list.Next, "cursor"))
	for i, e := range list.Results {
		if i < pos.Skip || !countries.Keep(toolkit.Value(e.CountryCode)) || !sectors.Keep(e.SectorName) || !gases.Keep(e.Gas) {
			continue
		}
		row := facilityEmission{
			AssetID: e.AssetId, Asset: e.AssetName, Sector: e.SectorName, Country: toolkit.Value(e.CountryCode), Gas: e.Gas,
			Month: e.StartTime.UTC().Format("2006-01"), Tonnes: e.EmissionsQuantity, CO2eTonnes: e.Co2eTonnes, Lon: e.Lon, Lat: e.Lat,
		}
		t.AddAt(i, row, strconv.Itoa(row.AssetID), row.Asset, row.Sector, row.Country, row.Gas, row.Month,
			toolkit.Num(row.Tonnes), toolkit.Num(row.CO2eTonnes), toolkit.NumPtr(row.Lon), toolkit.NumPtr(row.Lat))
	}
	out.table = t
	if len(list.Results) == 0 && pos.At == "" {
		out.note = "Climate TRACE: no facility emissions match; widen the area or dates, or check sector names with list_emission_sectors."
		if note, _ := coverageNote(ctx, env, srcClimateTRACE, q.span, true); note != "" {
			out.note += " " + note
		}
	}
	return out
}

func edgarEmissions(ctx context.Context, env *toolkit.Env, q emissionsQuery, pos toolkit.Position) sourcePage {
	if q.where.BBox != nil || q.where.Point != nil {
		return edgarGrid(ctx, env, q, pos)
	}
	out := sourcePage{source: srcEDGAR}
	sector := q.edgarSect
	if sector == "" {
		sector = "TOTAL"
	}
	params := &janaapi.V1DataSourcesEdgarCountryTotalsListParams{
		CountryIso3: q.where.Alpha3(),
		Sector:      &sector,
		PageSize:    &q.size,
		StartDate:   yearDate(q.yearFrom, time.January, 1),
		EndDate:     yearDate(q.yearTo, time.December, 31),
	}
	if len(q.edgarGases) == 1 {
		gas := janaapi.V1DataSourcesEdgarCountryTotalsListParamsGas(q.edgarGases[0])
		params.Gas = &gas
	}
	if pos.At != "" {
		page, err := strconv.Atoi(pos.At)
		if err != nil || page < 1 {
			out.err = toolkit.Invalid("cursor", "is damaged; omit it to start from the first page")
			return out
		}
		params.Page = &page
	}
	resp, err := env.Jana.API().V1DataSourcesEdgarCountryTotalsList(ctx, params)
	list, err := jana.Decode[janaapi.PaginatedEdgarCountryTotalList]("v1_data_sources_edgar_country_totals_list", resp, err)
	if err != nil {
		out.err = err
		return out
	}
	t := &toolkit.Table{
		Name:    "national_totals",
		Columns: []string{"country", "name", "year", "gas", "sector", "value_kt", "provisional"},
		Total:   list.Count,
	}
	countries := toolkit.CheckFilter("country_iso3", toolkit.Value(q.where.Alpha3()))
	t.Pages(srcEDGAR, pos, toolkit.NextParam(list.Next, "page"))
	for i, e := range list.Results {
		if i < pos.Skip || !countries.Keep(e.CountryCode) {
			continue
		}
		if len(q.edgarGases) > 1 && !slices.Contains(q.edgarGases, e.GasType) {
			continue // several gases were asked for: Jana filters one, so filter here
		}
		row := nationalEmission{
			Country: e.CountryCode, Name: toolkit.Value(e.CountryName), Year: e.Year, Gas: e.GasType, Sector: e.Sector,
			Kilotonnes: e.Value, Provisional: toolkit.Value(e.Provisional),
		}
		t.AddAt(i, row, row.Country, row.Name, strconv.Itoa(row.Year), row.Gas, row.Sector, toolkit.Num(row.Kilotonnes), strconv.FormatBool(row.Provisional))
	}
	out.table = t
	out.checks = append(out.checks, countries)
	if len(list.Results) == 0 && pos.At == "" {
		out.note = "EDGAR: no national totals match; check country codes and years."
		if cov, err := GetCoverage(ctx, env); err == nil {
			if s, ok := cov[srcEDGAR]; ok {
				out.note += fmt.Sprintf(" EDGAR in Jana covers %s.", s.Span())
			}
		}
	}
	return out
}

func edgarGrid(ctx context.Context, env *toolkit.Env, q emissionsQuery, pos toolkit.Position) sourcePage {
	out := sourcePage{source: srcEDGAR}
	params := &janaapi.V1DataSourcesEdgarGridEmissionsListParams{
		Bbox:        q.where.BBoxParam(),
		Coordinates: q.where.PointParam(),
		Radius:      q.where.RadiusParam(),
		PageSize:    &q.size,
	}
	if q.edgarSect != "" {
		params.Sector = &q.edgarSect
	}
	if len(q.edgarGases) == 1 {
		gas := janaapi.V1DataSourcesEdgarGridEmissionsListParamsGas(q.edgarGases[0])
		params.Gas = &gas
	}
	params.StartDate = yearDate(q.yearFrom, time.January, 1)
	params.EndDate = yearDate(q.yearTo, time.December, 31)
	if pos.At != "" {
		params.Cursor = &pos.At
	}
	resp, err := env.Jana.API().V1DataSourcesEdgarGridEmissionsList(ctx, params)
	list, err := jana.Decode[janaapi.PaginatedEdgarGridCellList]("v1_data_sources_edgar_grid_emissions_list", resp, err)
	if err != nil {
		out.err = err
		return out
	}
	t := &toolkit.Table{
		Name:    "grid_cells",
		Columns: []string{"lon", "lat", "year", "gas", "sector", "value_tonnes"},
		Total:   -1,
	}
	t.Pages(srcEDGAR, pos, toolkit.NextParam(list.Next, "cursor"))
	for i, c := range list.Results {
		if i < pos.Skip || len(q.edgarGases) > 1 && !slices.Contains(q.edgarGases, c.GasType) {
			continue
		}
		row := gridEmission{Lon: c.Longitude, Lat: c.Latitude, Year: c.Year, Gas: c.GasType, Sector: c.Sector, Tonnes: c.Value}
		t.AddAt(i, row, toolkit.Num(row.Lon), toolkit.Num(row.Lat), strconv.Itoa(row.Year), row.Gas, row.Sector, toolkit.Num(row.Tonnes))
	}
	out.table = t
	out.note = "EDGAR: the location is a box or point, so these are 0.1° grid cells (tonnes per cell and year), not national totals."
	return out
}

// yearDate is a start_date/end_date parameter for a year (nil for 0: no bound); Jana keeps
// whole years of the dates it is given.
func yearDate(year int, m time.Month, day int) *openapi_types.Date {
	if year == 0 {
		return nil
	}
	return &openapi_types.Date{Time: time.Date(year, m, day, 0, 0, 0, 0, time.UTC)}
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
