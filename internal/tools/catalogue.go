// Package tools holds the curated MCP tools, one file per domain, and the catalogue: the one
// list of every tool the server offers, curated and generated from api/tools.yaml, grouped
// into toolsets; and the server's other features — resources, prompts, completions and the
// instructions a client gets at initialize.
package tools

import (
	"fmt"
	"slices"
	"strings"

	"github.com/janaplatform/jana-mcp/gen/mcptools"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// All returns every tool, in the order clients list them: the curated tools, then those
// generated from the manifest. Arguments naming Climate TRACE or EDGAR sectors are checked
// against the catalogues (a name Jana does not know would match nothing and answer 0 rows).
func All(env *toolkit.Env) []toolkit.Tool {
	curated := []toolkit.Tool{
		getAirQuality(env),
		getEmissions(env),
		findNearby(env),
		getTrends(env),
		getDataSummary(env),
		getSystemHealth(env),
		stationMeans(env),
		facilityOwners(env),
		stormEvents(env),
	}
	all := append(curated, mcptools.All(env)...)
	for i, t := range all {
		if t.HasArg("sectors") {
			all[i] = t.WithCheck("sectors", sectorCheck(env))
		}
		for _, arg := range []string{"sector", "edgar_sector"} {
			if t.HasArg(arg) {
				all[i] = all[i].WithCheck(arg, edgarSectorCheck(arg))
			}
		}
	}
	return all
}

// Toolset is a group of tools a host can load alone: MCP_TOOLSETS, the X-MCP-Toolsets header
// or ?toolsets= on the URL choose them. A tool may be in several.
type Toolset struct {
	Name        string
	Description string
	Tools       []string
}

// Toolsets lists every toolset; every tool is in at least one.
var Toolsets = []Toolset{
	{"air_quality", "OpenAQ air quality: station and city means against WHO guidelines, stations, pollutants, trends",
		[]string{"get_air_quality", "station_means", "get_station", "find_nearby", "get_trends", "list_pollutants", "air_quality_country_totals"}},
	{"emissions", "Greenhouse-gas and air-pollutant emissions: Climate TRACE facilities and sectors, EDGAR and Global Carbon Project nations",
		[]string{"get_emissions", "emissions_by_sector", "emissions_by_country", "list_emission_sectors", "edgar_country_totals",
			"edgar_air_pollutants", "gcp_national_emissions", "gcp_carbon_budget", "find_nearby", "get_trends"}},
	{"companies", "Who owns emitting facilities (Climate TRACE assets matched to GLEIF legal entities)",
		[]string{"facility_owners", "find_nearby"}},
	{"weather", "NOAA storm events in the United States", []string{"storm_events"}},
	{"platform", "What Jana holds and how it is doing: coverage, table statistics, health",
		[]string{"get_data_summary", "platform_statistics", "get_system_health"}},
}

// Selection says which tools a server (or one connection) offers: the tools of Toolsets
// ("all" or empty: every tool), plus Tools, minus Exclude.
type Selection struct {
	Toolsets, Tools, Exclude []string
}

// Empty reports whether the selection asks for nothing in particular (every tool).
func (s Selection) Empty() bool {
	return len(s.Toolsets) == 0 && len(s.Tools) == 0 && len(s.Exclude) == 0
}

// Select returns the tools of all that the selection names, in catalogue order. An unknown
// toolset or tool is an error that names it and what exists.
func Select(all []toolkit.Tool, s Selection) ([]toolkit.Tool, error) {
	names := make([]string, len(all))
	for i, t := range all {
		names[i] = t.Name()
	}
	want := map[string]bool{}
	sets := s.Toolsets
	if len(sets) == 0 && len(s.Tools) == 0 {
		sets = []string{"all"}
	}
	for _, name := range sets {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "all" {
			for _, n := range names {
				want[n] = true
			}
			continue
		}
		i := slices.IndexFunc(Toolsets, func(ts Toolset) bool { return ts.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("toolset %q does not exist; the toolsets are %s, or all", name, ToolsetNames())
		}
		for _, n := range Toolsets[i].Tools {
			want[n] = true
		}
	}
	for _, list := range [][]string{s.Tools, s.Exclude} {
		for _, n := range list {
			if !slices.Contains(names, strings.TrimSpace(n)) {
				return nil, fmt.Errorf("tool %q does not exist%s", n, suggest(n, names))
			}
		}
	}
	for _, n := range s.Tools {
		want[strings.TrimSpace(n)] = true
	}
	for _, n := range s.Exclude {
		delete(want, strings.TrimSpace(n))
	}
	var out []toolkit.Tool
	for _, t := range all {
		if want[t.Name()] {
			out = append(out, t)
		}
	}
	return out, nil
}

// ToolsetNames lists the toolsets' names, comma-separated (what MCP_TOOLSETS takes, besides all).
func ToolsetNames() string {
	names := make([]string, len(Toolsets))
	for i, ts := range Toolsets {
		names[i] = ts.Name
	}
	return strings.Join(names, ", ")
}

func suggest(name string, names []string) string {
	if near := toolkit.Nearest(name, names); near != "" {
		return fmt.Sprintf(" (did you mean %q?)", near)
	}
	return "; see the README's tool reference"
}
