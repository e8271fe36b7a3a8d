package tools

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// noArgs is the input of tools without arguments.
type noArgs struct{}

type coverage struct {
	Source      string `json:"source"`
	Name        string `json:"name"`
	Records     int64  `json:"records"`
	Locations   int    `json:"locations,omitempty"`
	Countries   int    `json:"countries,omitempty"`
	First       string `json:"first,omitempty"`
	Last        string `json:"last,omitempty"`
	LastUpdated string `json:"last_updated,omitempty"`
}

type tableCount struct {
	Table     string `json:"table"`
	Source    string `json:"source"`
	Records   int64  `json:"records"`
	First     string `json:"first,omitempty"`
	Last      string `json:"last,omitempty"`
	Countries int    `json:"countries,omitempty"`
}

func getDataSummary(env *toolkit.Env) toolkit.Tool {
	def := &mcp.Tool{
		Name:  "get_data_summary",
		Title: "What data Jana holds",
		Description: "Coverage of the data Jana serves, per source: OpenAQ air quality (stations, measurements), Climate TRACE facility emissions " +
			"and EDGAR national emissions — record counts, locations, countries, date ranges and when each was last updated, plus per-table counts. " +
			"Call it first to learn which places and periods can be asked about. No arguments.",
		OutputSchema: toolkit.Output(
			toolkit.Rows[coverage]("sources", "Per source: records, locations, countries, first and last record, last update."),
			toolkit.Rows[tableCount]("tables", "Per table of Jana's: records, first and last record, countries."),
			toolkit.Field[time.Time]("generated_at", "When Jana made the summary."),
			toolkit.Field[string]("today", "Today's date (UTC), for resolving relative dates such as last month."),
			toolkit.Field[*janaapi.DataQuality]("data_quality", "Jana's own data-quality scores."),
		),
	}
	return toolkit.New(env, def, func(ctx context.Context, _ noArgs) (*toolkit.Page, error) {
		return dataSummary(ctx, env)
	})
}

func dataSummary(ctx context.Context, env *toolkit.Env) (*toolkit.Page, error) {
	var (
		summary          *janaapi.PlatformSummary
		statistics       *janaapi.PaginatedTableStatisticsList
		summErr, statErr error
	)
	toolkit.Parallel(func() {
		resp, err := env.Jana.API().V1EsgSummaryRetrieve(ctx)
		summary, summErr = jana.Decode[janaapi.PlatformSummary]("v1_esg_summary_retrieve", resp, err)
	}, func() {
		limit := 100 // every table on one page
		resp, err := env.Jana.API().V1EsgStatisticsRetrieve(ctx, &janaapi.V1EsgStatisticsRetrieveParams{Limit: &limit})
		statistics, statErr = jana.Decode[janaapi.PaginatedTableStatisticsList]("v1_esg_statistics_retrieve", resp, err)
	})
	if summErr != nil {
		return nil, summErr
	}

	cov := &toolkit.Table{Name: "sources", Columns: []string{"source", "records", "locations", "countries", "first", "last", "last_updated"}, Total: -1}
	var names []string
	for _, s := range summary.Sources {
		c := coverage{Source: s.Source, Name: s.Name, Records: s.RecordCount, Locations: toolkit.Value(s.LocationCount), Countries: toolkit.Value(s.CountryCount),
			LastUpdated: toolkit.TimePtr(s.LastUpdated)}
		if s.DateRange != nil {
			c.First, c.Last = toolkit.TimePtr(s.DateRange.Start), toolkit.TimePtr(s.DateRange.End)
		}
		cov.Add(c, c.Source, strconv.FormatInt(c.Records, 10), strconv.Itoa(c.Locations), strconv.Itoa(c.Countries), c.First, c.Last, c.LastUpdated)
		names = append(names, fmt.Sprintf("%s %d records", s.Name, s.RecordCount))
	}
	page := &toolkit.Page{
		Title:  "Jana data coverage (as of " + summary.GeneratedAt.UTC().Format(time.RFC3339) + "): " + strings.Join(names, "; ") + ".",
		Fields: map[string]any{"generated_at": summary.GeneratedAt, "today": env.Today().Format(time.DateOnly)},
		Notes: []string{"Today is " + env.Today().Format(time.DateOnly) + " (UTC): resolve relative dates such as \"last month\" against it, " +
			"and ask only for periods each source covers (first to last)."},
		Tables:  []*toolkit.Table{cov},
		Sources: []toolkit.Source{toolkit.OpenAQ, toolkit.ClimateTRACE, toolkit.EDGAR},
	}
	if summary.DataQuality != nil {
		page.Fields["data_quality"] = summary.DataQuality
	}
	if statErr != nil {
		msg := toolkit.ErrorText(statErr)
		page.Notes = append(page.Notes, "Per-table statistics unavailable: "+msg)
		return page, nil
	}
	tables := &toolkit.Table{Name: "tables", Columns: []string{"table", "source", "records", "first", "last", "countries"}, Total: -1}
	for _, s := range statistics.Results {
		c := tableCount{Table: s.Table, Source: s.Source, Records: s.RecordCount, First: toolkit.TimePtr(s.Earliest), Last: toolkit.TimePtr(s.Latest), Countries: toolkit.Value(s.CountryCount)}
		tables.Add(c, c.Table, c.Source, strconv.FormatInt(c.Records, 10), c.First, c.Last, strconv.Itoa(c.Countries))
	}
	page.Tables = append(page.Tables, tables)
	return page, nil
}
