package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// MCP resources: what a client can attach to a conversation without a tool call — the WHO
// guideline table, notes on each source (coverage, licence, units, caveats), the sector and
// pollutant catalogues, and one station or facility by id (templates).

// Resource URIs.
const (
	GuidelinesURI       = "jana://guidelines/who-2021"
	SectorsURI          = "jana://catalogue/sectors"
	PollutantsURI       = "jana://catalogue/pollutants"
	StationTemplate     = "jana://stations/{id}"
	FacilityTemplate    = "jana://facilities/{id}"
	sourceNotesTemplate = "jana://sources/"
)

const (
	mimeJSON     = "application/json"
	mimeMarkdown = "text/markdown"
)

// Resources returns every resource and resource template.
func Resources(env *toolkit.Env) []toolkit.Resource {
	out := []toolkit.Resource{
		{Resource: &mcp.Resource{URI: GuidelinesURI, Name: "who-2021-guidelines", Title: "WHO 2021 air quality guidelines", MIMEType: mimeJSON,
			Description: "The WHO global air quality guideline levels (2021) per pollutant and averaging time, with the ppm conversion the tools use (25 °C, 1 atm)."},
			Read: jsonResource(func(context.Context) (any, error) { return guidelinesDoc(), nil })},
		{Resource: &mcp.Resource{URI: SectorsURI, Name: "sectors", Title: "Climate TRACE sectors", MIMEType: mimeJSON,
			Description: "Climate TRACE's sectors as Jana lists them (names to pass as sectors), with their groups and asset counts; EDGAR's sector codes."},
			Read: jsonResource(func(ctx context.Context) (any, error) {
				s, err := Sectors(ctx, env)
				return map[string]any{"climatetrace": s, "edgar_codes": EdgarSectors}, err
			})},
		{Resource: &mcp.Resource{URI: PollutantsURI, Name: "pollutants", Title: "OpenAQ pollutants", MIMEType: mimeJSON,
			Description: "The air-quality parameters OpenAQ stations measure, with their units, and the gases tools accept."},
			Read: jsonResource(func(ctx context.Context) (any, error) { return pollutantsDoc(ctx, env) })},
		{Template: &mcp.ResourceTemplate{URITemplate: StationTemplate, Name: "station", Title: "OpenAQ station", MIMEType: mimeJSON,
			Description: "One OpenAQ station by id: name, place, provider, its sensors with units and latest values, first and last readings."},
			Read: idResource(StationTemplate, func(ctx context.Context, id int) (any, error) {
				resp, err := env.Jana.API().V1DataSourcesOpenaqLocationsRetrieve(ctx, id)
				return jana.Decode[janaapi.OpenAQLocationDetail]("v1_data_sources_openaq_locations_retrieve", resp, err)
			})},
		{Template: &mcp.ResourceTemplate{URITemplate: FacilityTemplate, Name: "facility", Title: "Climate TRACE facility", MIMEType: mimeJSON,
			Description: "One Climate TRACE asset (facility) by id: name, sector, country, place, capacity, months covered and total CO2e."},
			Read: idResource(FacilityTemplate, func(ctx context.Context, id int) (any, error) {
				resp, err := env.Jana.API().V1DataSourcesClimatetraceAssetsRetrieve(ctx, id)
				return jana.Decode[janaapi.ClimateTraceAssetDetail]("v1_data_sources_climatetrace_assets_retrieve", resp, err)
			})},
	}
	for _, n := range sourceNotes {
		out = append(out, toolkit.Resource{
			Resource: &mcp.Resource{URI: sourceNotesTemplate + n.source, Name: n.source + "-notes", Title: n.title + ": notes", MIMEType: mimeMarkdown,
				Description: "What " + n.title + " data in Jana covers, its licence, units and caveats."},
			Read: func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
				return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: mimeMarkdown, Text: n.render(ctx, env)}}}, nil
			},
		})
	}
	return out
}

// jsonResource serves a document as JSON.
func jsonResource(doc func(context.Context) (any, error)) mcp.ResourceHandler {
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		v, err := doc(ctx)
		if err != nil {
			return nil, resourceError(err)
		}
		return jsonContents(req.Params.URI, v)
	}
}

func jsonContents(uri string, v any) (*mcp.ReadResourceResult, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", uri, err)
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: mimeJSON, Text: string(data)}}}, nil
}

// idResource serves a template whose one variable is a numeric id.
func idResource(template string, get func(ctx context.Context, id int) (any, error)) mcp.ResourceHandler {
	prefix := strings.TrimSuffix(template, "{id}")
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		uri := req.Params.URI
		id, err := strconv.Atoi(strings.TrimPrefix(uri, prefix))
		if !strings.HasPrefix(uri, prefix) || err != nil || id < 1 {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams,
				Message: fmt.Sprintf("%q is not %s with a positive whole number for {id}, e.g. %s1", uri, template, prefix)}
		}
		v, err := get(ctx, id)
		if je, ok := jana.AsError(err); ok && je.Kind == jana.KindNotFound {
			return nil, mcp.ResourceNotFoundError(uri)
		}
		if err != nil {
			return nil, resourceError(err)
		}
		return jsonContents(uri, v)
	}
}

// resourceError words a failure as tools do: what happened and what to do, never internals.
func resourceError(err error) error {
	msg := toolkit.ErrorText(err)
	if msg == "" {
		msg = "Internal error reading the resource; it has been logged."
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}
}

func guidelinesDoc() map[string]any {
	conv := map[string]float64{}
	for gas, mw := range molarMass {
		conv[gas] = roundTo(1000*mw/molarVolume, 1)
	}
	return map[string]any{
		"source":     "WHO global air quality guidelines: particulate matter (PM2.5 and PM10), ozone, nitrogen dioxide, sulfur dioxide and carbon monoxide (2021), table 0.1",
		"url":        "https://www.who.int/publications/i/item/9789240034228",
		"guidelines": WHOGuidelines,
		"conversion": map[string]any{
			"conditions":    conversion,
			"molar_volume":  "24.45 L/mol",
			"ug_m3_per_ppm": conv,
			"how":           "µg/m³ = ppm × 1000 × molar mass / 24.45; stations reporting gases in ppm are compared with the guideline converted to ppm",
		},
		"how_the_tools_compare": "Daily means are compared with the 24-hour guideline (ozone: each day's highest 8-hour mean with the 8-hour one) and the days above it counted; " +
			"a period's mean is read against the annual guideline only when the period covers a year.",
	}
}

func roundTo(v float64, places int) float64 {
	p := 1.0
	for range places {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

func pollutantsDoc(ctx context.Context, env *toolkit.Env) (any, error) {
	size := 100
	page := 1
	resp, err := env.Jana.API().V1DataSourcesOpenaqParametersList(ctx, &janaapi.V1DataSourcesOpenaqParametersListParams{Page: &page, PageSize: &size})
	list, err := jana.Decode[janaapi.PaginatedOpenAQParameterList]("v1_data_sources_openaq_parameters_list", resp, err)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"openaq_parameters": list.Results,
		"pollutants":        Pollutants,
		"gases":             Gases,
		"note":              "A pollutant measured in two units has two entries (o3 in µg/m³ and in ppm); tools never average different units together.",
	}, nil
}

// sourceNote is the notes resource of one source.
type sourceNote struct {
	source, title, licence, units, caveats string
	covered                                string // where coverage comes from, when not live
}

var sourceNotes = []sourceNote{
	{source: srcOpenAQ, title: "OpenAQ", licence: "CC BY 4.0 (https://openaq.org); credit OpenAQ and the station's provider",
		units: "PM2.5 and PM10 in µg/m³; O3, NO2, SO2 and CO in µg/m³ or ppm depending on the station (each sensor says its unit). Times are UTC.",
		caveats: "-999 is OpenAQ's missing-value marker: the tools leave it out of means and count it as missing; Jana's country totals include it. " +
			"Low-cost sensors and reference monitors are mixed (get_station says which). Station means weigh each reading the same; place means weigh each station the same."},
	{source: srcClimateTRACE, title: "Climate TRACE", licence: "CC BY 4.0 (https://climatetrace.org)",
		units: "Tonnes per month per facility (asset); co2e_100yr is CO2-equivalent over 100 years (AR6 GWP), co2e_20yr over 20.",
		caveats: "Facility emissions are modelled from satellite and other observations, not reported. The co2e_100yr rows count each asset-month once; " +
			"summing several gases' CO2e rows adds them together. Sector and country totals over the whole table can take Jana a minute."},
	{source: srcEDGAR, title: "EDGAR", licence: "CC BY 4.0 (European Commission, Joint Research Centre; https://edgar.jrc.ec.europa.eu)",
		units:   "National totals in kilotonnes (kt) per year; 0.1° grid cells in tonnes per cell and year. GHG is CO2-equivalent (GWP-100, AR5).",
		caveats: "The latest year is a provisional fast-track estimate (provisional: true). Country codes are ISO 3166-1 alpha-3; the tools accept alpha-2 and convert."},
	{source: "gcp", title: "Global Carbon Project", licence: "CC BY 4.0 (https://globalcarbonbudget.org)",
		units: "National fossil CO2 in million tonnes (MtCO2); the global budget in GtCO2 per year.", covered: "2000 onward, per Global Carbon Budget release (2023, 2024)",
		caveats: "Territorial emissions count where CO2 is emitted, consumption-based ones where goods are consumed; they differ by trade."},
	{source: "gleif", title: "GLEIF", licence: "CC0 1.0 (https://www.gleif.org)",
		units: "Legal entities by LEI (20 characters with check digits).", covered: "the entities matched to Climate TRACE assets",
		caveats: "Climate TRACE's owner names are matched to GLEIF entities with a method and a confidence; an unmatched owner has no LEI. " +
			"A missing parent has a reason (natural persons, not consolidated, not disclosed)."},
	{source: "noaa", title: "NOAA Storm Events", licence: "US public domain (https://www.ncdc.noaa.gov/stormevents/)",
		units: "Damage in USD as reported; deaths and injuries direct plus indirect.", covered: "the United States, 2015-2024",
		caveats: "NOAA's own bbox is latitude first; the tools take longitude first as everywhere and convert."},
}

func (n sourceNote) render(ctx context.Context, env *toolkit.Env) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s in Jana\n\n", n.title)
	covered := n.covered
	if cov, err := GetCoverage(ctx, env); err == nil {
		if s, ok := cov[n.source]; ok {
			covered = s.Span() + " (from Jana's coverage endpoints, as of " + env.Today().Format("2006-01-02") + ")"
		}
	}
	if covered == "" {
		covered = "unknown right now: call get_data_summary"
	}
	fmt.Fprintf(&b, "- **Coverage:** %s\n- **Licence:** %s\n- **Units:** %s\n- **Caveats:** %s\n", covered, n.licence, n.units, n.caveats)
	return b.String()
}
