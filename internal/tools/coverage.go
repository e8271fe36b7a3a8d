package tools

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// Coverage: where each source's data in Jana begins and ends, from Jana's own coverage
// endpoints (OpenAQ's and Climate TRACE's date ranges, the per-table statistics for EDGAR),
// remembered for coverageTTL. Answers use it to say what exists when a query finds nothing
// or reaches past the data, and the server's instructions tell the model (with today's date,
// so that "last month" resolves).

// coverageTTL is how long a fetched coverage is used: new data arrives daily at most.
const coverageTTL = 15 * time.Minute

// SourceSpan is the span of one source's data.
type SourceSpan struct {
	Source string    `json:"source"`
	Name   string    `json:"name"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
	// Step is how finely the source is dated: "reading" (OpenAQ), "month" (Climate
	// TRACE) or "year" (EDGAR).
	Step string `json:"step"`
}

// Span says the span in words at the source's own step.
func (s SourceSpan) Span() string {
	switch s.Step {
	case "month":
		return s.First.Format("2006-01") + " to " + s.Last.Format("2006-01")
	case "year":
		return s.First.Format("2006") + " to " + s.Last.Format("2006")
	}
	return s.First.Format(time.DateOnly) + " to " + s.Last.Format(time.DateOnly)
}

// end is the last instant the source covers.
func (s SourceSpan) end() time.Time {
	switch s.Step {
	case "month":
		return s.Last.AddDate(0, 1, 0).Add(-time.Second)
	case "year":
		return s.Last.AddDate(1, 0, 0).Add(-time.Second)
	}
	return s.Last.Truncate(24 * time.Hour).Add(24*time.Hour - time.Second) // the rest of its day
}

// Coverage maps sources (openaq, climatetrace, edgar) to their spans.
type Coverage map[string]SourceSpan

// GetCoverage returns the coverage, fetched from Jana at most every coverageTTL. A source
// whose endpoint fails is left out.
func GetCoverage(ctx context.Context, env *toolkit.Env) (Coverage, error) {
	return toolkit.Remember(ctx, env, "coverage", coverageTTL, func(ctx context.Context) (Coverage, error) {
		return fetchCoverage(ctx, env)
	})
}

// KnownCoverage returns the coverage fetched last, if any, without calling Jana.
func KnownCoverage(env *toolkit.Env) (Coverage, bool) {
	return toolkit.Remembered[Coverage](env, "coverage")
}

func fetchCoverage(ctx context.Context, env *toolkit.Env) (Coverage, error) {
	var (
		aq           *janaapi.OpenAQMeasurementDateRange
		ct           *janaapi.ClimateTraceEmissionDateRange
		stats        *janaapi.PaginatedTableStatisticsList
		aqE, ctE, sE error
	)
	toolkit.Parallel(func() {
		resp, err := env.Jana.API().V1DataSourcesOpenaqMeasurementsDateRangeRetrieve(ctx)
		aq, aqE = jana.Decode[janaapi.OpenAQMeasurementDateRange]("v1_data_sources_openaq_measurements_date_range_retrieve", resp, err)
	}, func() {
		resp, err := env.Jana.API().V1DataSourcesClimatetraceEmissionsDateRangeRetrieve(ctx, &janaapi.V1DataSourcesClimatetraceEmissionsDateRangeRetrieveParams{})
		ct, ctE = jana.Decode[janaapi.ClimateTraceEmissionDateRange]("v1_data_sources_climatetrace_emissions_date_range_retrieve", resp, err)
	}, func() {
		limit := 100
		resp, err := env.Jana.API().V1EsgStatisticsRetrieve(ctx, &janaapi.V1EsgStatisticsRetrieveParams{Limit: &limit})
		stats, sE = jana.Decode[janaapi.PaginatedTableStatisticsList]("v1_esg_statistics_retrieve", resp, err)
	})
	c := Coverage{}
	if aqE == nil && aq.EarliestDate != nil && aq.LatestDate != nil {
		c[srcOpenAQ] = SourceSpan{Source: srcOpenAQ, Name: "OpenAQ air quality", First: aq.EarliestDate.UTC(), Last: aq.LatestDate.UTC(), Step: "reading"}
	}
	if ctE == nil && ct.EarliestDate != nil && ct.LatestDate != nil {
		c[srcClimateTRACE] = SourceSpan{Source: srcClimateTRACE, Name: "Climate TRACE facility emissions",
			First: ct.EarliestDate.Time.UTC(), Last: ct.LatestDate.Time.UTC(), Step: "month"}
	}
	if sE == nil {
		for _, t := range stats.Results {
			if t.Table == "edgar_country_totals" && t.Earliest != nil && t.Latest != nil {
				c[srcEDGAR] = SourceSpan{Source: srcEDGAR, Name: "EDGAR national emissions", First: t.Earliest.UTC(), Last: t.Latest.UTC(), Step: "year"}
			}
		}
	}
	if len(c) == 0 {
		return nil, cmp.Or(aqE, ctE, sE, errNoCoverage)
	}
	return c, nil
}

var errNoCoverage = errors.New("no source's coverage in Jana's answers")

// Describe says every source's span in one line.
func (c Coverage) Describe() string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, c[k].Name+" "+c[k].Span())
	}
	return strings.Join(parts, "; ")
}

// coverageNote says where source's data ends when a query's span lies beyond it, or found
// nothing: empty says the query found nothing. It is "" when the coverage is unknown or the
// span lies within it (and the answer was not empty).
func coverageNote(ctx context.Context, env *toolkit.Env, source string, span toolkit.Span, empty bool) (string, *SourceSpan) {
	cov, err := GetCoverage(ctx, env)
	if err != nil {
		return "", nil
	}
	s, ok := cov[source]
	if !ok {
		return "", nil
	}
	today := env.Today().Format(time.DateOnly)
	switch {
	case span.From != nil && span.From.After(s.end()):
		return fmt.Sprintf("Nothing to show for the dates asked: %s in Jana runs from %s; the dates asked start after it ends (today is %s). "+
			"Ask for dates within that range, e.g. the last month of data.", s.Name, s.Span(), today), &s
	case span.To != nil && span.To.Before(s.First):
		return fmt.Sprintf("Nothing to show for the dates asked: %s in Jana runs from %s; the dates asked end before it starts.", s.Name, s.Span()), &s
	case span.To != nil && span.To.After(s.end()):
		return fmt.Sprintf("The dates asked reach past the data: %s in Jana runs from %s (today is %s); later dates have no data yet.", s.Name, s.Span(), today), &s
	case empty:
		return fmt.Sprintf("%s in Jana runs from %s (today is %s).", s.Name, s.Span(), today), &s
	}
	return "", &s
}
