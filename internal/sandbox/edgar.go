package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// V1DataSourcesEdgarCountryTotalsList pages yearly national totals (limit/offset pagination).
func (h *server) V1DataSourcesEdgarCountryTotalsList(c echo.Context, p janaapi.V1DataSourcesEdgarCountryTotalsListParams) error {
	if p.YearFrom != nil && p.YearTo != nil && *p.YearTo < *p.YearFrom {
		return fieldError(h.s.spec.served("year_to"), "year_to must not be before year_from.")
	}
	countries := upper(p.CountryCode)
	gas, sector := -1, -1
	if p.Gas != nil {
		gas = slices.Index(data.EdgarGases, string(*p.Gas))
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
			p.YearFrom != nil && r.Year < *p.YearFrom,
			p.YearTo != nil && r.Year > *p.YearTo,
			len(countries) > 0 && !slices.Contains(countries, h.d.Countries[r.Country].ISO3):
			continue
		}
		rows = append(rows, i)
	}
	if p.Ordering != nil {
		field, desc := strings.CutPrefix(string(*p.Ordering), "-")
		slices.SortStableFunc(rows, func(a, b int) int {
			ra, rb := &h.d.EdgarRows[a], &h.d.EdgarRows[b]
			var c int
			if field == "value" {
				c = cmp.Compare(ra.Value, rb.Value)
			} else {
				c = cmp.Compare(ra.Year, rb.Year)
			}
			if desc {
				c = -c
			}
			return c
		})
	}
	w := h.s.limitOffsetWindow(c, p.Limit, p.Offset, len(rows))
	out := janaapi.PaginatedEdgarCountryTotalList{Count: len(rows), Next: w.next, Previous: w.prev,
		Results: []janaapi.EdgarCountryTotal{}}
	for _, i := range pageOf(rows, w) {
		r := &h.d.EdgarRows[i]
		ct := h.d.Countries[r.Country]
		out.Results = append(out.Results, janaapi.EdgarCountryTotal{Id: r.ID, CountryCode: ct.ISO3,
			CountryName: ptr(ct.Name), Year: r.Year, Gas: data.EdgarGases[r.Gas], Sector: h.d.EdgarSectors[r.Sector].Code,
			Value: r.Value, Unit: "kt", Provisional: ptr(r.Provisional)})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesEdgarGridEmissionsList pages 0.1° grid cells (cursor pagination). Like the
// backend, it refuses to scan the whole grid: at least one filter is required.
func (h *server) V1DataSourcesEdgarGridEmissionsList(c echo.Context, p janaapi.V1DataSourcesEdgarGridEmissionsListParams) error {
	if p.Bbox == nil && p.Coordinates == nil && p.Year == nil && p.Gas == nil && p.Sector == nil {
		names := []string{"year", "gas", "sector", "bbox", "coordinates"}
		for i, n := range names {
			names[i] = h.s.spec.served(n)
		}
		return badRequest("At least one filter is required: " + strings.Join(names, ", ") + ".")
	}
	sp, err := sourceSpatial(p.Bbox, p.Coordinates, p.Radius)
	if err != nil {
		return err
	}
	f := data.GridFilter{Spatial: sp}
	if p.Year != nil {
		f.Years = []int{*p.Year}
	}
	if p.Gas != nil {
		f.Gases = []string{string(*p.Gas)}
	}
	if p.Sector != nil {
		f.Sectors = []string{strings.ToUpper(*p.Sector)}
	}
	set := h.d.Grid(f)
	rows, next, prev, err := cursorPage(h.s, c, p.Cursor, p.PageSize, set.After, set.Before, data.GridRef.ID)
	if err != nil {
		return err
	}
	out := janaapi.PaginatedEdgarGridCellList{Next: next, Previous: prev, Results: make([]janaapi.EdgarGridCell, 0, len(rows))}
	for _, r := range rows {
		g := h.d.GridRow(r)
		out.Results = append(out.Results, janaapi.EdgarGridCell{Id: g.ID, Year: g.Year, Gas: g.Gas, Sector: g.Sector,
			Latitude: g.Lat, Longitude: g.Lon, Value: g.ValueTons, Unit: "t"})
	}
	return writeJSON(c, http.StatusOK, out)
}
