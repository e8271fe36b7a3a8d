package tools

import (
	"context"
	"strings"
	"time"

	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// instructionsText is what every client is told at initialize, before the date and coverage.
const instructionsText = `Jana serves environmental data: air quality measured by OpenAQ stations (PM2.5 as pm25, PM10, O3, NO2, SO2, CO), facility-level greenhouse-gas emissions from Climate TRACE, national emissions from EDGAR and the Global Carbon Project, the companies behind facilities (GLEIF) and US storm events (NOAA).
Coordinates are always longitude first: points are [lon, lat], boxes [min_lon, min_lat, max_lon, max_lat]. Countries are ISO 3166-1 codes, alpha-3 (GBR, IND) or alpha-2 (GB, IN).
Start with get_data_summary to see coverage, find_nearby to discover stations and facilities around a place, then get_air_quality (means against the WHO 2021 guidelines), get_emissions or get_trends. Results are bounded: narrow the area or dates, or follow next_cursor, for more.`

// coverageWait bounds how long initialize waits for Jana's coverage when none is known yet:
// a session must open even when Jana is slow.
const coverageWait = 3 * time.Second

// Instructions is the text of initialize's instructions: how to use the tools, today's date
// (so that "last month" resolves) and where each source's data begins and ends, asked of Jana
// when not known yet.
func Instructions(ctx context.Context, env *toolkit.Env) string { return instructions(ctx, env, true) }

// StaticInstructions is Instructions without asking Jana: the coverage only if known.
func StaticInstructions(env *toolkit.Env) string {
	return instructions(context.Background(), env, false)
}

func instructions(ctx context.Context, env *toolkit.Env, ask bool) string {
	var b strings.Builder
	b.WriteString(instructionsText)
	b.WriteString("\nToday is ")
	b.WriteString(env.Today().Format("Monday 2 January 2006"))
	b.WriteString(" (UTC); resolve relative dates (\"last month\", \"this year\") against it.")
	cov, ok := KnownCoverage(env)
	if !ok && ask && env.Jana != nil {
		wait, cancel := context.WithTimeout(ctx, coverageWait)
		defer cancel()
		var err error
		cov, err = GetCoverage(wait, env)
		ok = err == nil
	}
	if ok && len(cov) > 0 {
		b.WriteString(" Data in Jana: ")
		b.WriteString(cov.Describe())
		b.WriteString(". Ask only for dates within these ranges; later dates have no data yet.")
	} else {
		b.WriteString(" Call get_data_summary for the date range each source covers.")
	}
	return b.String()
}
