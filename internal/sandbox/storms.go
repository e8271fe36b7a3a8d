package sandbox

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// stormRadiusKm applies when lat and lon come without radius_km.
const stormRadiusKm = 25

// V1DataSourcesNoaaStormEventsEventsList pages storm events in time order. Its bbox is
// latitude first ('min_lat,min_lon,max_lat,max_lon'), unlike every other bbox of the API, as
// Jana's SDK documents it; lat, lon and radius_km select a circle.
func (h *server) V1DataSourcesNoaaStormEventsEventsList(c echo.Context, p janaapi.V1DataSourcesNoaaStormEventsEventsListParams) error {
	var sp data.Spatial
	if p.Bbox != nil {
		v, ok := parseFloats(*p.Bbox, 4)
		if !ok {
			return fieldError(h.s.spec.served("bbox"), "Expected 'min_lat,min_lon,max_lat,max_lon': four comma-separated numbers, latitude first.")
		}
		b := &data.BBox{MinLat: v[0], MinLon: v[1], MaxLat: v[2], MaxLon: v[3]}
		switch {
		case !validLonLat(b.MinLon, b.MinLat) || !validLonLat(b.MaxLon, b.MaxLat):
			return fieldError(h.s.spec.served("bbox"), "Latitude must be between -90 and 90 and longitude between -180 and 180 (latitude first).")
		case b.MinLat > b.MaxLat || b.MinLon > b.MaxLon:
			return fieldError(h.s.spec.served("bbox"), "min_lat must not exceed max_lat and min_lon must not exceed max_lon (order: min_lat, min_lon, max_lat, max_lon).")
		}
		sp.Box = b
	}
	switch {
	case (p.Lat == nil) != (p.Lon == nil):
		return badRequest("lat and lon must be given together.")
	case p.Lat != nil:
		r := float64(stormRadiusKm)
		if p.RadiusKm != nil {
			r = *p.RadiusKm
		}
		sp.Circle = &data.Circle{Lon: *p.Lon, Lat: *p.Lat, RadiusKm: r}
	case p.RadiusKm != nil:
		return fieldError(h.s.spec.served("radius_km"), "radius_km requires lat and lon.")
	}
	var idx []int
	for i := range h.d.Storms {
		e := &h.d.Storms[i]
		switch {
		case p.EventType != nil && !strings.EqualFold(*p.EventType, e.Type),
			p.State != nil && !strings.EqualFold(*p.State, e.StateName()),
			p.Year != nil && e.Begin.Year() != *p.Year,
			p.Month != nil && int(e.Begin.Month()) != *p.Month,
			!sp.Match(e.BeginLon, e.BeginLat):
			continue
		}
		idx = append(idx, i)
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(idx))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedNoaaStormEventList{Count: len(idx), Next: w.next, Previous: w.prev, Results: []janaapi.NoaaStormEvent{}}
	for _, i := range pageOf(idx, w) {
		e := &h.d.Storms[i]
		out.Results = append(out.Results, janaapi.NoaaStormEvent{Id: e.ID, EpisodeId: e.Episode, EventType: e.Type,
			State: e.StateName(), StateFips: e.StateFIPS(), Year: e.Begin.Year(), Month: int(e.Begin.Month()),
			CzName: e.CZName, CzType: e.CZType, BeginDateTime: e.Begin, EndDateTime: e.End, BeginLat: e.BeginLat,
			BeginLon: e.BeginLon, EndLat: e.EndLat, EndLon: e.EndLon, InjuriesDirect: e.InjuriesDirect,
			InjuriesIndirect: e.InjuriesIn, DeathsDirect: e.DeathsDirect, DeathsIndirect: e.DeathsIn,
			DamagePropertyUsd: e.DamageProperty, DamageCropsUsd: e.DamageCrop, Magnitude: e.Magnitude,
			MagnitudeType: e.MagnitudeType, TorFScale: e.TorScale, Source: e.Source})
	}
	return writeJSON(c, http.StatusOK, out)
}
