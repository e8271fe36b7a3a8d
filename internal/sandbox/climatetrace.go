package sandbox

import (
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

func (h *server) assetBody(a *data.Asset) janaapi.ClimateTraceAsset {
	return janaapi.ClimateTraceAsset{Id: a.ID, Name: a.Name, SectorId: a.Sector + 1,
		SectorName: h.d.Sectors[a.Sector].Name, CountryCode: a.CountryISO3, AssetType: new(a.AssetType),
		Lat: a.Lat, Lon: a.Lon, Capacity: a.Capacity, CapacityUnit: a.CapacityUnit}
}

func (h *server) emissionBody(r data.EmissionRef) janaapi.ClimateTraceEmission {
	e := h.d.Emission(r)
	return janaapi.ClimateTraceEmission{Id: e.ID, AssetId: e.Asset.ID, AssetName: e.Asset.Name,
		SectorName: e.Sector.Name, CountryCode: new(e.Asset.CountryISO3), Gas: e.Gas, StartTime: e.Start,
		EndTime: e.End, EmissionsQuantity: e.Quantity, Co2eTonnes: e.CO2eTonne, Lat: new(e.Asset.Lat),
		Lon: new(e.Asset.Lon)}
}

func dateTime(d *openapi_types.Date) *time.Time {
	if d == nil {
		return nil
	}
	t := d.Time
	return &t
}

func gasNames[T ~string](v *[]T) []string {
	if v == nil {
		return nil
	}
	out := make([]string, len(*v))
	for i, g := range *v {
		out[i] = string(g)
	}
	return out
}

// V1DataSourcesClimatetraceAssetsList pages assets (cursor pagination).
func (h *server) V1DataSourcesClimatetraceAssetsList(c echo.Context, p janaapi.V1DataSourcesClimatetraceAssetsListParams) error {
	sp, err := sourceSpatial(p.Bbox, p.Coordinates, p.Radius)
	if err != nil {
		return err
	}
	idx := h.d.FilterAssets(data.AssetFilter{Spatial: sp, CountryISO3: upper(firstOf(p.CountryIso3, p.CountryCode)),
		SectorIDs: deref(firstOf(p.SectorId, p.Sector)), SectorNames: deref(p.SectorName)})
	after := func(pos int64, n int) ([]int, bool) {
		k := sort.Search(len(idx), func(i int) bool { return int64(idx[i]+1) > pos })
		end := min(k+n, len(idx))
		return idx[k:end], end < len(idx)
	}
	before := func(pos int64, n int) ([]int, bool) {
		k := sort.Search(len(idx), func(i int) bool { return int64(idx[i]+1) >= pos })
		start := max(0, k-n)
		return idx[start:k], start > 0
	}
	args := cursorArgs{Cursor: p.Cursor, PageSize: p.PageSize, Limit: p.Limit, Skip: p.Offset}
	rows, next, prev, err := cursorPage(h.s, c, args, after, before, func(i int) int64 { return int64(i + 1) })
	if err != nil {
		return err
	}
	out := janaapi.PaginatedClimateTraceAssetList{Next: next, Previous: prev, Results: []janaapi.ClimateTraceAsset{}}
	for _, i := range rows {
		out.Results = append(out.Results, h.assetBody(&h.d.Assets[i]))
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceAssetsRetrieve returns one asset with its emission summary.
func (h *server) V1DataSourcesClimatetraceAssetsRetrieve(c echo.Context, id int) error {
	a, ok := h.d.AssetByID(id)
	if !ok {
		return notFound()
	}
	b := h.assetBody(a)
	first := openapi_types.Date{Time: data.CTMonthStart(a.FirstMonth)}
	last := openapi_types.Date{Time: data.CTMonthStart(a.LastMonth)}
	gases := a.GasNames()
	return writeJSON(c, http.StatusOK, janaapi.ClimateTraceAssetDetail{Id: b.Id, Name: b.Name,
		SectorId: b.SectorId, SectorName: b.SectorName, CountryCode: b.CountryCode, AssetType: b.AssetType,
		Lat: b.Lat, Lon: b.Lon, Capacity: b.Capacity, CapacityUnit: b.CapacityUnit,
		TotalCo2e: a.TotalCO2e(), FirstMonth: &first, LastMonth: &last, Gases: &gases})
}

func (h *server) emissionsPage(c echo.Context, set data.EmissionSet, args cursorArgs) error {
	rows, next, prev, err := cursorPage(h.s, c, args, set.After, set.Before, data.EmissionRef.ID)
	if err != nil {
		return err
	}
	out := janaapi.PaginatedClimateTraceEmissionList{Next: next, Previous: prev, Results: make([]janaapi.ClimateTraceEmission, 0, len(rows))}
	for _, r := range rows {
		out.Results = append(out.Results, h.emissionBody(r))
	}
	return writeJSON(c, http.StatusOK, out)
}

func dateOrder(from, to *openapi_types.Date, field string) error {
	if from != nil && to != nil && to.Before(from.Time) {
		return fieldError(field, field+" must not be before the start date.")
	}
	return nil
}

// dateRange is start_date/end_date (backend #170), else the older date_from/date_to they are
// translated to, checked for order under the name the client used.
func (h *server) dateRange(start, end, from, to *openapi_types.Date) (*openapi_types.Date, *openapi_types.Date, error) {
	s, e := firstOf(start, from), firstOf(end, to)
	field := "end_date"
	if end == nil {
		field = h.s.spec.served("date_to")
	}
	return s, e, dateOrder(s, e, field)
}

// assetEmissionsLimit is how many records assets/{id}/emissions/ answers: "List of emission
// records for the asset (limit 100)" (jana-eko-client user_client.py).
const assetEmissionsLimit = 100

// V1DataSourcesClimatetraceAssetsEmissionsList lists one asset's latest monthly emissions, at
// most 100, newest first (by start time, then id, descending).
func (h *server) V1DataSourcesClimatetraceAssetsEmissionsList(c echo.Context, id int, p janaapi.V1DataSourcesClimatetraceAssetsEmissionsListParams) error {
	if _, ok := h.d.AssetByID(id); !ok {
		return notFound()
	}
	from, to, err := h.dateRange(p.StartDate, p.EndDate, p.DateFrom, p.DateTo)
	if err != nil {
		return err
	}
	set := h.d.Emissions(data.EmissionFilter{Assets: data.AssetFilter{AssetIDs: []int{id}},
		Gases: gasNames(p.Gas), From: dateTime(from), To: dateTime(to)})
	// One asset's rows are in id order, month by month: the last ones are the newest.
	rows, _ := set.After(0, int(set.Count()))
	rows = rows[max(0, len(rows)-assetEmissionsLimit):]
	out := make([]janaapi.ClimateTraceEmission, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		out = append(out, h.emissionBody(rows[i]))
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceEmissionsList pages emissions (cursor pagination).
func (h *server) V1DataSourcesClimatetraceEmissionsList(c echo.Context, p janaapi.V1DataSourcesClimatetraceEmissionsListParams) error {
	sp, err := sourceSpatial(p.Bbox, p.Coordinates, p.Radius)
	if err != nil {
		return err
	}
	from, to, err := h.dateRange(p.StartDate, p.EndDate, p.DateFrom, p.DateTo)
	if err != nil {
		return err
	}
	set := h.d.Emissions(data.EmissionFilter{
		// The alias filters, as Jana's clients of May 2026 say (Faults.IgnoredParams
		// reproduces the April probe, which saw it ignored).
		Assets: data.AssetFilter{Spatial: sp, CountryISO3: upper(firstOf(p.CountryIso3, p.CountryCode)), SectorNames: deref(p.SectorName),
			SectorIDs: deref(p.SectorId), AssetIDs: deref(p.AssetId)},
		Gases: gasNames(p.Gas), From: dateTime(from), To: dateTime(to)})
	return h.emissionsPage(c, set, cursorArgs{Cursor: p.Cursor, PageSize: p.PageSize, Limit: p.Limit, Skip: p.Offset})
}

func (h *server) emissionTotals(countries *[]string, sectors *[]string, gases []string, from, to *openapi_types.Date) data.EmissionSet {
	return h.d.Emissions(data.EmissionFilter{
		Assets: data.AssetFilter{CountryISO3: upper(countries), SectorNames: deref(sectors)},
		Gases:  gases, From: dateTime(from), To: dateTime(to)})
}

// V1DataSourcesClimatetraceEmissionsTotalsRetrieve sums the matching rows: co2e_tonnes, and
// tonnes of each gas in its own rows.
func (h *server) V1DataSourcesClimatetraceEmissionsTotalsRetrieve(c echo.Context, p janaapi.V1DataSourcesClimatetraceEmissionsTotalsRetrieveParams) error {
	t := h.emissionTotals(firstOf(p.CountryIso3, p.CountryCode), p.SectorName, gasNames(p.Gas), p.DateFrom, p.DateTo).Totals()
	out := janaapi.ClimateTraceEmissionTotals{TotalCo2e: round(t.TotalCO2e, 3), TotalCo2: round(t.Of("co2"), 3),
		TotalCh4: round(t.Of("ch4"), 3), TotalN2o: round(t.Of("n2o"), 3), RecordCount: t.RecordCount}
	if t.RecordCount > 0 {
		out.AvgCo2e = new(round(t.TotalCO2e/float64(t.RecordCount), 3))
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceEmissionsSectorTotalsRetrieve sums per sector (slow in production).
func (h *server) V1DataSourcesClimatetraceEmissionsSectorTotalsRetrieve(c echo.Context, p janaapi.V1DataSourcesClimatetraceEmissionsSectorTotalsRetrieveParams) error {
	out := []janaapi.ClimateTraceSectorTotal{}
	for _, t := range h.emissionTotals(firstOf(p.CountryIso3, p.CountryCode), p.SectorName, gasNames(p.Gas), p.DateFrom, p.DateTo).SectorTotals() {
		out = append(out, janaapi.ClimateTraceSectorTotal{SectorName: t.Key, TotalCo2e: round(t.TotalCO2e, 3),
			RecordCount: t.RecordCount, UniqueAssets: t.UniqueAssets})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceEmissionsCountryTotalsRetrieve sums per country (slow in production).
func (h *server) V1DataSourcesClimatetraceEmissionsCountryTotalsRetrieve(c echo.Context, p janaapi.V1DataSourcesClimatetraceEmissionsCountryTotalsRetrieveParams) error {
	out := []janaapi.ClimateTraceCountryTotal{}
	for _, t := range h.emissionTotals(firstOf(p.CountryIso3, p.CountryCode), p.SectorName, gasNames(p.Gas), p.DateFrom, p.DateTo).CountryTotals() {
		out = append(out, janaapi.ClimateTraceCountryTotal{CountryIso3: t.Key,
			TotalCo2e: round(t.TotalCO2e, 3), RecordCount: t.RecordCount, UniqueAssets: t.UniqueAssets})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceSectorsList pages the 26 sectors.
func (h *server) V1DataSourcesClimatetraceSectorsList(c echo.Context, p janaapi.V1DataSourcesClimatetraceSectorsListParams) error {
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(h.d.Sectors))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedClimateTraceSectorList{Count: len(h.d.Sectors), Next: w.next, Previous: w.prev,
		Results: []janaapi.ClimateTraceSector{}}
	for _, s := range pageOf(h.d.Sectors, w) {
		out.Results = append(out.Results, janaapi.ClimateTraceSector{Id: s.ID, Name: s.Name, SectorGroup: s.Group,
			Description: new(s.Description), AssetCount: s.AssetCount})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesClimatetraceCountriesList pages countries by name; ids follow ISO-3 order.
func (h *server) V1DataSourcesClimatetraceCountriesList(c echo.Context, p janaapi.V1DataSourcesClimatetraceCountriesListParams) error {
	counts := make([]int, len(h.d.Countries))
	for i := range h.d.Assets {
		counts[h.d.Assets[i].Country]++
	}
	var idx []int
	search := ""
	if p.Search != nil {
		search = strings.ToLower(*p.Search)
	}
	for ci, ct := range h.d.Countries {
		if search != "" && !strings.Contains(strings.ToLower(ct.Name), search) &&
			!strings.EqualFold(ct.ISO3, search) && !strings.EqualFold(ct.ISO2, search) {
			continue
		}
		idx = append(idx, ci)
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(h.d.Countries[a].Name, h.d.Countries[b].Name) })
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(idx))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedClimateTraceCountryList{Count: len(idx), Next: w.next, Previous: w.prev,
		Results: []janaapi.ClimateTraceCountry{}}
	for _, ci := range pageOf(idx, w) {
		ct := h.d.Countries[ci]
		out.Results = append(out.Results, janaapi.ClimateTraceCountry{Id: h.d.CTCountryID(ci), CountryIso3: ct.ISO3,
			CountryIso2: new(ct.ISO2), CountryName: ct.Name, Continent: new(ct.Continent), AssetCount: counts[ci]})
	}
	return writeJSON(c, http.StatusOK, out)
}

// round rounds to the given number of decimals.
func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
