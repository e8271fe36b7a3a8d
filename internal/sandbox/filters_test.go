package sandbox

import (
	"fmt"
	"slices"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// London-ish box, longitude first.
var londonBox = data.BBox{MinLon: -0.6, MinLat: 51.2, MaxLon: 0.4, MaxLat: 51.8}

func TestBBoxFilter(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	bbox := "-0.6,51.2,0.4,51.8"

	locs, err := e.client.V1DataSourcesOpenaqLocationsListWithResponse(ctx(t), &janaapi.V1DataSourcesOpenaqLocationsListParams{Bbox: &bbox, PageSize: new(1000)})
	if err != nil || locs.JSON200 == nil {
		t.Fatalf("%v %s", err, locs.Body)
	}
	if len(locs.JSON200.Results) < 3 {
		t.Fatalf("only %d stations in London", len(locs.JSON200.Results))
	}
	for _, l := range locs.JSON200.Results {
		if !londonBox.Contains(l.Longitude, l.Latitude) {
			t.Errorf("station %d at %v,%v outside the box", l.Id, l.Longitude, l.Latitude)
		}
	}
	// Nothing inside the box was left out.
	want := len(e.sb.Dataset().FilterLocations(data.LocationFilter{Spatial: data.Spatial{Box: &londonBox}}))
	if want != len(locs.JSON200.Results) {
		t.Errorf("%d stations returned, %d in the box", len(locs.JSON200.Results), want)
	}

	ms, err := e.client.V1DataSourcesOpenaqMeasurementsListWithResponse(ctx(t), &janaapi.V1DataSourcesOpenaqMeasurementsListParams{Bbox: &bbox, PageSize: new(500)})
	if err != nil || ms.JSON200 == nil {
		t.Fatalf("%v %s", err, ms.Body)
	}
	for _, m := range ms.JSON200.Results {
		if !londonBox.Contains(*m.Longitude, *m.Latitude) {
			t.Errorf("measurement %d outside the box", m.Id)
		}
	}

	assets, err := e.client.V1DataSourcesClimatetraceAssetsListWithResponse(ctx(t), &janaapi.V1DataSourcesClimatetraceAssetsListParams{Bbox: &bbox, PageSize: new(1000)})
	if err != nil || assets.JSON200 == nil {
		t.Fatalf("%v %s", err, assets.Body)
	}
	if len(assets.JSON200.Results) < 10 {
		t.Errorf("only %d assets in London", len(assets.JSON200.Results))
	}
	for _, a := range assets.JSON200.Results {
		if !londonBox.Contains(a.Lon, a.Lat) {
			t.Errorf("asset %d outside the box", a.Id)
		}
	}

	uni, err := e.client.V1EsgLocationsRetrieveWithResponse(ctx(t), &janaapi.V1EsgLocationsRetrieveParams{
		LocationBbox: &[]float64{-0.6, 51.2, 0.4, 51.8}, Limit: new(10000)})
	if err != nil || uni.JSON200 == nil {
		t.Fatalf("%v %s", err, uni.Body)
	}
	if uni.JSON200.Count != len(locs.JSON200.Results)+len(assets.JSON200.Results) {
		t.Errorf("unified count %d, want %d stations + %d assets", uni.JSON200.Count, len(locs.JSON200.Results), len(assets.JSON200.Results))
	}
	for _, l := range uni.JSON200.Locations {
		if !londonBox.Contains(l.Coordinates[0], l.Coordinates[1]) {
			t.Errorf("%s outside the box", l.Id)
		}
	}
}

func TestPointRadiusFilter(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	// Delhi, 15 km.
	lon, lat, radius := 77.209, 28.6139, 15.0
	locs, err := e.client.V1DataSourcesOpenaqLocationsListWithResponse(ctx(t), &janaapi.V1DataSourcesOpenaqLocationsListParams{
		Coordinates: new("77.209,28.6139"), Radius: &radius, PageSize: new(1000)})
	if err != nil || locs.JSON200 == nil {
		t.Fatalf("%v %s", err, locs.Body)
	}
	if locs.JSON200.Count == 0 {
		t.Fatal("no station within 15 km of Delhi")
	}
	for _, l := range locs.JSON200.Results {
		if d := data.HaversineKm(lon, lat, l.Longitude, l.Latitude); d > radius {
			t.Errorf("station %d is %.1f km away", l.Id, d)
		}
	}
	uni, err := e.client.V1EsgLocationsRetrieveWithResponse(ctx(t), &janaapi.V1EsgLocationsRetrieveParams{
		LocationPoint: &[]float64{lon, lat}, RadiusKm: &radius, Limit: new(10000)})
	if err != nil || uni.JSON200 == nil {
		t.Fatalf("%v %s", err, uni.Body)
	}
	last := -1.0
	for _, l := range uni.JSON200.Locations {
		if l.DistanceKm == nil || *l.DistanceKm > radius || *l.DistanceKm < last {
			t.Fatalf("%s distance %v (previous %v): not within %v km nearest first", l.Id, l.DistanceKm, last, radius)
		}
		last = *l.DistanceKm
	}
	grid, err := e.client.V1DataSourcesEdgarGridEmissionsListWithResponse(ctx(t), &janaapi.V1DataSourcesEdgarGridEmissionsListParams{
		Coordinates: new("77.209,28.6139"), Radius: new(20.0), PageSize: new(1000)})
	if err != nil || grid.JSON200 == nil {
		t.Fatalf("%v %s", err, grid.Body)
	}
	for _, g := range grid.JSON200.Results {
		if d := data.HaversineKm(lon, lat, g.Longitude, g.Latitude); d > 20 {
			t.Errorf("cell %d is %.1f km away", g.Id, d)
		}
	}
}

func TestCountryAndDateFilters(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	ms, err := e.client.V1DataSourcesOpenaqMeasurementsListWithResponse(ctx(t), &janaapi.V1DataSourcesOpenaqMeasurementsListParams{
		LocationCountryIso2: &[]string{"de", "FR"}, DateFrom: &from, DateTo: &to, ParameterName: &[]string{"pm25", "no2"}, PageSize: new(1000)})
	if err != nil || ms.JSON200 == nil {
		t.Fatalf("%v %s", err, ms.Body)
	}
	if ms.JSON200.Count == 0 || ms.JSON200.Count > 1000 {
		t.Fatalf("count %d: want one non-empty page", ms.JSON200.Count)
	}
	for _, m := range ms.JSON200.Results {
		if (*m.CountryCode != "DE" && *m.CountryCode != "FR") || m.MeasuredAt.Before(from) || m.MeasuredAt.After(to) ||
			(m.ParameterName != "pm25" && m.ParameterName != "no2") {
			t.Errorf("measurement %+v outside the filters", m)
		}
	}
	// Default ordering is newest first.
	if !slices.IsSortedFunc(ms.JSON200.Results, func(a, b janaapi.OpenAQMeasurement) int { return b.MeasuredAt.Compare(a.MeasuredAt) }) {
		t.Error("measurements not newest first")
	}

	df := janaapi.V1DataSourcesClimatetraceEmissionsListParams{CountryCode: &[]string{"JPN"},
		DateFrom: new(dateOf(2024, 2, 1)), DateTo: new(dateOf(2024, 4, 1)), PageSize: new(1000)}
	em, err := e.client.V1DataSourcesClimatetraceEmissionsListWithResponse(ctx(t), &df)
	if err != nil || em.JSON200 == nil {
		t.Fatalf("%v %s", err, em.Body)
	}
	if len(em.JSON200.Results) == 0 {
		t.Fatal("no Japanese emissions in Feb-Apr 2024")
	}
	for _, r := range em.JSON200.Results {
		if *r.CountryCode != "JPN" || r.StartTime.Before(df.DateFrom.Time) || r.StartTime.After(df.DateTo.Time) {
			t.Errorf("emission %+v outside the filters", r)
		}
	}

	uni, err := e.client.V1EsgDataRetrieveWithResponse(ctx(t), &janaapi.V1EsgDataRetrieveParams{
		CountryCodes: &[]string{"GBR"}, DateFrom: &from, DateTo: &to, Limit: new(500)})
	if err != nil || uni.JSON200 == nil {
		t.Fatalf("%v %s", err, uni.Body)
	}
	aq := *uni.JSON200.Data.AirQuality
	if len(aq) == 0 {
		t.Fatal("no UK air quality in the window")
	}
	for _, r := range aq {
		if *r.CountryCode != "GBR" || r.Timestamp.Before(from) || r.Timestamp.After(to) {
			t.Errorf("record %+v outside the filters", r)
		}
	}
	for _, r := range *uni.JSON200.Data.Emissions {
		if *r.CountryCode != "GBR" {
			t.Errorf("emission %+v outside the country", r)
		}
	}
	if len(uni.JSON200.Attribution) != 3 {
		t.Errorf("attribution %v: want one per source", uni.JSON200.Attribution)
	}
}

func TestUnifiedDataPaging(t *testing.T) {
	t.Parallel()
	e := sharedEnv(t)
	params := janaapi.V1EsgDataRetrieveParams{CountryCodes: &[]string{"NOR"}, Sources: &[]janaapi.V1EsgDataRetrieveParamsSources{"openaq"},
		TemporalResolution: new(janaapi.V1EsgDataRetrieveParamsTemporalResolutionMonthly), Limit: new(40)}
	seen := map[string]bool{}
	total := 0
	for {
		resp, err := e.client.V1EsgDataRetrieveWithResponse(ctx(t), &params)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("%v %s", err, resp.Body)
		}
		md := resp.JSON200.Metadata
		total = md.TotalRecords
		for _, r := range *resp.JSON200.Data.AirQuality {
			key := fmt.Sprint(r.LocationId, r.Parameter, r.Unit, r.Timestamp)
			if seen[key] {
				t.Fatalf("record %v twice", key)
			}
			seen[key] = true
		}
		if md.ReturnedRecords != len(*resp.JSON200.Data.AirQuality) {
			t.Errorf("returned_records %d for %d records", md.ReturnedRecords, len(*resp.JSON200.Data.AirQuality))
		}
		if !*md.HasMore {
			if md.NextOffset != nil {
				t.Error("next_offset without has_more")
			}
			break
		}
		params.Offset = md.NextOffset
	}
	if total == 0 || len(seen) != total {
		t.Errorf("total_records %d, distinct %d", total, len(seen))
	}
}

func dateOf(y int, m time.Month, d int) openapiDate {
	return openapiDate{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

type openapiDate = openapi_types.Date
