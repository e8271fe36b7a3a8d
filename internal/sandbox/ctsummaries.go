package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// Climate TRACE summaries, sector and country sub-lists and definitions. Every figure is
// summed from the asset months the emissions endpoint serves row by row.

// V1DataSourcesClimatetraceEmissionsDateRangeRetrieve gives the month span of matching rows.
func (h *server) V1DataSourcesClimatetraceEmissionsDateRangeRetrieve(c echo.Context, p janaapi.V1DataSourcesClimatetraceEmissionsDateRangeRetrieveParams) error {
	set := h.emissionTotals(firstOf(p.CountryIso3, p.CountryCode), p.SectorName, gasNames(p.Gas), nil, nil)
	t := set.Totals()
	out := janaapi.ClimateTraceEmissionDateRange{TotalRecords: t.RecordCount}
	if t.First <= t.Last {
		out.EarliestDate = &openapi_types.Date{Time: data.CTMonthStart(t.First)}
		out.LatestDate = &openapi_types.Date{Time: data.CTMonthStart(t.Last)}
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceEmissionsGasTypeDistributionRetrieve counts matching rows per gas.
func (h *server) V1DataSourcesClimatetraceEmissionsGasTypeDistributionRetrieve(c echo.Context, p janaapi.V1DataSourcesClimatetraceEmissionsGasTypeDistributionRetrieveParams) error {
	var total int64
	counts := make([]int64, len(data.Gases))
	for g, gas := range data.Gases {
		counts[g] = h.emissionTotals(firstOf(p.CountryIso3, p.CountryCode), nil, []string{gas}, nil, nil).Totals().RecordCount
		total += counts[g]
	}
	out := janaapi.ClimateTraceGasTypeDistribution{TotalRecords: total, GasTypes: []janaapi.ClimateTraceGasTypeShare{}}
	for g, gas := range data.Gases {
		if counts[g] == 0 {
			continue
		}
		out.GasTypes = append(out.GasTypes, janaapi.ClimateTraceGasTypeShare{Gas: gas, RecordCount: counts[g],
			Percentage: round(float64(counts[g])/float64(total)*100, 2)})
	}
	return writeJSON(c, http.StatusOK, out)
}

// firstAssets lists up to 100 assets passing keep, by id (the SDK's sector and country lists).
func (h *server) firstAssets(keep func(*data.Asset) bool) []janaapi.ClimateTraceAsset {
	out := []janaapi.ClimateTraceAsset{}
	for i := range h.d.Assets {
		if a := &h.d.Assets[i]; keep(a) {
			out = append(out, h.assetBody(a))
			if len(out) == 100 {
				break
			}
		}
	}
	return out
}

// V1DataSourcesClimatetraceSectorsAssetsList lists the first 100 assets of a sector.
func (h *server) V1DataSourcesClimatetraceSectorsAssetsList(c echo.Context, id int) error {
	if id < 1 || id > len(h.d.Sectors) {
		return notFound()
	}
	return writeJSON(c, http.StatusOK, h.firstAssets(func(a *data.Asset) bool { return a.Sector == id-1 }))
}

// V1DataSourcesClimatetraceCountriesAssetsList lists the first 100 assets of a country.
func (h *server) V1DataSourcesClimatetraceCountriesAssetsList(c echo.Context, id int) error {
	ci, ok := h.d.CountryByCTID(id)
	if !ok {
		return notFound()
	}
	return writeJSON(c, http.StatusOK, h.firstAssets(func(a *data.Asset) bool { return a.Country == ci }))
}

// V1DataSourcesClimatetraceSectorsEmissionsSummaryRetrieve sums a sector's assets.
func (h *server) V1DataSourcesClimatetraceSectorsEmissionsSummaryRetrieve(c echo.Context, id int) error {
	if id < 1 || id > len(h.d.Sectors) {
		return notFound()
	}
	s := &h.d.Sectors[id-1]
	var total float64
	for i := range h.d.Assets {
		if a := &h.d.Assets[i]; a.Sector == id-1 {
			total += a.TotalCO2e()
		}
	}
	out := janaapi.ClimateTraceSectorEmissionsSummary{SectorId: s.ID, SectorName: s.Name, TotalAssets: s.AssetCount,
		TotalCo2eTonnes: round(total, 3)}
	if s.AssetCount > 0 {
		out.AvgCo2eTonnes = new(round(total/float64(s.AssetCount), 3))
	}
	return writeJSON(c, http.StatusOK, out)
}

// matchFold reports whether v equals one of want, case-insensitively (want empty: any).
func matchFold(want []string, v string) bool {
	return len(want) == 0 || slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(w, v) })
}

// V1DataSourcesClimatetraceEmissionsAggregatedEmissionsRetrieve sums the assets' yearly
// emissions of one gas over the filters, per year, sector, subsector and country.
func (h *server) V1DataSourcesClimatetraceEmissionsAggregatedEmissionsRetrieve(c echo.Context, p janaapi.V1DataSourcesClimatetraceEmissionsAggregatedEmissionsRetrieveParams) error {
	sp, err := sourceSpatial(p.Bbox, nil, nil)
	if err != nil {
		return err
	}
	gas := "co2e_100yr"
	if p.Gas != nil {
		gas = string(*p.Gas)
	}
	g := data.GasIndex(gas)
	groups := map[string]bool{}
	for _, name := range deref(p.Groups) {
		for _, cg := range h.d.CountryGroups() {
			if strings.EqualFold(cg.Name, name) {
				for _, m := range cg.Members {
					groups[m] = true
				}
			}
		}
	}
	years := deref(p.Years)
	type acc struct {
		n int
		q float64
	}
	byYear, bySector, bySub, byCountry := map[int]*acc{}, map[string]*acc{}, map[string]*acc{}, map[string]*acc{}
	add := func(m map[string]*acc, k string, q float64) {
		a := m[k]
		if a == nil {
			a = &acc{}
			m[k] = a
		}
		a.n++
		a.q += q
	}
	out := janaapi.ClimateTraceAggregatedEmissions{Gas: gas, Unit: "tonnes"}
	for i := range h.d.Assets {
		a := &h.d.Assets[i]
		s := &h.d.Sectors[a.Sector]
		ct := h.d.Countries[a.Country]
		switch {
		case !a.HasGas(g),
			!matchFold(deref(p.Countries), a.CountryISO3),
			!matchFold(deref(p.Sectors), s.Group),
			!matchFold(deref(p.Subsectors), s.Name),
			!matchFold(deref(p.Continents), ct.Continent),
			len(deref(p.Groups)) > 0 && !groups[a.CountryISO3],
			!sp.Match(a.Lon, a.Lat):
			continue
		}
		var total float64
		counted := false
		for y := data.CTFirstYear; y <= data.CTLastYear; y++ {
			if len(years) > 0 && !slices.Contains(years, y) {
				continue
			}
			co2e, months := a.YearSum(y)
			if months == 0 {
				continue
			}
			q := h.d.GasQuantity(a, g, co2e)
			ya := byYear[y]
			if ya == nil {
				ya = &acc{}
				byYear[y] = ya
			}
			ya.n++
			ya.q += q
			total += q
			counted = true
		}
		if !counted {
			continue
		}
		out.AssetCount++
		out.EmissionsQuantity += total
		add(bySector, s.Group, total)
		add(bySub, s.Name, total)
		add(byCountry, a.CountryISO3, total)
	}
	out.EmissionsQuantity = round(out.EmissionsQuantity, 3)
	out.Years = []janaapi.ClimateTraceYearAggregate{}
	for y := data.CTFirstYear; y <= data.CTLastYear; y++ {
		if a := byYear[y]; a != nil {
			out.Years = append(out.Years, janaapi.ClimateTraceYearAggregate{Year: y, AssetCount: a.n, EmissionsQuantity: round(a.q, 3)})
		}
	}
	named := func(m map[string]*acc) []janaapi.ClimateTraceNamedAggregate {
		list := []janaapi.ClimateTraceNamedAggregate{}
		for k, a := range m {
			list = append(list, janaapi.ClimateTraceNamedAggregate{Name: k, AssetCount: a.n, EmissionsQuantity: round(a.q, 3)})
		}
		slices.SortFunc(list, func(a, b janaapi.ClimateTraceNamedAggregate) int {
			if c := cmp.Compare(b.EmissionsQuantity, a.EmissionsQuantity); c != 0 {
				return c
			}
			return strings.Compare(a.Name, b.Name)
		})
		return list
	}
	out.Sectors, out.Subsectors, out.Countries = named(bySector), named(bySub), named(byCountry)
	return writeJSON(c, http.StatusOK, out)
}

// annualRow is one row of annual-country-emissions: a country, year, sector and gas.
type annualRow struct {
	id               int
	country, sector  int
	year, gas, count int
	quantity         float64
}

// V1DataSourcesClimatetraceAnnualCountryEmissionsList pages yearly national sums per sector and gas.
func (h *server) V1DataSourcesClimatetraceAnnualCountryEmissionsList(c echo.Context, p janaapi.V1DataSourcesClimatetraceAnnualCountryEmissionsListParams) error {
	search := ""
	if p.Search != nil {
		search = strings.ToLower(*p.Search)
	}
	gas := -1
	if p.GasType != nil {
		gas = data.GasIndex(string(*p.GasType))
	}
	nSec, nYears, nGas := len(h.d.Sectors), data.CTLastYear-data.CTFirstYear+1, len(data.Gases)
	rows := map[int]*annualRow{}
	for i := range h.d.Assets {
		a := &h.d.Assets[i]
		ct := h.d.Countries[a.Country]
		switch {
		case p.CountryIso3 != nil && !strings.EqualFold(*p.CountryIso3, a.CountryISO3),
			p.Sector != nil && *p.Sector != h.d.Sectors[a.Sector].Name,
			search != "" && !strings.Contains(strings.ToLower(ct.Name), search) && !strings.EqualFold(search, ct.ISO3):
			continue
		}
		for y := data.CTFirstYear; y <= data.CTLastYear; y++ {
			if p.Year != nil && *p.Year != y {
				continue
			}
			co2e, months := a.YearSum(y)
			if months == 0 {
				continue
			}
			for g := range data.Gases {
				if !a.HasGas(g) || (gas >= 0 && g != gas) {
					continue
				}
				id := (((h.d.CTCountryID(a.Country)-1)*nYears+(y-data.CTFirstYear))*nSec+a.Sector)*nGas + g + 1
				r := rows[id]
				if r == nil {
					r = &annualRow{id: id, country: a.Country, sector: a.Sector, year: y, gas: g}
					rows[id] = r
				}
				r.count++
				r.quantity += h.d.GasQuantity(a, g, co2e)
			}
		}
	}
	list := make([]*annualRow, 0, len(rows))
	for _, r := range rows {
		list = append(list, r)
	}
	slices.SortFunc(list, func(a, b *annualRow) int { return cmp.Compare(a.id, b.id) })
	if p.Ordering != nil {
		orderBy(list, string(*p.Ordering), func(field string, a, b *annualRow) int {
			switch field {
			case "year":
				return cmp.Compare(a.year, b.year)
			case "emissions_quantity":
				return cmp.Compare(a.quantity, b.quantity)
			}
			return strings.Compare(h.d.Countries[a.country].ISO3, h.d.Countries[b.country].ISO3)
		})
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(list))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedClimateTraceAnnualCountryEmissionList{Count: len(list), Next: w.next, Previous: w.prev,
		Results: []janaapi.ClimateTraceAnnualCountryEmission{}}
	for _, r := range pageOf(list, w) {
		ct := h.d.Countries[r.country]
		out.Results = append(out.Results, janaapi.ClimateTraceAnnualCountryEmission{Id: r.id, CountryIso3: ct.ISO3,
			CountryName: ct.Name, Year: r.year, Sector: h.d.Sectors[r.sector].Name, GasType: data.Gases[r.gas],
			EmissionsQuantity: round(r.quantity, 3), AssetCount: r.count})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceDefinitionsSubsectorsList lists the subsectors (the sector names).
func (h *server) V1DataSourcesClimatetraceDefinitionsSubsectorsList(c echo.Context) error {
	out := []janaapi.ClimateTraceSubsectorDefinition{}
	for _, s := range h.d.Sectors {
		out = append(out, janaapi.ClimateTraceSubsectorDefinition{Name: s.Name, Sector: s.Group, Description: s.Description})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceDefinitionsGroupsList lists the country groups.
func (h *server) V1DataSourcesClimatetraceDefinitionsGroupsList(c echo.Context) error {
	out := []janaapi.ClimateTraceGroupDefinition{}
	for _, g := range h.d.CountryGroups() {
		out = append(out, janaapi.ClimateTraceGroupDefinition{Name: g.Name, Description: g.Description, CountryIso3: g.Members})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceDefinitionsContinentsList lists the continents and their countries.
func (h *server) V1DataSourcesClimatetraceDefinitionsContinentsList(c echo.Context) error {
	out := []janaapi.ClimateTraceContinentDefinition{}
	for _, g := range h.d.Continents() {
		out = append(out, janaapi.ClimateTraceContinentDefinition{Name: g.Name, CountryIso3: g.Members})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceDefinitionsGasesList lists the gases.
func (h *server) V1DataSourcesClimatetraceDefinitionsGasesList(c echo.Context) error {
	out := []janaapi.ClimateTraceGasDefinition{}
	for _, g := range data.GasDefinitions {
		out = append(out, janaapi.ClimateTraceGasDefinition{Name: g.Name, DisplayName: g.Display, Description: g.Description})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceAdminAreasSearchList finds areas by name, point and box, at most 100.
func (h *server) V1DataSourcesClimatetraceAdminAreasSearchList(c echo.Context, p janaapi.V1DataSourcesClimatetraceAdminAreasSearchListParams) error {
	sp, err := sourceSpatial(p.Bbox, nil, nil)
	if err != nil {
		return err
	}
	var point []float64
	if p.Point != nil {
		v, ok := parseFloats(*p.Point, 2)
		if !ok || !validLonLat(v[0], v[1]) {
			return fieldError(h.s.spec.served("point"), "Expected 'lon,lat': two comma-separated numbers, longitude first.")
		}
		point = v
	}
	query := ""
	if p.Query != nil {
		query = strings.ToLower(strings.TrimSpace(*p.Query))
	}
	out := []janaapi.ClimateTraceAdminArea{}
	for _, a := range h.d.AdminAreas() {
		switch {
		case p.Level != nil && string(*p.Level) != strconv.Itoa(a.Level),
			query != "" && !strings.Contains(strings.ToLower(a.FullName), query),
			point != nil && !a.Contains(point[0], point[1]),
			sp.Box != nil && !a.Intersects(*sp.Box):
			continue
		}
		out = append(out, janaapi.ClimateTraceAdminArea{Id: a.ID, Name: a.Name, FullName: a.FullName, Level: a.Level,
			CountryIso3: h.d.Countries[a.Country].ISO3, Centroid: a.Centroid[:], Bbox: a.BBox[:]})
		if len(out) == 100 {
			break
		}
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceAdminAreasGeojsonRetrieve returns an area's boundary.
func (h *server) V1DataSourcesClimatetraceAdminAreasGeojsonRetrieve(c echo.Context, id string) error {
	a, ok := h.d.AdminAreaByID(id)
	if !ok {
		return notFound()
	}
	geom := janaapi.GeoJSONGeometry{Type: "Polygon"}
	ringOf := func(poly [][2]float64) []any {
		out := make([]any, len(poly))
		for i, v := range poly {
			out[i] = []float64{v[0], v[1]}
		}
		return out
	}
	if len(a.Polygons) == 1 {
		geom.Coordinates = []any{ringOf(a.Polygons[0])}
	} else {
		geom.Type = "MultiPolygon"
		for _, poly := range a.Polygons {
			geom.Coordinates = append(geom.Coordinates, []any{ringOf(poly)})
		}
	}
	return writeJSON(c, http.StatusOK, janaapi.ClimateTraceAdminAreaGeoJSON{Type: "Feature", Id: a.ID, Geometry: geom,
		Properties: map[string]any{"name": a.Name, "full_name": a.FullName, "level": a.Level,
			"country_iso3": h.d.Countries[a.Country].ISO3}})
}
