package tools

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/geo"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// Completions (completion/complete) for the prompts' arguments and the resource templates'
// variables: country codes, pollutants, gases, months and years with data, station and
// facility ids.

// maxCompletions is the protocol's limit on the values of one answer.
const maxCompletions = 100

// Complete answers completion/complete.
func Complete(env *toolkit.Env) func(context.Context, *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	return func(ctx context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
		p := req.Params
		prefix := strings.TrimSpace(p.Argument.Value)
		var values []string
		switch ref := p.Ref; {
		case ref.Type == "ref/resource" && ref.URI == StationTemplate:
			values = stationIDs(ctx, env, prefix)
		case ref.Type == "ref/resource" && ref.URI == FacilityTemplate:
			values = facilityIDs(ctx, env, prefix)
		case ref.Type == "ref/prompt":
			values = promptValues(ctx, env, p.Argument.Name, prefix)
		}
		return completion(values), nil
	}
}

func completion(values []string) *mcp.CompleteResult {
	out := mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{}, Total: len(values)}}
	if len(values) > maxCompletions {
		values, out.Completion.HasMore = values[:maxCompletions], true
	}
	out.Completion.Values = append(out.Completion.Values, values...)
	return &out
}

func promptValues(ctx context.Context, env *toolkit.Env, arg, prefix string) []string {
	switch arg {
	case "country", "country_a", "country_b":
		return countryCodes(prefix)
	case "pollutant":
		return byPrefix(Pollutants, prefix)
	case "gas":
		return byPrefix(Gases, prefix)
	case "month":
		return months12(ctx, env, prefix)
	case "year":
		var years []string
		for y := env.Today().Year(); y >= 2000; y-- {
			years = append(years, strconv.Itoa(y))
		}
		return byPrefix(years, prefix)
	case "asset_id":
		return facilityIDs(ctx, env, prefix)
	case "radius_km":
		return byPrefix([]string{"5", "10", "25", "50", "100"}, prefix)
	}
	return nil
}

func byPrefix(values []string, prefix string) []string {
	var out []string
	for _, v := range values {
		if strings.HasPrefix(strings.ToLower(v), strings.ToLower(prefix)) {
			out = append(out, v)
		}
	}
	return out
}

// countryCodes completes alpha-3 codes: those starting with the prefix, then those of the
// countries whose name does ("ind" gives IND, then IDN for Indonesia).
func countryCodes(prefix string) []string {
	q := strings.ToUpper(prefix)
	var out []string
	for _, c := range geo.Countries() {
		if strings.HasPrefix(c.Alpha3, q) || (len(q) == 2 && c.Alpha2 == q) {
			out = append(out, c.Alpha3)
		}
	}
	if q != "" {
		for _, c := range geo.Countries() {
			if strings.HasPrefix(strings.ToUpper(c.Name), q) && !slices.Contains(out, c.Alpha3) {
				out = append(out, c.Alpha3)
			}
		}
	}
	return out
}

// months12 completes the last twelve months with OpenAQ data, newest first.
func months12(ctx context.Context, env *toolkit.Env, prefix string) []string {
	last := env.Today()
	if cov, err := GetCoverage(ctx, env); err == nil {
		if s, ok := cov[srcOpenAQ]; ok {
			last = s.Last
		}
	}
	m := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC)
	var out []string
	for range 12 {
		out = append(out, m.Format("2006-01"))
		m = m.AddDate(0, -1, 0)
	}
	return byPrefix(out, prefix)
}

// stationIDs completes OpenAQ station ids from the first thousand stations Jana lists,
// remembered for an hour.
func stationIDs(ctx context.Context, env *toolkit.Env, prefix string) []string {
	ids, err := toolkit.Remember(ctx, env, "station-ids", catalogueTTL, func(ctx context.Context) ([]string, error) {
		size, page := 1000, 1
		resp, err := env.Jana.API().V1DataSourcesOpenaqLocationsList(ctx, &janaapi.V1DataSourcesOpenaqLocationsListParams{Page: &page, PageSize: &size})
		list, err := jana.Decode[janaapi.PaginatedOpenAQLocationList]("v1_data_sources_openaq_locations_list", resp, err)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(list.Results))
		for _, l := range list.Results {
			out = append(out, strconv.Itoa(l.Id))
		}
		return out, nil
	})
	if err != nil {
		return nil
	}
	return byPrefix(ids, prefix)
}

// facilityIDs completes Climate TRACE asset ids from the first thousand assets Jana lists.
func facilityIDs(ctx context.Context, env *toolkit.Env, prefix string) []string {
	ids, err := toolkit.Remember(ctx, env, "facility-ids", catalogueTTL, func(ctx context.Context) ([]string, error) {
		size := 1000
		resp, err := env.Jana.API().V1DataSourcesClimatetraceAssetsList(ctx, &janaapi.V1DataSourcesClimatetraceAssetsListParams{PageSize: &size})
		list, err := jana.Decode[janaapi.PaginatedClimateTraceAssetList]("v1_data_sources_climatetrace_assets_list", resp, err)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(list.Results))
		for _, a := range list.Results {
			out = append(out, strconv.Itoa(a.Id))
		}
		return out, nil
	})
	if err != nil {
		return nil
	}
	return byPrefix(ids, prefix)
}
