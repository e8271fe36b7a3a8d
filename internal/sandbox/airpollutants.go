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

// EDGAR fast track, temporal profiles and air pollutants.

// edgarFastTrackFrom is the first year of EDGAR's fast-track table.
const edgarFastTrackFrom = 2022

// V1DataSourcesEdgarFasttrackList pages the fast-track national totals: the country-totals
// rows of the latest years, with the release they come from.
func (h *server) V1DataSourcesEdgarFasttrackList(c echo.Context, p janaapi.V1DataSourcesEdgarFasttrackListParams) error {
	countries := upper(firstOf(p.CountryIso3, p.CountryCode))
	gas, sector := -1, -1
	if p.Gas != nil {
		gas = slices.Index(data.EdgarGases, strings.ToUpper(string(*p.Gas)))
	}
	if p.Sector != nil {
		if sector = h.d.EdgarSectorIndex(strings.ToUpper(*p.Sector)); sector < 0 {
			sector = len(h.d.EdgarSectors) // matches nothing
		}
	}
	var rows []int
	for i := range h.d.EdgarRows {
		r := &h.d.EdgarRows[i]
		switch {
		case r.Year < edgarFastTrackFrom,
			gas >= 0 && r.Gas != gas,
			sector >= 0 && r.Sector != sector,
			p.Year != nil && r.Year != *p.Year,
			p.Provisional != nil && r.Provisional != *p.Provisional,
			len(countries) > 0 && !slices.Contains(countries, h.d.Countries[r.Country].ISO3):
			continue
		}
		rows = append(rows, i)
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(rows))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedEdgarFastTrackList{Count: len(rows), Next: w.next, Previous: w.prev, Results: []janaapi.EdgarFastTrack{}}
	for _, i := range pageOf(rows, w) {
		r := &h.d.EdgarRows[i]
		ct := h.d.Countries[r.Country]
		out.Results = append(out.Results, janaapi.EdgarFastTrack{Id: r.ID, CountryCode: ct.ISO3, CountryName: new(ct.Name),
			Year: r.Year, GasType: data.EdgarGases[r.Gas], Sector: h.d.EdgarSectors[r.Sector].Code, Value: r.Value, Unit: "kt",
			Provisional: r.Provisional, Release: "EDGAR 2025 GHG fast track"})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesEdgarTemporalProfilesList pages the temporal profiles.
func (h *server) V1DataSourcesEdgarTemporalProfilesList(c echo.Context, p janaapi.V1DataSourcesEdgarTemporalProfilesListParams) error {
	var rows []data.TemporalProfile
	for _, tp := range h.d.TemporalProfiles() {
		switch {
		case p.Sector != nil && !strings.EqualFold(*p.Sector, tp.Sector),
			p.TemporalLevel != nil && string(*p.TemporalLevel) != tp.Level,
			p.Month != nil && (tp.Month == nil || *tp.Month != *p.Month),
			p.Hour != nil && (tp.Hour == nil || *tp.Hour != *p.Hour):
			continue
		}
		rows = append(rows, tp)
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(rows))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedEdgarTemporalProfileList{Count: len(rows), Next: w.next, Previous: w.prev,
		Results: []janaapi.EdgarTemporalProfile{}}
	for _, tp := range pageOf(rows, w) {
		out.Results = append(out.Results, janaapi.EdgarTemporalProfile{Id: tp.ID, Sector: tp.Sector, TemporalLevel: tp.Level,
			Month: tp.Month, Weekday: tp.Weekday, Hour: tp.Hour, Factor: tp.Factor})
	}
	return writeJSON(c, http.StatusOK, out)
}

// ranked pages rows that an ordering other than id has put in order: a row's position in the
// ordered list plays the part of its id in the cursor.
func ranked[T any](rows []T) (after, before func(int64, int) ([]int, bool), id func(int) int64) {
	after = func(pos int64, n int) ([]int, bool) {
		lo := min(int(pos), len(rows))
		hi := min(lo+n, len(rows))
		out := make([]int, 0, hi-lo)
		for i := lo; i < hi; i++ {
			out = append(out, i)
		}
		return out, hi < len(rows)
	}
	before = func(pos int64, n int) ([]int, bool) {
		hi := min(max(int(pos)-1, 0), len(rows))
		lo := max(0, hi-n)
		out := make([]int, 0, hi-lo)
		for i := lo; i < hi; i++ {
			out = append(out, i)
		}
		return out, lo > 0
	}
	return after, before, func(i int) int64 { return int64(i + 1) }
}

// orderedBy sorts rows by a DRF ordering ("field" or "-field") with the given comparisons;
// ties keep id order.
func orderedBy[T any](rows []T, ordering string, fields map[string]func(a, b T) int) {
	field, desc := strings.CutPrefix(ordering, "-")
	f := fields[field]
	if f == nil {
		return
	}
	slices.SortStableFunc(rows, func(a, b T) int {
		if desc {
			return f(b, a)
		}
		return f(a, b)
	})
}

type apRow struct {
	ref   data.APRef
	value float64
}

// V1DataSourcesEdgarAirPollutantTotalsList pages national air-pollutant totals (cursor).
func (h *server) V1DataSourcesEdgarAirPollutantTotalsList(c echo.Context, p janaapi.V1DataSourcesEdgarAirPollutantTotalsListParams) error {
	f := data.APFilter{Year: p.Year, Gas: -1, Sector: -1}
	countries := upper(firstOf(p.CountryIso3, p.CountryCode))
	for _, iso3 := range countries {
		if ci, ok := h.d.CountryIndex(iso3); ok {
			f.Countries = append(f.Countries, ci)
		}
	}
	none := len(countries) > 0 && len(f.Countries) == 0
	if p.Gas != nil {
		f.Gas = data.AirPollutantIndex(string(*p.Gas))
	}
	if p.Sector != nil {
		if f.Sector = h.d.EdgarSectorIndex(strings.ToUpper(*p.Sector)); f.Sector < 0 {
			none = true
		}
	}
	if p.Year != nil && (*p.Year < data.APFirstYear || *p.Year > data.APLastYear) {
		none = true
	}
	args := cursorArgs{Cursor: p.Cursor, PageSize: p.PageSize, Limit: p.Limit, Skip: p.Offset}
	body := func(set data.APSet, r data.APRef, v float64) janaapi.EdgarAirPollutantTotal {
		ct := h.d.Countries[set.Country(r)]
		return janaapi.EdgarAirPollutantTotal{Id: int(r.ID()), CountryCode: ct.ISO3, CountryName: new(ct.Name),
			Year: data.APFirstYear + r.Year, Gas: data.AirPollutants[r.Gas], Sector: h.d.EdgarSectors[r.Sector].Code,
			Value: v, Unit: "kt", IngestedAt: data.APIngested}
	}
	out := janaapi.PaginatedEdgarAirPollutantTotalList{Results: []janaapi.EdgarAirPollutantTotal{}}
	if none {
		return writeJSON(c, http.StatusOK, out)
	}
	set := h.d.AirPollutants(f)
	// Every row was ingested at once, so ingested_at orders like the id.
	if p.Ordering == nil || *p.Ordering == janaapi.V1DataSourcesEdgarAirPollutantTotalsListParamsOrderingIngestedAt {
		rows, next, prev, err := cursorPage(h.s, c, args, set.After, set.Before, data.APRef.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			out.Results = append(out.Results, body(set, r, set.Value(r)))
		}
		out.Next, out.Previous = next, prev
		return writeJSON(c, http.StatusOK, out)
	}
	all := set.All()
	rows := make([]apRow, len(all))
	for i, r := range all {
		rows[i] = apRow{r, set.Value(r)}
	}
	iso := func(r apRow) string { return h.d.Countries[set.Country(r.ref)].ISO3 }
	orderedBy(rows, string(*p.Ordering), map[string]func(a, b apRow) int{
		"country_code": func(a, b apRow) int { return strings.Compare(iso(a), iso(b)) },
		"year":         func(a, b apRow) int { return cmp.Compare(a.ref.Year, b.ref.Year) },
		"gas": func(a, b apRow) int {
			return strings.Compare(data.AirPollutants[a.ref.Gas], data.AirPollutants[b.ref.Gas])
		},
		"sector": func(a, b apRow) int {
			return strings.Compare(h.d.EdgarSectors[a.ref.Sector].Code, h.d.EdgarSectors[b.ref.Sector].Code)
		},
		"value":       func(a, b apRow) int { return cmp.Compare(a.value, b.value) },
		"ingested_at": func(a, b apRow) int { return cmp.Compare(a.ref.ID(), b.ref.ID()) },
	})
	after, before, id := ranked(rows)
	idx, next, prev, err := cursorPage(h.s, c, args, after, before, id)
	if err != nil {
		return err
	}
	for _, i := range idx {
		out.Results = append(out.Results, body(set, rows[i].ref, rows[i].value))
	}
	out.Next, out.Previous = next, prev
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesEdgarAirPollutantGridList pages gridded air pollutants (cursor). As the
// SDK documents, without any filter the answer is empty rather than the whole grid.
func (h *server) V1DataSourcesEdgarAirPollutantGridList(c echo.Context, p janaapi.V1DataSourcesEdgarAirPollutantGridListParams) error {
	out := janaapi.PaginatedEdgarAirPollutantGridCellList{Results: []janaapi.EdgarAirPollutantGridCell{}}
	sp, err := sourceSpatial(p.Bbox, p.Coordinates, p.Radius)
	if err != nil {
		return err
	}
	yFrom, yTo, err := yearRange(p.StartDate, p.EndDate)
	if err != nil {
		return err
	}
	if p.Year == nil && p.Gas == nil && p.Sector == nil && sp.Empty() && p.StartDate == nil && p.EndDate == nil {
		return writeJSON(c, http.StatusOK, out)
	}
	f := data.APGridFilter{Spatial: sp, Gas: -1}
	for _, y := range data.APGridYears {
		if y >= yFrom && y <= yTo && (p.Year == nil || *p.Year == y) {
			f.Years = append(f.Years, y)
		}
	}
	if len(f.Years) == 0 {
		f.Years = []int{-1} // no year of the grid matches
	}
	if p.Gas != nil {
		f.Gas = data.AirPollutantIndex(string(*p.Gas))
	}
	if p.Sector != nil {
		f.Sectors = []string{strings.ToUpper(*p.Sector)}
	}
	set := h.d.APGrid(f)
	args := cursorArgs{Cursor: p.Cursor, PageSize: p.PageSize, Limit: p.Limit, Skip: p.Offset}
	body := func(g data.APGridRow) janaapi.EdgarAirPollutantGridCell {
		return janaapi.EdgarAirPollutantGridCell{Id: int(g.ID), Year: g.Year, Gas: g.Gas, Sector: g.Sector, Latitude: g.Lat,
			Longitude: g.Lon, Value: g.Tonnes, Unit: "t", IngestedAt: data.APIngested}
	}
	if p.Ordering == nil || *p.Ordering == janaapi.V1DataSourcesEdgarAirPollutantGridListParamsOrderingIngestedAt {
		rows, next, prev, err := cursorPage(h.s, c, args, set.After, set.Before, data.APGridRef.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			out.Results = append(out.Results, body(h.d.APGridRow(r)))
		}
		out.Next, out.Previous = next, prev
		return writeJSON(c, http.StatusOK, out)
	}
	all := set.All()
	rows := make([]data.APGridRow, len(all))
	for i, r := range all {
		rows[i] = h.d.APGridRow(r)
	}
	orderedBy(rows, string(*p.Ordering), map[string]func(a, b data.APGridRow) int{
		"year":        func(a, b data.APGridRow) int { return cmp.Compare(a.Year, b.Year) },
		"gas":         func(a, b data.APGridRow) int { return strings.Compare(a.Gas, b.Gas) },
		"sector":      func(a, b data.APGridRow) int { return strings.Compare(a.Sector, b.Sector) },
		"value":       func(a, b data.APGridRow) int { return cmp.Compare(a.Tonnes, b.Tonnes) },
		"latitude":    func(a, b data.APGridRow) int { return cmp.Compare(a.Lat, b.Lat) },
		"longitude":   func(a, b data.APGridRow) int { return cmp.Compare(a.Lon, b.Lon) },
		"ingested_at": func(a, b data.APGridRow) int { return cmp.Compare(a.ID, b.ID) },
	})
	after, before, id := ranked(rows)
	idx, next, prev, err := cursorPage(h.s, c, args, after, before, id)
	if err != nil {
		return err
	}
	for _, i := range idx {
		out.Results = append(out.Results, body(rows[i]))
	}
	out.Next, out.Previous = next, prev
	return writeJSON(c, http.StatusOK, out)
}
