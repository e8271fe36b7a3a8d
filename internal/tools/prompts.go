package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/geo"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// Prompts: the three analyses people ask for most, as a host's slash commands — a city's air
// quality briefing, two countries' emissions side by side, and a facility's neighbourhood.
// Each fills in a request that names the tools and arguments to use, so the answers rest on
// the tools' figures rather than the model's memory.

// Prompt names.
const (
	PromptCityBriefing   = "city_air_quality_briefing"
	PromptCompareCountry = "compare_country_emissions"
	PromptNeighbourhood  = "facility_neighbourhood_report"
)

// Prompts returns every prompt.
func Prompts(env *toolkit.Env) []toolkit.Prompt {
	return []toolkit.Prompt{
		{Prompt: &mcp.Prompt{Name: PromptCityBriefing, Title: "City air-quality briefing",
			Description: "A briefing on one city's air: its stations' and the city's means for a month against the WHO 2021 guidelines, days above them, and the two-year trend.",
			Arguments: []*mcp.PromptArgument{
				{Name: "city", Description: "The city, e.g. Delhi.", Required: true},
				{Name: "country", Description: "Its country, ISO 3166-1 alpha-3 or alpha-2 (e.g. IND), to place the city."},
				{Name: "month", Description: "The month, YYYY-MM (default: the last full month of data)."},
				{Name: "pollutant", Description: "pm25 (default), pm10, o3, no2, so2 or co."},
			}},
			Get: cityBriefing(env), Needs: []string{"get_air_quality", "get_trends"}},
		{Prompt: &mcp.Prompt{Name: PromptCompareCountry, Title: "Compare two countries' emissions",
			Description: "Two countries' greenhouse-gas emissions side by side: national totals by year (EDGAR), their largest sectors and facilities (Climate TRACE), per person (Global Carbon Project).",
			Arguments: []*mcp.PromptArgument{
				{Name: "country_a", Description: "First country, ISO 3166-1 alpha-3 or alpha-2 (e.g. IND).", Required: true},
				{Name: "country_b", Description: "Second country (e.g. CHN).", Required: true},
				{Name: "gas", Description: "co2e (default), co2, ch4 or n2o."},
				{Name: "year", Description: "The year to compare in detail (default: the latest complete year)."},
			}},
			Get: compareCountries(env), Needs: []string{"edgar_country_totals", "emissions_by_sector", "get_emissions"}},
		{Prompt: &mcp.Prompt{Name: PromptNeighbourhood, Title: "Facility neighbourhood report",
			Description: "One Climate TRACE facility and its surroundings: who owns it, its emissions, the other facilities and the air-quality stations around it, and what they measure.",
			Arguments: []*mcp.PromptArgument{
				{Name: "asset_id", Description: "The Climate TRACE asset id (from find_nearby or get_emissions).", Required: true},
				{Name: "radius_km", Description: "How far around it to look, in km (default 10)."},
			}},
			Get: neighbourhood(env), Needs: []string{"facility_owners", "find_nearby", "get_air_quality"}},
	}
}

func promptError(arg, format string, a ...any) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("Invalid argument %q: %s.", arg, fmt.Sprintf(format, a...))}
}

func userText(description, text string) *mcp.GetPromptResult {
	return &mcp.GetPromptResult{Description: description, Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}}}
}

// countryArg reads an optional country code argument.
func countryArg(args map[string]string, name string, required bool) (geo.Country, error) {
	v := strings.TrimSpace(args[name])
	if v == "" {
		if required {
			return geo.Country{}, promptError(name, "is required: an ISO 3166-1 code such as IND or IN")
		}
		return geo.Country{}, nil
	}
	c, err := toolkit.CountryCodes(name, []string{v}, 3)
	if err != nil {
		return geo.Country{}, promptError(name, "%s", strings.TrimPrefix(toolkit.ErrorText(err), fmt.Sprintf("Invalid argument %q: ", name)))
	}
	country, _ := geo.LookupCountry(c[0])
	return country, nil
}

// lastFullMonth is the last calendar month that OpenAQ's data in Jana covers completely.
func lastFullMonth(ctx context.Context, env *toolkit.Env) time.Time {
	last := env.Today()
	if cov, err := GetCoverage(ctx, env); err == nil {
		if s, ok := cov[srcOpenAQ]; ok {
			last = s.Last
		}
	}
	end := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC)
	if next := end.AddDate(0, 1, 0); !last.Before(next.Add(-24 * time.Hour)) {
		return end // the data reach the month's last day
	}
	return end.AddDate(0, -1, 0)
}

func cityBriefing(env *toolkit.Env) mcp.PromptHandler {
	return func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		args := req.Params.Arguments
		city := strings.TrimSpace(args["city"])
		if city == "" {
			return nil, promptError("city", "is required: the city to brief on, e.g. Delhi")
		}
		country, err := countryArg(args, "country", false)
		if err != nil {
			return nil, err
		}
		pollutant := "pm25"
		if p := strings.TrimSpace(args["pollutant"]); p != "" {
			c, ok := toolkit.Canonical(p, Pollutants)
			if !ok {
				return nil, promptError("pollutant", "%q is not one of %s", p, strings.Join(Pollutants, ", "))
			}
			pollutant = c
		}
		month := lastFullMonth(ctx, env)
		if m := strings.TrimSpace(args["month"]); m != "" {
			t, err := time.Parse("2006-01", m)
			if err != nil {
				return nil, promptError("month", "%q is not a month written YYYY-MM, e.g. 2026-09", m)
			}
			month = t
		}
		from, to := month, month.AddDate(0, 1, -1)
		place := city
		if country.Alpha3 != "" {
			place += ", " + country.Name
		}
		trendFrom := month.AddDate(-2, 1, 0)
		text := fmt.Sprintf(`Write a short air-quality briefing for %[1]s for %[2]s, from Jana's data only.

1. Locate %[1]s: use its centre as location_point [lon, lat] (longitude first) with radius_km 25, or a box around it.
2. Call get_air_quality with that place, parameters ["%[3]s"], date_from %[4]s, date_to %[5]s (resolution period). Report the city's mean (area), the stations' range, how many days were above the WHO 2021 guideline, and how much data was missing.
3. Set it against the WHO 2021 guideline (resource %[6]s): %[7]s. Say which averaging time each comparison uses; a month's mean is not an annual mean.
4. Call get_trends with parameter %[3]s for the same place, date_from %[8]s, date_to %[5]s (monthly), and say whether it is improving; if no trend is claimed, say why.
5. End with the sources (OpenAQ via Jana) and any caveats the tools gave (stations in other units, missing data, coverage).

Today is %[9]s (UTC).`, place, month.Format("January 2006"), pollutant, from.Format(time.DateOnly), to.Format(time.DateOnly), GuidelinesURI,
			guidelineText(pollutant), trendFrom.Format(time.DateOnly), env.Today().Format(time.DateOnly))
		res := userText("Air-quality briefing for "+place+", "+month.Format("2006-01"), text)
		res.Messages = append(res.Messages, &mcp.PromptMessage{Role: "user", Content: &mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
			URI: GuidelinesURI, MIMEType: mimeJSON, Text: mustJSON(guidelinesDoc())}}})
		return res, nil
	}
}

func compareCountries(env *toolkit.Env) mcp.PromptHandler {
	return func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		args := req.Params.Arguments
		a, err := countryArg(args, "country_a", true)
		if err != nil {
			return nil, err
		}
		b, err := countryArg(args, "country_b", true)
		if err != nil {
			return nil, err
		}
		gas := "co2e"
		if g := strings.TrimSpace(args["gas"]); g != "" {
			c, ok := toolkit.Canonical(g, Gases)
			if !ok {
				return nil, promptError("gas", "%q is not one of %s", g, strings.Join(Gases, ", "))
			}
			gas = c
		}
		_, edgarGas := gasCodes(gas)
		year := ""
		if y := strings.TrimSpace(args["year"]); y != "" {
			n, err := strconv.Atoi(y)
			if err != nil || n < 1970 || n > 2100 {
				return nil, promptError("year", "%q is not a year such as 2022", y)
			}
			year = y
		}
		yearText := "the latest year both have"
		if year != "" {
			yearText = year
		}
		text := fmt.Sprintf(`Compare the greenhouse-gas emissions of %[1]s (%[2]s) and %[3]s (%[4]s), from Jana's data only.

1. National totals: call edgar_country_totals with country_codes ["%[2]s", "%[4]s"], gas %[5]s, sector TOTAL, ordering -year. Give both countries' totals for the last ten years (kilotonnes) and the change over them; say which years are provisional.
2. Sectors: call emissions_by_sector for each country (country_codes ["%[2]s"], then ["%[4]s"]) for %[6]s (date_from/date_to covering that year), and name each country's three largest Climate TRACE sectors.
3. Facilities: call get_emissions with sources ["climatetrace"] for each country to name a few of its largest emitting facilities.
4. If gcp_national_emissions is available, add tonnes per person and consumption against territorial emissions.
5. Put the figures side by side in one table, state units (kt, t, MtCO2) and the sources (EDGAR, Climate TRACE, Global Carbon Project via Jana), and do not mix EDGAR national totals with Climate TRACE facility sums: they measure different things.

Today is %[7]s (UTC).`, a.Name, a.Alpha3, b.Name, b.Alpha3, edgarGas, yearText, env.Today().Format(time.DateOnly))
		return userText("Emissions of "+a.Alpha3+" and "+b.Alpha3, text), nil
	}
}

func neighbourhood(env *toolkit.Env) mcp.PromptHandler {
	return func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		args := req.Params.Arguments
		id, err := strconv.Atoi(strings.TrimSpace(args["asset_id"]))
		if err != nil || id < 1 {
			return nil, promptError("asset_id", "must be a Climate TRACE asset id (a positive whole number; find_nearby and get_emissions show them)")
		}
		radius := 10.0
		if r := strings.TrimSpace(args["radius_km"]); r != "" {
			radius, err = strconv.ParseFloat(r, 64)
			if err != nil || radius < 0.1 || radius > 500 {
				return nil, promptError("radius_km", "%q is not a radius in km between 0.1 and 500", r)
			}
		}
		text := fmt.Sprintf(`Write a neighbourhood report for Climate TRACE facility %[1]d, from Jana's data only.

1. Read the facility (resource %[2]s, or get_emissions) for its name, sector, country and coordinates [lon, lat].
2. Call facility_owners with asset_id %[1]d: who owns and operates it, with shares, and their parent companies.
3. Call find_nearby with location_point at the facility, radius_km %[3]g: the other facilities (and their sectors) and the air-quality stations around it.
4. For the stations found, call get_air_quality with the same location_point and radius_km for the last 30 days of data: the means and the days above the WHO 2021 guidelines.
5. Summarise: who is behind the facility, what else emits nearby, and what the air around it is like. Name the sources (Climate TRACE, GLEIF, OpenAQ via Jana) and the caveats the tools gave.

Today is %[4]s (UTC).`, id, strings.Replace(FacilityTemplate, "{id}", strconv.Itoa(id), 1), radius, env.Today().Format(time.DateOnly))
		return userText(fmt.Sprintf("Neighbourhood of facility %d", id), text), nil
	}
}

func mustJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain data built here
	}
	return string(data)
}
