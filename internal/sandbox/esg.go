package sandbox

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// Source names of the unified API.
const (
	srcOpenAQ       = "openaq"
	srcClimateTrace = "climatetrace"
	srcEdgar        = "edgar"
)

var attributions = map[string]janaapi.Attribution{
	srcOpenAQ: {Source: srcOpenAQ, Name: "OpenAQ", Url: new("https://openaq.org"), License: new("CC BY 4.0")},
	srcClimateTrace: {Source: srcClimateTrace, Name: "Climate TRACE", Url: new("https://climatetrace.org"),
		License: new("CC BY 4.0")},
	srcEdgar: {Source: srcEdgar, Name: "EDGAR - Emissions Database for Global Atmospheric Research",
		Url: new("https://edgar.jrc.ec.europa.eu"), License: new("CC BY 4.0")},
}

func attributionFor(sources []string) []janaapi.Attribution {
	out := make([]janaapi.Attribution, 0, len(sources))
	for _, s := range sources {
		out = append(out, attributions[s])
	}
	return out
}

// sourcesOf turns the sources parameter into a list, defaulting to all of them.
func sourcesOf[T ~string](v *[]T, all ...string) []string {
	if v == nil || len(*v) == 0 {
		return all
	}
	var out []string
	for _, s := range all {
		for _, x := range *v {
			if string(x) == s {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// queryEcho returns the filters as the client sent them, for the response's query block.
func queryEcho(c echo.Context, sources []string) janaapi.UnifiedQuery {
	q, _ := url.ParseQuery(stateOf(c).rawQuery)
	filters := map[string]any{}
	for k, v := range q {
		if len(v) == 1 {
			filters[k] = v[0]
		} else {
			filters[k] = v
		}
	}
	return janaapi.UnifiedQuery{Sources: sources, Filters: &filters}
}

// errNoLocation is the unified API's rule that data and trends need a place.
func (h *server) errNoLocation() error {
	return badRequest(fmt.Sprintf("At least one location filter is required: %s, %s (with %s) or %s.",
		h.s.spec.served("location_bbox"), h.s.spec.served("location_point"), h.s.spec.served("radius_km"),
		h.s.spec.served("country_codes")))
}

// ctGases maps unified parameter names to Climate TRACE gases; ok is false when the list
// names parameters but none applies to Climate TRACE.
func ctGases(params []string) ([]string, bool) {
	if len(params) == 0 {
		return nil, true
	}
	var out []string
	for _, p := range params {
		switch p = strings.ToLower(p); p {
		case "co2", "ch4", "n2o", "co2e_100yr", "co2e_20yr":
			out = append(out, p)
		case "co2e", "ghg":
			out = append(out, "co2e_100yr")
		}
	}
	return out, len(out) > 0
}

// edgarGases maps unified parameter names to EDGAR gas indices (all four by default).
func edgarGases(params []string) ([]int, bool) {
	if len(params) == 0 {
		return []int{0, 1, 2, 3}, true
	}
	var out []int
	for _, p := range params {
		switch strings.ToLower(p) {
		case "co2":
			out = append(out, 0)
		case "ch4":
			out = append(out, 1)
		case "n2o":
			out = append(out, 2)
		case "co2e", "ghg", "co2e_100yr":
			out = append(out, 3)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), len(out) > 0
}

// aqParams keeps the pollutant names of a unified parameter list.
func aqParams(params []string) ([]string, bool) {
	if len(params) == 0 {
		return nil, true
	}
	var out []string
	for _, p := range params {
		if p = strings.ToLower(p); slices.Contains(data.Pollutants, p) {
			out = append(out, p)
		}
	}
	return out, len(out) > 0
}

func resolutionOf(v string) data.Resolution {
	switch v {
	case "hourly":
		return data.ResHourly
	case "daily":
		return data.ResDaily
	case "weekly":
		return data.ResWeekly
	case "monthly":
		return data.ResMonthly
	}
	return data.ResRaw
}

// V1EsgHealthRetrieve is the public liveness endpoint.
func (h *server) V1EsgHealthRetrieve(c echo.Context) error {
	return writeJSON(c, http.StatusOK, janaapi.HealthStatus{Service: "jana-esg-api", Status: "healthy",
		Version: "2.1.0", Timestamp: h.now()})
}

// V1EsgParametersRetrieve lists what can be asked for, per source; parameter_types keeps the
// pollutants (air_quality, OpenAQ's) or the gases (emissions, Climate TRACE's and EDGAR's).
func (h *server) V1EsgParametersRetrieve(c echo.Context, p janaapi.V1EsgParametersRetrieveParams) error {
	out := janaapi.UnifiedParametersResponse{Parameters: []janaapi.UnifiedParameter{}}
	types := sourcesOf(p.ParameterTypes, "air_quality", "emissions")
	for _, src := range sourcesOf(p.Sources, srcOpenAQ, srcClimateTrace, srcEdgar) {
		if kind := map[string]string{srcOpenAQ: "air_quality"}[src]; !slices.Contains(types, cmp.Or(kind, "emissions")) {
			continue
		}
		switch src {
		case srcOpenAQ:
			for _, prm := range h.d.Parameters {
				out.Parameters = append(out.Parameters, janaapi.UnifiedParameter{Source: src, Name: prm.Name,
					DisplayName: new(prm.DisplayName), Units: prm.Units, Description: new(prm.Description)})
			}
		case srcClimateTrace:
			for _, g := range [][3]string{{"co2", "CO₂", "Carbon dioxide"}, {"ch4", "CH₄", "Methane"},
				{"n2o", "N₂O", "Nitrous oxide"}, {"co2e", "CO₂e (100-year)", "CO2-equivalent, 100-year GWP (co2e_100yr)"},
				{"co2e_20yr", "CO₂e (20-year)", "CO2-equivalent, 20-year GWP"}} {
				out.Parameters = append(out.Parameters, janaapi.UnifiedParameter{Source: src, Name: g[0],
					DisplayName: new(g[1]), Units: "tonnes", Description: new(g[2] + ", monthly per asset")})
			}
		case srcEdgar:
			for _, g := range [][3]string{{"co2", "CO₂", "Carbon dioxide"}, {"ch4", "CH₄", "Methane"},
				{"n2o", "N₂O", "Nitrous oxide"}, {"co2e", "GHG (CO₂e)", "All greenhouse gases, CO2-equivalent (GWP-100 AR5)"}} {
				out.Parameters = append(out.Parameters, janaapi.UnifiedParameter{Source: src, Name: g[0],
					DisplayName: new(g[1]), Units: "kt", Description: new(g[2] + ", yearly national totals")})
			}
		}
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1EsgStatisticsRetrieve reports per-table counts and ranges, a counted list like every other.
func (h *server) V1EsgStatisticsRetrieve(c echo.Context, p janaapi.V1EsgStatisticsRetrieveParams) error {
	sz := h.d.Sizes()
	aqCountries, ctCountries := h.countryCounts()
	ts := func(t time.Time) *time.Time { return &t }
	tables := []janaapi.TableStatistics{
		{Table: "openaq_locations", Source: srcOpenAQ, RecordCount: int64(sz.Locations), CountryCount: new(aqCountries)},
		{Table: "openaq_sensors", Source: srcOpenAQ, RecordCount: int64(sz.Sensors), CountryCount: new(aqCountries)},
		{Table: "openaq_measurements", Source: srcOpenAQ, RecordCount: sz.Measurements, CountryCount: new(aqCountries),
			Earliest: ts(data.MeasurementStart), Latest: ts(data.SlotTime(data.MeasurementSlots - 1))},
		{Table: "climatetrace_sectors", Source: srcClimateTrace, RecordCount: int64(sz.Sectors)},
		{Table: "climatetrace_assets", Source: srcClimateTrace, RecordCount: int64(sz.Assets), CountryCount: new(ctCountries)},
		{Table: "climatetrace_emissions", Source: srcClimateTrace, RecordCount: sz.Emissions, CountryCount: new(ctCountries),
			Earliest: ts(data.CTMonthStart(0)), Latest: ts(data.CTMonthStart(data.CTMonths - 1))},
		{Table: "edgar_country_totals", Source: srcEdgar, RecordCount: int64(sz.EdgarRows), CountryCount: new(sz.Countries),
			Earliest: ts(yearStart(data.EdgarFirstYear)), Latest: ts(yearStart(data.EdgarLastYear))},
		{Table: "edgar_grid_emissions", Source: srcEdgar, RecordCount: sz.GridRows,
			Earliest: ts(yearStart(data.GridYears[0])), Latest: ts(yearStart(data.GridYears[len(data.GridYears)-1]))},
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(tables))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, janaapi.PaginatedTableStatisticsList{Count: len(tables), Next: w.next, Previous: w.prev,
		Results: pageOf(tables, w)})
}

func yearStart(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }

func (h *server) countryCounts() (openaq, climatetrace int) {
	aq, ct := map[string]bool{}, map[string]bool{}
	for i := range h.d.Locations {
		aq[h.d.Locations[i].CountryISO3] = true
	}
	for i := range h.d.Assets {
		ct[h.d.Assets[i].CountryISO3] = true
	}
	return len(aq), len(ct)
}

// V1EsgSummaryRetrieve gives the platform overview.
func (h *server) V1EsgSummaryRetrieve(c echo.Context) error {
	sz := h.d.Sizes()
	var sentinels int64
	for i := range h.d.Sensors {
		s := &h.d.Sensors[i]
		sentinels += int64(s.SentinelCount(s.Start, s.End()-1))
	}
	aqCountries, ctCountries := map[string]bool{}, map[string]bool{}
	for i := range h.d.Locations {
		aqCountries[h.d.Locations[i].CountryISO3] = true
	}
	for i := range h.d.Assets {
		ctCountries[h.d.Assets[i].CountryISO3] = true
	}
	keys := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	edgarCountries := make([]string, 0, len(h.d.Countries))
	for _, ct := range h.d.Countries {
		edgarCountries = append(edgarCountries, ct.ISO3)
	}
	slices.Sort(edgarCountries)
	t := func(v time.Time) *time.Time { return &v }
	aqList, ctList := keys(aqCountries), keys(ctCountries)
	lastAQ := data.SlotTime(data.MeasurementSlots - 1)
	sources := []janaapi.SourceCoverage{
		{Source: srcOpenAQ, Name: "OpenAQ", RecordCount: sz.Measurements, LocationCount: new(sz.Locations),
			CountryCount: new(len(aqList)), Countries: &aqList,
			DateRange: &janaapi.DateRange{Start: t(data.MeasurementStart), End: t(lastAQ)}, LastUpdated: t(lastAQ)},
		{Source: srcClimateTrace, Name: "Climate TRACE", RecordCount: sz.Emissions, LocationCount: new(sz.Assets),
			CountryCount: new(len(ctList)), Countries: &ctList,
			DateRange:   &janaapi.DateRange{Start: t(data.CTMonthStart(0)), End: t(data.CTMonthEnd(data.CTMonths - 1))},
			LastUpdated: t(data.CTMonthEnd(data.CTMonths - 1))},
		{Source: srcEdgar, Name: "EDGAR", RecordCount: int64(sz.EdgarRows) + sz.GridRows,
			CountryCount: new(len(edgarCountries)), Countries: &edgarCountries,
			DateRange:   &janaapi.DateRange{Start: t(yearStart(data.EdgarFirstYear)), End: t(yearStart(data.EdgarLastYear + 1).Add(-time.Second))},
			LastUpdated: t(yearStart(data.EdgarLastYear + 1).Add(-time.Second))},
	}
	valid := sz.Measurements - sentinels
	return writeJSON(c, http.StatusOK, janaapi.PlatformSummary{
		GeneratedAt: h.now(), Sources: sources,
		DataQuality: &janaapi.DataQuality{Completeness: new(round(float64(valid)/float64(sz.Measurements), 4)),
			ValidRecords: new(int(valid)), FlaggedRecords: new(int(sentinels))},
		Attribution: attributionFor([]string{srcOpenAQ, srcClimateTrace, srcEdgar}),
	})
}

// V1EsgSystemHealthRetrieve reports health as Jana would today: freshness is each source's lag
// behind the sandbox's clock (the wall clock, or Config.Clock in tests), so data that ended
// months ago is reported stale, not fresh. Only the clock changes the answer.
func (h *server) V1EsgSystemHealthRetrieve(c echo.Context) error {
	type fresh struct {
		src        string
		last       time.Time
		fresh, old time.Duration // fresh below the first, stale above the second
	}
	var freshness []janaapi.SourceFreshness
	var alerts []janaapi.HealthAlert
	status := janaapi.SystemStatusEnumHealthy
	const day = 24 * time.Hour
	for _, f := range []fresh{
		{srcOpenAQ, data.SlotTime(data.MeasurementSlots - 1), 6 * time.Hour, 48 * time.Hour},
		{srcClimateTrace, data.CTMonthEnd(data.CTMonths - 1), 120 * day, 540 * day},
		{srcEdgar, yearStart(data.EdgarLastYear + 1).Add(-day), 730 * day, 1100 * day},
	} {
		lag := h.now().Sub(f.last)
		st := janaapi.StatusEnumFresh
		switch {
		case lag > f.old:
			st = janaapi.StatusEnumStale
		case lag > f.fresh:
			st = janaapi.StatusEnumDelayed
		}
		if st != janaapi.StatusEnumFresh {
			status = janaapi.SystemStatusEnumDegraded
			alerts = append(alerts, janaapi.HealthAlert{Level: janaapi.LevelEnumWarning, Source: new(f.src),
				Message: fmt.Sprintf("%s data is %d days old (last record %s); ingestion of the next release is pending.",
					attributions[f.src].Name, int(lag/day), f.last.Format(time.DateOnly))})
		}
		last := f.last
		freshness = append(freshness, janaapi.SourceFreshness{Source: f.src, LastRecordAt: &last,
			LagHours: new(round(lag.Hours(), 1)), Status: st})
	}
	lastRun := data.AsOf.Add(-45 * time.Minute)
	return writeJSON(c, http.StatusOK, janaapi.SystemHealth{
		SystemStatus: status, CheckedAt: h.now(), DataFreshness: freshness,
		IngestionHealth: &janaapi.IngestionHealth{Status: janaapi.SystemStatusEnumHealthy, LastRunAt: &lastRun,
			FailedJobs24h: new(0), QueuedJobs: new(2)},
		ApiPerformance: &janaapi.ApiPerformance{AvgResponseMs: new(42.5), P95ResponseMs: new(180.0),
			RequestsLastHour: new(1250), ErrorRate: new(0.004)},
		DatabaseHealth: &janaapi.DatabaseHealth{Status: janaapi.SystemStatusEnumHealthy, ActiveConnections: new(12),
			ReplicationLagSeconds: new(0.4)},
		Alerts: append([]janaapi.HealthAlert{}, alerts...),
	})
}

// V1EsgLocationsRetrieve lists stations and assets; with location_point they carry distance_km
// and come nearest first.
func (h *server) V1EsgLocationsRetrieve(c echo.Context, p janaapi.V1EsgLocationsRetrieveParams) error {
	sp, err := unifiedSpatial(p.LocationBbox, p.LocationPoint, p.RadiusKm)
	if err != nil {
		return err
	}
	sources := sourcesOf(p.Sources, srcOpenAQ, srcClimateTrace)
	countries := upper(p.CountryCodes)
	meta := p.IncludeMetadata != nil && *p.IncludeMetadata
	var locs []janaapi.UnifiedLocation
	for _, src := range sources {
		switch src {
		case srcOpenAQ:
			for _, i := range h.d.FilterLocations(data.LocationFilter{Spatial: sp, CountryISO3: countries}) {
				l := &h.d.Locations[i]
				u := janaapi.UnifiedLocation{Id: fmt.Sprintf("openaq:%d", l.ID), Source: src, SourceId: l.ID,
					Name: l.Name, LocationType: janaapi.UnifiedLocationLocationTypeStation,
					Coordinates: []float64{l.Lon, l.Lat}, CountryCode: new(l.CountryISO3)}
				if meta {
					u.Metadata = &map[string]any{"openaq_id": l.OpenAQID, "provider": l.Provider, "owner": l.Owner,
						"is_monitor": l.IsMonitor, "is_mobile": l.IsMobile, "parameters": l.Parameters,
						"timezone": l.Timezone, "locality": l.Locality}
				}
				locs = append(locs, u)
			}
		case srcClimateTrace:
			for _, i := range h.d.FilterAssets(data.AssetFilter{Spatial: sp, CountryISO3: countries}) {
				a := &h.d.Assets[i]
				sector := h.d.Sectors[a.Sector]
				u := janaapi.UnifiedLocation{Id: fmt.Sprintf("climatetrace:%d", a.ID), Source: src, SourceId: a.ID,
					Name: a.Name, LocationType: janaapi.UnifiedLocationLocationTypeAsset,
					Coordinates: []float64{a.Lon, a.Lat}, CountryCode: new(a.CountryISO3), Sector: new(sector.Name)}
				if meta {
					m := map[string]any{"asset_type": a.AssetType, "sector_group": sector.Group,
						"capacity": a.Capacity, "capacity_unit": a.CapacityUnit, "gases": a.GasNames()}
					u.Metadata = &m
				}
				locs = append(locs, u)
			}
		}
	}
	if sp.Circle != nil {
		for i := range locs {
			d := round(data.HaversineKm(sp.Circle.Lon, sp.Circle.Lat, locs[i].Coordinates[0], locs[i].Coordinates[1]), 3)
			locs[i].DistanceKm = &d
		}
		slices.SortStableFunc(locs, func(a, b janaapi.UnifiedLocation) int { return cmp.Compare(*a.DistanceKm, *b.DistanceKm) })
	}
	count := len(locs)
	limit := 100
	if p.Limit != nil {
		limit = *p.Limit
	}
	locs = locs[:min(limit, len(locs))]
	if locs == nil {
		locs = []janaapi.UnifiedLocation{}
	}
	return writeJSON(c, http.StatusOK, janaapi.UnifiedLocationsResponse{Count: count, Locations: locs,
		Attribution: attributionFor(sources)})
}

// now is the time answers report as now: the configured clock's, or the real one.
func (h *server) now() time.Time {
	if h.s.cfg.Clock != nil {
		return h.s.cfg.Clock().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}
