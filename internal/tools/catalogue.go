// Package tools holds the curated MCP tools, one file per domain, and the catalogue: the one
// list of every tool the server offers, curated and generated from api/tools.yaml.
package tools

import (
	"github.com/janaplatform/jana-mcp/gen/mcptools"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// All returns every tool, in the order clients list them: the curated tools, then those
// generated from the manifest.
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
	return append(curated, mcptools.All(env)...)
}
