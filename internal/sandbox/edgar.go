package sandbox

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// yearRange turns start_date/end_date (backend #170) into the year bounds Jana filters on
// (year__gte, year__lte).
func yearRange(start, end *openapi_types.Date) (from, to int, err error) {
	from, to = math.MinInt, math.MaxInt
	if start != nil {
		from = start.Year()
	}
	if end != nil {
		to = end.Year()
	}
	if start != nil && end != nil && end.Before(start.Time) {
		return 0, 0, fieldError("end_date", "end_date must not be before start_date.")
	}
	return from, to, nil
}

// V1DataSourcesEdgarCountryTotalsList pages yearly national totals (page or limit/offset).
func (h *server) V1DataSourcesEdgarCountryTotalsList(c echo.Context, p janaapi.V1DataSourcesEdgarCountryTotalsListParams) error {
	yFrom, yTo, err := yearRange(p.StartDate, p.EndDate)
	if err != nil {
		return err
	}
	countries := upper(p.CountryIso3)
	gas, sector := -1, -1
	if p.Gas != nil {
		gas = slices.Index(data.EdgarGases, strings.ToUpper(string(*p.Gas)))
	}
	if p.Sector != nil {
		// An unknown sector code simply matches nothing, as a django-filter CharFilter would.
		if sector = h.d.EdgarSectorIndex(strings.ToUpper(*p.Sector)); sector < 0 {
			sector = len(h.d.EdgarSectors)
		}
	}
	var rows []int
	for i := range h.d.EdgarRows {
		r := &h.d.EdgarRows[i]
		switch {
		case gas >= 0 && r.Gas != gas,
			sector >= 0 && r.Sector != sector,
			p.Year != nil && r.Year != *p.Year,
			p.Provisional != nil && r.Provisional != *p.Provisional,
			r.Year < yFrom || r.Year > yTo,
			len(countries) > 0 && !slices.Contains(countries, h.d.Countries[r.Country].ISO3):
			continue
		}
		rows = append(rows, i)
	}
	if p.Ordering != nil {
		orderBy(rows, string(*p.Ordering), func(field string, a, b int) int {
			ra, rb := &h.d.EdgarRows[a], &h.d.EdgarRows[b]
			if field == "value" {
				return cmp.Compare(ra.Value, rb.Value)
			}
			return cmp.Compare(ra.Year, rb.Year)
		})
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(rows))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedEdgarCountryTotalList{Count: len(rows), Next: w.next, Previous: w.prev,
		Results: []janaapi.EdgarCountryTotal{}}
	for _, i := range pageOf(rows, w) {
		r := &h.d.EdgarRows[i]
		ct := h.d.Countries[r.Country]
		out.Results = append(out.Results, janaapi.EdgarCountryTotal{Id: r.ID, CountryCode: ct.ISO3,
			CountryName: new(ct.Name), Year: r.Year, GasType: data.EdgarGases[r.Gas], Sector: h.d.EdgarSectors[r.Sector].Code,
			Value: r.Value, Unit: "kt", Provisional: new(r.Provisional)})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesEdgarGridEmissionsList pages 0.1° grid cells (cursor pagination). Like the
// backend, it refuses to scan the whole grid: at least one filter is required.
func (h *server) V1DataSourcesEdgarGridEmissionsList(c echo.Context, p janaapi.V1DataSourcesEdgarGridEmissionsListParams) error {
	if p.Bbox == nil && p.Coordinates == nil && p.Year == nil && p.Gas == nil && p.Sector == nil &&
		p.StartDate == nil && p.EndDate == nil && p.MinValue == nil {
		names := []string{"year", "start_date", "end_date", "gas", "sector", "bbox", "coordinates", "min_value"}
		for i, n := range names {
			names[i] = h.s.spec.served(n)
		}
		return badRequest("At least one filter is required: " + strings.Join(names, ", ") + ".")
	}
	sp, err := sourceSpatial(p.Bbox, p.Coordinates, p.Radius)
	if err != nil {
		return err
	}
	yFrom, yTo, err := yearRange(p.StartDate, p.EndDate)
	if err != nil {
		return err
	}
	f := data.GridFilter{Spatial: sp, MinValue: p.MinValue}
	for _, y := range data.GridYears {
		if y >= yFrom && y <= yTo && (p.Year == nil || *p.Year == y) {
			f.Years = append(f.Years, y)
		}
	}
	if len(f.Years) == 0 {
		f.Years = []int{-1} // no year of the grid matches
	}
	if p.Gas != nil {
		f.Gases = []string{strings.ToUpper(string(*p.Gas))}
	}
	if p.Sector != nil {
		f.Sectors = []string{strings.ToUpper(*p.Sector)}
	}
	set := h.d.Grid(f)
	args := cursorArgs{Cursor: p.Cursor, PageSize: p.PageSize, Limit: p.Limit, Skip: p.Offset}
	rows, next, prev, err := cursorPage(h.s, c, args, set.After, set.Before, data.GridRef.ID)
	if err != nil {
		return err
	}
	out := janaapi.PaginatedEdgarGridCellList{Next: next, Previous: prev, Results: make([]janaapi.EdgarGridCell, 0, len(rows))}
	for _, r := range rows {
		g := h.d.GridRow(r)
		out.Results = append(out.Results, janaapi.EdgarGridCell{Id: g.ID, Year: g.Year, GasType: g.Gas, Sector: g.Sector,
			Latitude: g.Lat, Longitude: g.Lon, Value: g.ValueTons, Unit: "t"})
	}
	return writeJSON(c, http.StatusOK, out)
}
