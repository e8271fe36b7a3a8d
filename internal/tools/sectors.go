package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// Sector names are checked before a call: Jana answers a sector it does not know with no rows,
// which reads as "no emissions". Names are matched in any case and with spaces or
// underscores for hyphens; a near miss, or a common word for a sector ("power", "steel"),
// gets a "did you mean".

// catalogueTTL is how long Jana's sector catalogue is used.
const catalogueTTL = time.Hour

// SectorNames returns Climate TRACE's sector names as Jana lists them.
func SectorNames(ctx context.Context, env *toolkit.Env) ([]string, error) {
	sectors, err := Sectors(ctx, env)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(sectors))
	for i, s := range sectors {
		names[i] = s.Name
	}
	return names, nil
}

// Sectors returns Climate TRACE's sector catalogue, fetched at most hourly.
func Sectors(ctx context.Context, env *toolkit.Env) ([]janaapi.ClimateTraceSector, error) {
	return toolkit.Remember(ctx, env, "sectors", catalogueTTL, func(ctx context.Context) ([]janaapi.ClimateTraceSector, error) {
		size := 100
		var out []janaapi.ClimateTraceSector
		for page := 1; page <= 3; page++ {
			resp, err := env.Jana.API().V1DataSourcesClimatetraceSectorsList(ctx, &janaapi.V1DataSourcesClimatetraceSectorsListParams{Page: &page, PageSize: &size})
			list, err := jana.Decode[janaapi.PaginatedClimateTraceSectorList]("v1_data_sources_climatetrace_sectors_list", resp, err)
			if err != nil {
				return nil, err
			}
			out = append(out, list.Results...)
			if list.Next == nil {
				break
			}
		}
		return out, nil
	})
}

// sectorWords are everyday words for Climate TRACE sectors.
var sectorWords = map[string][]string{
	"power":       {"electricity-generation"},
	"powerplant":  {"electricity-generation"},
	"electricity": {"electricity-generation"},
	"energy":      {"electricity-generation"},
	"steel":       {"iron-and-steel"},
	"iron":        {"iron-and-steel"},
	"refining":    {"oil-and-gas-refining"},
	"refinery":    {"oil-and-gas-refining"},
	"refineries":  {"oil-and-gas-refining"},
	"oil":         {"oil-and-gas-production", "oil-and-gas-refining"},
	"gas":         {"oil-and-gas-production", "oil-and-gas-transport"},
	"coal":        {"coal-mining", "electricity-generation"},
	"aviation":    {"domestic-aviation", "international-aviation"},
	"airports":    {"domestic-aviation", "international-aviation"},
	"shipping":    {"domestic-shipping", "international-shipping"},
	"ports":       {"domestic-shipping", "international-shipping"},
	"road":        {"road-transportation"},
	"transport":   {"road-transportation"},
	"traffic":     {"road-transportation"},
	"waste":       {"solid-waste-disposal", "domestic-wastewater-treatment-and-discharge"},
	"landfill":    {"solid-waste-disposal"},
	"landfills":   {"solid-waste-disposal"},
	"aluminium":   {"aluminum"},
	"chemical":    {"chemicals"},
	"paper":       {"pulp-and-paper"},
	"rice":        {"rice-cultivation"},
	"cattle":      {"enteric-fermentation-cattle-feedlot", "enteric-fermentation-cattle-pasture"},
	"fires":       {"cropland-fires", "forest-land-fires"},
	"buildings":   {"residential-onsite-fuel-usage"},
	"heating":     {"residential-onsite-fuel-usage"},
	"mining":      {"coal-mining", "copper-mining"},
}

// sectorKey spells a sector name for matching: lower case, hyphens for spaces and
// underscores.
func sectorKey(s string) string {
	return strings.NewReplacer(" ", "-", "_", "-").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// resolveSector finds a name in the catalogue, or says what it may have meant.
func resolveSector(arg, name string, catalogue []string) (string, error) {
	key := sectorKey(name)
	for _, c := range catalogue {
		if sectorKey(c) == key {
			return c, nil
		}
	}
	var maybe []string
	for _, w := range sectorWords[strings.ReplaceAll(key, "-", "")] {
		if slices.Contains(catalogue, w) {
			maybe = append(maybe, w)
		}
	}
	if len(maybe) == 0 {
		for _, c := range catalogue {
			if strings.Contains(c, key) && len(key) >= 3 {
				maybe = append(maybe, c)
			}
		}
	}
	if len(maybe) == 0 {
		if near := toolkit.Nearest(key, catalogue); near != "" {
			maybe = append(maybe, near)
		}
	}
	hint := "list_emission_sectors lists all " + fmt.Sprint(len(catalogue))
	if len(maybe) > 0 {
		q := make([]string, len(maybe))
		for i, m := range maybe {
			q[i] = fmt.Sprintf("%q", m)
		}
		hint = "did you mean " + strings.Join(q, " or ") + "? (" + hint + ")"
	}
	return "", toolkit.Invalid(arg, "%q is not a Climate TRACE sector; %s", name, hint)
}

// sectorCheck checks a list of Climate TRACE sector names against Jana's catalogue. When the
// catalogue cannot be read, names pass as given (Jana then judges them).
func sectorCheck(env *toolkit.Env) toolkit.ArgCheck {
	return func(ctx context.Context, v any) (any, error) {
		list, ok := v.([]any)
		if !ok {
			return v, nil
		}
		catalogue, err := SectorNames(ctx, env)
		if err != nil || len(catalogue) == 0 {
			return v, nil
		}
		out := make([]any, 0, len(list))
		for i, item := range list {
			s, _ := item.(string)
			name, err := resolveSector(fmt.Sprintf("sectors[%d]", i), s, catalogue)
			if err != nil {
				return nil, err
			}
			out = append(out, name)
		}
		return out, nil
	}
}

// EdgarSectors are EDGAR's sector codes (IPCC 2006 groups as EDGAR names them), and TOTAL.
var EdgarSectors = []string{"ENE", "IND", "TRO", "TNR_Other", "RCO", "PRO", "NMM", "CHE", "IRO", "AGS", "ENF", "MNM", "AWB", "SWD_LDF", "WWT", "TOTAL"}

// edgarWords are everyday words for EDGAR sectors.
var edgarWords = map[string]string{
	"power": "ENE", "electricity": "ENE", "energy": "ENE", "industry": "IND", "road": "TRO", "transport": "TRO",
	"buildings": "RCO", "residential": "RCO", "agriculture": "AGS", "waste": "SWD_LDF", "landfills": "SWD_LDF",
	"cement": "NMM", "steel": "IRO", "chemicals": "CHE", "all": "TOTAL", "total": "TOTAL",
}

// edgarSectorCheck checks an EDGAR sector code, in any case.
func edgarSectorCheck(arg string) toolkit.ArgCheck {
	return func(_ context.Context, v any) (any, error) {
		s, ok := v.(string)
		if !ok || s == "" {
			return v, nil
		}
		for _, c := range EdgarSectors {
			if strings.EqualFold(c, strings.TrimSpace(s)) {
				return c, nil
			}
		}
		hint := ""
		if c, ok := edgarWords[strings.ToLower(strings.TrimSpace(s))]; ok {
			hint = fmt.Sprintf(" (did you mean %q?)", c)
		} else if near := toolkit.Nearest(s, EdgarSectors); near != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", near)
		}
		return nil, toolkit.Invalid(arg, "%q is not an EDGAR sector code%s; the codes are %s", s, hint, strings.Join(EdgarSectors, ", "))
	}
}
