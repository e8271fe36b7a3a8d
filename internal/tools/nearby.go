package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/geo"
	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/toolkit"
	"github.com/janaplatform/jana-mcp/internal/views"
)

type nearbyIn struct {
	LocationPoint []float64 `json:"location_point" jsonschema:"Centre point [lon, lat] in degrees, longitude first (Rotterdam is [4.4777, 51.9244])."`
	RadiusKm      float64   `json:"radius_km" jsonschema:"Search radius in kilometres, 0.1-500."`
	Sources       []string  `json:"sources,omitempty" jsonschema:"openaq (air-quality monitoring stations) and/or climatetrace (emitting facilities)."`
	Limit         int       `json:"limit,omitempty" jsonschema:"Places to return, nearest first, 1-{limit_max} (default {limit_default})."`
}

type nearbyPlace struct {
	DistanceKm float64 `json:"distance_km"`
	Kind       string  `json:"kind"`
	Source     string  `json:"source"`
	ID         int     `json:"id"`
	Name       string  `json:"name"`
	Sector     string  `json:"sector,omitempty"`
	Country    string  `json:"country,omitempty"`
	Lon        float64 `json:"lon"`
	Lat        float64 `json:"lat"`
}

func findNearby(env *toolkit.Env) toolkit.Tool {
	def := &mcp.Tool{
		Name:  "find_nearby",
		Title: "Stations and facilities near a point",
		Description: "Finds OpenAQ air-quality monitoring stations and Climate TRACE emitting facilities (power plants, steel, cement, refineries, ...) " +
			"within radius_km of a point, via Jana, sorted nearest first with distance_km. Use it to discover what is measured or emitted around a place, " +
			"then pass station ids or coordinates to get_air_quality / get_station, or the area to get_emissions. " +
			"location_point is [lon, lat], longitude first; radius_km is 0.1-500. For more places raise limit (max {limit_max}) or shrink the radius.",
		OutputSchema: toolkit.Output(
			toolkit.Rows[nearbyPlace]("places", "Stations and facilities, nearest first."),
			toolkit.Field[int]("total_matching", "Places within the radius in all."),
		),
		InputSchema: toolkit.Schema[nearbyIn](func(p map[string]*jsonschema.Schema) {
			toolkit.Constrain(p)
			toolkit.Enum(p["sources"], srcOpenAQ, srcClimateTRACE)
			p["sources"].Default = json.RawMessage(`["openaq","climatetrace"]`)
		}),
		Meta: viewMeta(env, views.MapURI),
	}
	return toolkit.New(env, def, func(ctx context.Context, in nearbyIn) (*toolkit.Page, error) {
		return nearby(ctx, env, in)
	})
}

func nearby(ctx context.Context, env *toolkit.Env, in nearbyIn) (*toolkit.Page, error) {
	where, err := toolkit.Place{LocationPoint: in.LocationPoint, RadiusKm: in.RadiusKm}.Resolve(false)
	if err != nil {
		return nil, err
	}
	if where.Point == nil {
		return nil, toolkit.Invalid("location_point", "is required: [lon, lat]")
	}
	if in.RadiusKm == 0 {
		return nil, toolkit.Invalid("radius_km", "is required: 0.1-500 km")
	}
	limit, err := toolkit.Paging{Limit: in.Limit}.PageSize()
	if err != nil {
		return nil, err
	}
	sources := []janaapi.V1EsgLocationsRetrieveParamsSources{srcOpenAQ, srcClimateTRACE}
	if len(in.Sources) > 0 {
		sources = nil
		for _, s := range in.Sources {
			s = strings.ToLower(strings.TrimSpace(s))
			if s != srcOpenAQ && s != srcClimateTRACE {
				return nil, toolkit.Invalid("sources", "%q is not one of openaq, climatetrace", s)
			}
			sources = append(sources, janaapi.V1EsgLocationsRetrieveParamsSources(s))
		}
	}

	resp, err := env.Jana.API().V1EsgLocationsRetrieve(ctx, &janaapi.V1EsgLocationsRetrieveParams{
		LocationPoint: where.PointList(),
		RadiusKm:      where.RadiusParam(),
		Sources:       &sources,
		Limit:         &limit,
	})
	out, err := jana.Decode[janaapi.UnifiedLocationsResponse]("v1_esg_locations_retrieve", resp, err)
	if err != nil {
		return nil, err
	}

	places := make([]nearbyPlace, 0, len(out.Locations))
	counts := map[string]int{}
	for _, l := range out.Locations {
		if len(l.Coordinates) != 2 {
			continue
		}
		p := nearbyPlace{
			Kind: string(l.LocationType), Source: l.Source, ID: l.SourceId, Name: l.Name,
			Sector: toolkit.Value(l.Sector), Country: toolkit.Value(l.CountryCode), Lon: l.Coordinates[0], Lat: l.Coordinates[1],
		}
		// Jana's distance is used when given; it is recomputed otherwise so the order holds.
		if l.DistanceKm != nil {
			p.DistanceKm = *l.DistanceKm
		} else {
			p.DistanceKm = geo.DistanceKm(*where.Point, geo.Point{Lon: p.Lon, Lat: p.Lat})
		}
		places = append(places, p)
		counts[p.Source]++
	}
	sort.SliceStable(places, func(i, j int) bool { return places[i].DistanceKm < places[j].DistanceKm })

	t := &toolkit.Table{
		Name:    "places",
		Columns: []string{"distance_km", "kind", "source", "id", "name", "sector", "country", "lon", "lat"},
		Total:   out.Count,
	}
	for _, p := range places {
		t.Add(p, strconv.FormatFloat(p.DistanceKm, 'f', 2, 64), p.Kind, p.Source, strconv.Itoa(p.ID), p.Name, p.Sector, p.Country,
			toolkit.Num(p.Lon), toolkit.Num(p.Lat))
	}
	page := &toolkit.Page{
		Title: fmt.Sprintf("%d OpenAQ stations and %d Climate TRACE facilities %s, nearest first.",
			counts[srcOpenAQ], counts[srcClimateTRACE], where.Describe()),
		Fields: map[string]any{"total_matching": out.Count},
		Tables: []*toolkit.Table{t},
	}
	for _, s := range sources {
		if s == srcOpenAQ {
			page.Sources = append(page.Sources, toolkit.OpenAQ)
		} else {
			page.Sources = append(page.Sources, toolkit.ClimateTRACE)
		}
	}
	if out.Count > len(places) {
		page.Notes = append(page.Notes, fmt.Sprintf("%d places match; the %d nearest are listed. Raise limit or shrink radius_km.", out.Count, len(places)))
	}
	if len(places) == 0 {
		page.Notes = append(page.Notes, "Nothing found. Try a larger radius_km, and check the point is [lon, lat] (longitude first).")
	}
	return page, nil
}
