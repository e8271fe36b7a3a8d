package tools

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
)

// StormTypes are the NOAA event types the storm tool names.
var StormTypes = []string{"Tornado", "Hail", "Thunderstorm Wind", "Flash Flood", "Flood", "Winter Storm", "Hurricane",
	"Excessive Heat", "Wildfire", "Drought"}

type stormsIn struct {
	LocationPoint []float64 `json:"location_point,omitempty" jsonschema:"Centre point [lon, lat], longitude first (Houston is [-95.37, 29.76]). Use with radius_km."`
	RadiusKm      float64   `json:"radius_km,omitempty" jsonschema:"Radius around location_point in kilometres, 0.1-500; required with location_point."`
	LocationBbox  []float64 `json:"location_bbox,omitempty" jsonschema:"Bounding box [min_lon, min_lat, max_lon, max_lat], longitude first as in every tool."`
	State         string    `json:"state,omitempty" jsonschema:"US state name, e.g. Texas."`
	EventType     string    `json:"event_type,omitempty" jsonschema:"NOAA event type."`
	Year          int       `json:"year,omitempty" jsonschema:"Year, 2015-2024."`
	Month         int       `json:"month,omitempty" jsonschema:"Month, 1-12."`
	toolkit.Paging
}

type stormEvent struct {
	EventID      int      `json:"event_id"`
	EventType    string   `json:"event_type"`
	State        string   `json:"state"`
	Place        string   `json:"place"`
	Begin        string   `json:"begin"`
	End          string   `json:"end"`
	Lon          float64  `json:"lon"`
	Lat          float64  `json:"lat"`
	Deaths       int      `json:"deaths"`
	Injuries     int      `json:"injuries"`
	DamageUSD    float64  `json:"damage_property_usd"`
	CropDamage   float64  `json:"damage_crops_usd"`
	Magnitude    *float64 `json:"magnitude,omitempty"`
	TornadoScale string   `json:"tornado_scale,omitempty"`
}

func stormEvents(env *toolkit.Env) toolkit.Tool {
	def := &mcp.Tool{
		Name:  "storm_events",
		Title: "Severe weather events in the US (NOAA)",
		Description: "NOAA Storm Events (United States, 2015-2024) near a place or in a state, via Jana: tornadoes, hail, thunderstorm wind, " +
			"floods, winter storms, hurricanes, heat, wildfires and droughts, with time, place, deaths, injuries and damage in USD. Use it for " +
			"\"which storms hit Houston in 2019?\". Narrow with location_point + radius_km or location_bbox (longitude first), state, " +
			"event_type, year and month. Oldest first; pass next_cursor as cursor for more.",
		OutputSchema: toolkit.Output(
			toolkit.Rows[stormEvent]("events", "The events, oldest first."),
			toolkit.Field[int]("total_matching", "Events matching in all."),
			toolkit.Field[int]("page", "The page shown."),
			toolkit.Field[map[string]any]("page_summary", "On this page: events by type, deaths, injuries, damage in USD."),
		),
		InputSchema: toolkit.Schema[stormsIn](func(p map[string]*jsonschema.Schema) {
			toolkit.Constrain(p)
			toolkit.Enum(p["event_type"], StormTypes...)
			p["year"].Minimum, p["year"].Maximum = new(2015.0), new(2024.0)
			p["month"].Minimum, p["month"].Maximum = new(1.0), new(12.0)
			p["state"].MaxLength = new(30)
		}),
	}
	return toolkit.New(env, def, func(ctx context.Context, in stormsIn) (*toolkit.Page, error) {
		return stormsCall(ctx, env, in)
	})
}

func stormsCall(ctx context.Context, env *toolkit.Env, in stormsIn) (*toolkit.Page, error) {
	where, err := toolkit.Place{LocationBbox: in.LocationBbox, LocationPoint: in.LocationPoint, RadiusKm: in.RadiusKm}.Resolve(false)
	if err != nil {
		return nil, err
	}
	size, err := in.PageSize()
	if err != nil {
		return nil, err
	}
	query := in
	query.Cursor = ""
	cur, err := toolkit.DecodeCursor(in.Cursor, query)
	if err != nil {
		return nil, err
	}
	page, pos, _, err := cur.PositionInt("noaa", 1)
	if err != nil {
		return nil, err
	}
	params := &janaapi.V1DataSourcesNoaaStormEventsEventsListParams{Page: &page, PageSize: &size}
	if where.Point != nil {
		// NOAA's own filter takes lat and lon apart.
		params.Lat, params.Lon, params.RadiusKm = &where.Point.Lat, &where.Point.Lon, where.RadiusParam()
	}
	if b := where.BBox; b != nil {
		// NOAA's bbox is latitude first, unlike every other bbox of Jana's.
		s := strings.Join([]string{coord(b.MinLat), coord(b.MinLon), coord(b.MaxLat), coord(b.MaxLon)}, ",")
		params.Bbox = &s
	}
	var state, eventType []string
	if st := strings.TrimSpace(in.State); st != "" {
		st = strings.ToUpper(st)
		params.State, state = &st, []string{st}
	}
	if et := strings.TrimSpace(in.EventType); et != "" {
		params.EventType, eventType = &et, []string{et}
	}
	if in.Year != 0 {
		params.Year = &in.Year
	}
	if in.Month != 0 {
		params.Month = &in.Month
	}
	resp, err := env.Jana.API().V1DataSourcesNoaaStormEventsEventsList(ctx, params)
	list, err := jana.Decode[janaapi.PaginatedNoaaStormEventList]("v1_data_sources_noaa_storm_events_events_list", resp, err)
	if err != nil {
		return nil, err
	}
	t := &toolkit.Table{Name: "events", Columns: []string{"event_id", "event_type", "state", "place", "begin", "end", "lon", "lat",
		"deaths", "injuries", "damage_property_usd", "damage_crops_usd", "magnitude", "tornado_scale"}, Total: list.Count}
	byType := map[string]int{}
	var deaths, injuries int
	var damage float64
	stateCheck, typeCheck := toolkit.CheckFilter("state", state), toolkit.CheckFilter("event_type", eventType)
	next := ""
	if list.Next != nil {
		next = strconv.Itoa(page + 1)
	}
	t.Pages("noaa", pos, next)
	for i, e := range list.Results {
		if i < pos.Skip || !stateCheck.Keep(e.State) || !typeCheck.Keep(e.EventType) {
			continue
		}
		ev := stormEvent{EventID: e.Id, EventType: e.EventType, State: e.State, Place: e.CzName, Begin: e.BeginDateTime.UTC().Format(time.RFC3339),
			End: e.EndDateTime.UTC().Format(time.RFC3339), Lon: e.BeginLon, Lat: e.BeginLat, Deaths: e.DeathsDirect + e.DeathsIndirect,
			Injuries: e.InjuriesDirect + e.InjuriesIndirect, DamageUSD: e.DamagePropertyUsd, CropDamage: e.DamageCropsUsd,
			Magnitude: e.Magnitude, TornadoScale: toolkit.Value(e.TorFScale)}
		t.AddAt(i, ev, strconv.Itoa(ev.EventID), ev.EventType, ev.State, ev.Place, ev.Begin, ev.End, toolkit.Num(ev.Lon), toolkit.Num(ev.Lat),
			strconv.Itoa(ev.Deaths), strconv.Itoa(ev.Injuries), toolkit.Num(ev.DamageUSD), toolkit.Num(ev.CropDamage), toolkit.NumPtr(ev.Magnitude),
			ev.TornadoScale)
		byType[ev.EventType]++
		deaths, injuries, damage = deaths+ev.Deaths, injuries+ev.Injuries, damage+ev.DamageUSD+ev.CropDamage
	}
	var types []string
	for k := range byType {
		types = append(types, k)
	}
	sort.Strings(types)
	var parts []string
	for _, k := range types {
		parts = append(parts, fmt.Sprintf("%s %d", k, byType[k]))
	}
	var scope []string
	if where.BBox != nil || where.Point != nil {
		scope = append(scope, where.Describe())
	}
	if len(state) > 0 {
		scope = append(scope, "in "+state[0])
	}
	if len(scope) == 0 {
		scope = append(scope, "in the United States")
	}
	where2 := strings.Join(scope, " and ")
	p := &toolkit.Page{
		Title: fmt.Sprintf("NOAA storm events %s: %d on this page (%d matching in all), oldest first.", where2, len(t.Rows), list.Count),
		Fields: map[string]any{"total_matching": list.Count, "page": page,
			"page_summary": map[string]any{"by_type": byType, "deaths": deaths, "injuries": injuries, "damage_usd": damage}},
		Tables:  []*toolkit.Table{t},
		Sources: []toolkit.Source{toolkit.NOAA},
	}
	p.NoteFilters(stateCheck, typeCheck)
	if len(parts) > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("On this page: %s; %d deaths, %d injuries, %s USD of damage.", strings.Join(parts, ", "),
			deaths, injuries, toolkit.Num(damage)))
	}
	if list.Count == 0 {
		p.Notes = append(p.Notes, "No events match. NOAA covers the United States only; widen the radius or the dates, or check the state's spelling.")
	}
	p.Query = query
	return p, nil
}

func coord(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
