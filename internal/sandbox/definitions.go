package sandbox

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// The unified API's definitions: what it serves, in which units, from which sources.

var unitDefinitions = []janaapi.UnitDefinition{
	{Symbol: "µg/m³", Name: "micrograms per cubic metre", Quantity: "mass concentration", Sources: []string{srcOpenAQ}},
	{Symbol: "ppm", Name: "parts per million", Quantity: "volume mixing ratio", Sources: []string{srcOpenAQ},
		Conversion: new("µg/m³ = ppm × 1000 × molar mass / 24.45 at 25 °C (o3 1963, no2 1880, so2 2619, co 1145 µg/m³ per ppm)")},
	{Symbol: "tonnes", Name: "metric tonnes", Quantity: "mass", Sources: []string{srcClimateTrace}},
	{Symbol: "kt", Name: "kilotonnes", Quantity: "mass", Sources: []string{srcEdgar}, Conversion: new("1 kt = 1000 tonnes; 1 Gg = 1 kt")},
	{Symbol: "t", Name: "tonnes per 0.1° grid cell and year", Quantity: "mass", Sources: []string{srcEdgar}},
	{Symbol: "MtCO2", Name: "million tonnes of CO2", Quantity: "mass", Sources: []string{"gcp"}, Conversion: new("1 MtCO2 = 1000 kt")},
	{Symbol: "GtCO2/yr", Name: "billion tonnes of CO2 per year", Quantity: "mass flux", Sources: []string{"gcp"},
		Conversion: new("1 GtC = 3.664 GtCO2")},
	{Symbol: "Tg CH4/yr", Name: "teragrams of methane per year", Quantity: "mass flux", Sources: []string{"gcp"},
		Conversion: new("1 Tg = 1 Mt")},
	{Symbol: "USD", Name: "US dollars (nominal)", Quantity: "damage", Sources: []string{"noaa_storm_events"}},
}

func (h *server) sourceDefinitions() []janaapi.SourceDefinition {
	t := func(v time.Time) *time.Time { return &v }
	span := func(a, b time.Time) janaapi.DateRange { return janaapi.DateRange{Start: t(a), End: t(b)} }
	return []janaapi.SourceDefinition{
		{Source: srcOpenAQ, Name: "OpenAQ", Description: "Air-quality measurements from reference monitors and low-cost sensors.",
			Url: "https://openaq.org", License: "CC BY 4.0 (per provider)", DataTypes: []string{"air_quality"},
			TemporalCoverage: span(data.MeasurementStart, data.SlotTime(data.MeasurementSlots-1)), TemporalResolution: "3-hourly readings",
			SpatialResolution: "stations", UpdateFrequency: "hourly"},
		{Source: srcClimateTrace, Name: "Climate TRACE", Description: "Facility-level greenhouse-gas emissions estimated from satellites and models.",
			Url: "https://climatetrace.org", License: "CC BY 4.0", DataTypes: []string{"emissions"},
			TemporalCoverage: span(data.CTMonthStart(0), data.CTMonthEnd(data.CTMonths-1)), TemporalResolution: "monthly",
			SpatialResolution: "assets", UpdateFrequency: "yearly, with monthly revisions"},
		{Source: srcEdgar, Name: "EDGAR", Description: "Emissions Database for Global Atmospheric Research: national and gridded GHG and air pollutants.",
			Url: "https://edgar.jrc.ec.europa.eu", License: "CC BY 4.0", DataTypes: []string{"emissions", "air_pollutants"},
			TemporalCoverage:   span(yearStart(data.EdgarFirstYear), yearStart(data.EdgarLastYear+1).Add(-time.Second)),
			TemporalResolution: "yearly", SpatialResolution: "countries; 0.1° grid", UpdateFrequency: "yearly (fast track for the latest year)"},
		{Source: "gcp", Name: "Global Carbon Project", Description: "National fossil CO2 and the global carbon and methane budgets.",
			Url: "https://globalcarbonbudget.org", License: "CC BY 4.0", DataTypes: []string{"emissions", "budgets"},
			TemporalCoverage:   span(yearStart(data.GCPFirstYear), yearStart(data.GCPReleases[len(data.GCPReleases)-1].LastYear+1).Add(-time.Second)),
			TemporalResolution: "yearly", SpatialResolution: "countries; global", UpdateFrequency: "yearly (November)"},
		{Source: "gleif", Name: "GLEIF", Description: "Legal entities with their LEIs, consolidation parents and matches to Climate TRACE assets.",
			Url: "https://www.gleif.org", License: "CC0 1.0", DataTypes: []string{"legal_entities"},
			TemporalCoverage: span(time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC), data.AsOf), TemporalResolution: "daily snapshots",
			SpatialResolution: "entities", UpdateFrequency: "daily"},
		{Source: "noaa_storm_events", Name: "NOAA Storm Events Database", Description: "Severe weather events in the United States.",
			Url: "https://www.ncdc.noaa.gov/stormevents/", License: "US Public Domain", DataTypes: []string{"weather_events"},
			TemporalCoverage:   span(yearStart(data.StormFirstYear), yearStart(data.StormLastYear+1).Add(-time.Second)),
			TemporalResolution: "events", SpatialResolution: "points (begin and end)", UpdateFrequency: "monthly"},
	}
}

// V1EsgDefinitionsRetrieve describes everything the unified API serves.
func (h *server) V1EsgDefinitionsRetrieve(c echo.Context) error {
	var params []janaapi.UnifiedParameter
	for _, prm := range h.d.Parameters {
		params = append(params, janaapi.UnifiedParameter{Source: srcOpenAQ, Name: prm.Name, DisplayName: new(prm.DisplayName),
			Units: prm.Units, Description: new(prm.Description)})
	}
	for _, g := range data.GasDefinitions {
		params = append(params, janaapi.UnifiedParameter{Source: srcClimateTrace, Name: g.Name, DisplayName: new(g.Display),
			Units: "tonnes", Description: new(g.Description)})
	}
	for _, g := range data.EdgarGases {
		params = append(params, janaapi.UnifiedParameter{Source: srcEdgar, Name: g, Units: "kt"})
	}
	for _, g := range data.AirPollutants {
		params = append(params, janaapi.UnifiedParameter{Source: srcEdgar, Name: g, Units: "kt", Description: new("Air pollutant")})
	}
	return writeJSON(c, http.StatusOK, janaapi.EsgDefinitions{Version: "2.1.0", Sources: h.sourceDefinitions(), Units: unitDefinitions,
		Parameters: params, TemporalResolutions: []string{"raw", "hourly", "daily", "weekly", "monthly"},
		QualityLevels: []string{"summary", "detailed", "comprehensive"}})
}

// V1EsgDefinitionsUnitsRetrieve lists the units.
func (h *server) V1EsgDefinitionsUnitsRetrieve(c echo.Context) error {
	return writeJSON(c, http.StatusOK, janaapi.EsgUnitDefinitions{Units: unitDefinitions})
}

// V1EsgDefinitionsSourcesRetrieve lists the sources.
func (h *server) V1EsgDefinitionsSourcesRetrieve(c echo.Context) error {
	return writeJSON(c, http.StatusOK, janaapi.EsgSourceDefinitions{Sources: h.sourceDefinitions()})
}
