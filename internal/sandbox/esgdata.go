package sandbox

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// unifiedFilter is the place-and-time part shared by data/ and trends/.
type unifiedFilter struct {
	spatial   data.Spatial
	countries []string // ISO-3
	from, to  *time.Time
	params    []string
}

// parseUnifiedFilter validates the place-and-time arguments data/ and trends/ share: one of bbox,
// point or countries is required, and the dates must be in order.
func (h *server) parseUnifiedFilter(bbox, point *[]float64, radius *float64, countries *[]string, from, to *time.Time, params *[]string) (unifiedFilter, error) {
	if bbox == nil && point == nil && countries == nil {
		return unifiedFilter{}, h.errNoLocation()
	}
	sp, err := unifiedSpatial(bbox, point, radius)
	if err != nil {
		return unifiedFilter{}, err
	}
	if err := checkOrder(from, to, h.s.spec.served("date_to")); err != nil {
		return unifiedFilter{}, err
	}
	return unifiedFilter{spatial: sp, countries: upper(countries), from: from, to: to, params: deref(params)}, nil
}

func (f unifiedFilter) measurementFilter(params []string, minQuality float64) data.MeasurementFilter {
	return data.MeasurementFilter{Locations: data.LocationFilter{Spatial: f.spatial, CountryISO3: f.countries},
		Parameters: params, From: f.from, To: f.to, MinQuality: minQuality}
}

func (f unifiedFilter) emissionFilter(gases []string) data.EmissionFilter {
	return data.EmissionFilter{Assets: data.AssetFilter{Spatial: f.spatial, CountryISO3: f.countries},
		Gases: gases, From: f.from, To: f.to}
}

// years returns the EDGAR years overlapping the time filter, newest first.
func (f unifiedFilter) years(all []int) []int {
	var out []int
	for _, y := range all {
		if f.from != nil && yearStart(y+1).Before(*f.from) || f.to != nil && yearStart(y).After(*f.to) {
			continue
		}
		out = append(out, y)
	}
	slices.Reverse(out)
	return out
}

// V1EsgDataRetrieve is the unified query: each source is paged with the same limit/offset.
func (h *server) V1EsgDataRetrieve(c echo.Context, p janaapi.V1EsgDataRetrieveParams) error {
	start := time.Now()
	f, err := h.parseUnifiedFilter(p.LocationBbox, p.LocationPoint, p.RadiusKm, p.CountryCodes, p.DateFrom, p.DateTo, p.Parameters)
	if err != nil {
		return err
	}
	limit, offset := 100, 0
	if p.Limit != nil {
		limit = *p.Limit
	}
	if p.Offset != nil {
		offset = *p.Offset
	}
	res := data.ResRaw
	if p.TemporalResolution != nil {
		res = resolutionOf(string(*p.TemporalResolution))
	}
	minQuality := 0.0
	if p.QualityThreshold != nil {
		minQuality = float64(*p.QualityThreshold)
	}
	sources := sourcesOf(p.Sources, srcOpenAQ, srcClimateTrace, srcEdgar)
	var total, returned int
	hasMore := false
	var aq []janaapi.AirQualityRecord
	var em []janaapi.EmissionRecord
	quality := janaapi.DataQuality{}
	valid, flagged := 0, 0
	for _, src := range sources {
		var n int
		switch src {
		case srcOpenAQ:
			recs, t := h.unifiedAQ(f, res, minQuality, offset, limit)
			for _, r := range recs {
				if r.Value == data.SentinelValue {
					flagged++
				} else {
					valid++
				}
			}
			aq = append(aq, recs...)
			n = len(recs)
			total += int(t)
			hasMore = hasMore || int64(offset+n) < t
		case srcClimateTrace:
			recs, t := h.unifiedCT(f, offset, limit)
			em = append(em, recs...)
			n = len(recs)
			total += int(t)
			hasMore = hasMore || int64(offset+n) < t
		case srcEdgar:
			recs, t := h.unifiedEdgar(f, offset, limit)
			em = append(em, recs...)
			n = len(recs)
			total += t
			hasMore = hasMore || offset+n < t
		}
		returned += n
	}
	if valid+flagged > 0 {
		quality = janaapi.DataQuality{Completeness: new(round(float64(valid)/float64(valid+flagged), 4)),
			ValidRecords: new(valid), FlaggedRecords: new(flagged)}
	}
	md := janaapi.UnifiedMetadata{TotalRecords: total, ReturnedRecords: returned, SourcesQueried: &sources,
		HasMore: &hasMore}
	if hasMore {
		md.NextOffset = new(offset + limit)
	}
	out := janaapi.UnifiedDataResponse{Query: queryEcho(c, sources), Metadata: md, Quality: &quality,
		Attribution: attributionFor(sources), Data: janaapi.UnifiedData{}}
	if slices.Contains(sources, srcOpenAQ) {
		out.Data.AirQuality = new(nonNil(aq))
	}
	if slices.Contains(sources, srcClimateTrace) || slices.Contains(sources, srcEdgar) {
		out.Data.Emissions = new(nonNil(em))
	}
	out.Metadata.ProcessingTimeMs = round(float64(time.Since(start).Microseconds())/1000, 3)
	return writeJSON(c, http.StatusOK, out)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (h *server) unifiedAQ(f unifiedFilter, res data.Resolution, minQuality float64, offset, limit int) ([]janaapi.AirQualityRecord, int64) {
	params, ok := aqParams(f.params)
	if !ok {
		return nil, 0
	}
	set := h.d.Measurements(f.measurementFilter(params, minQuality))
	recs, total := set.Unified(res, offset, limit)
	out := make([]janaapi.AirQualityRecord, 0, len(recs))
	for _, r := range recs {
		s := &h.d.Sensors[r.Sensor]
		l := &h.d.Locations[s.Location]
		q := s.Quality
		if r.Count > 0 {
			q = round(q*float64(r.Valid)/float64(r.Count), 1)
		}
		v := r.Value
		if r.Count > 1 && v != data.SentinelValue {
			v = round(v, 4)
		}
		out = append(out, janaapi.AirQualityRecord{LocationId: l.ID, LocationName: l.Name, Parameter: s.Parameter,
			Value: v, Unit: s.Unit, Timestamp: r.Start, Coordinates: []float64{l.Lon, l.Lat},
			CountryCode: new(l.CountryISO3), QualityScore: &q, Source: srcOpenAQ})
	}
	return out, total
}

func (h *server) unifiedCT(f unifiedFilter, offset, limit int) ([]janaapi.EmissionRecord, int64) {
	gases, ok := ctGases(f.params)
	if !ok {
		return nil, 0
	}
	set := h.d.Emissions(f.emissionFilter(gases))
	total := set.Count()
	refs := set.PageByTimeDesc(offset, limit)
	out := make([]janaapi.EmissionRecord, 0, len(refs))
	for _, r := range refs {
		e := h.d.Emission(r)
		out = append(out, janaapi.EmissionRecord{AssetId: new(e.Asset.ID), AssetName: e.Asset.Name,
			Sector: e.Sector.Name, Gas: new(e.Gas), Value: e.Quantity, Unit: "tonnes", Timestamp: e.Start,
			Coordinates: &[]float64{e.Asset.Lon, e.Asset.Lat}, CountryCode: new(e.Asset.CountryISO3),
			Source: srcClimateTrace})
	}
	return out, total
}

// unifiedEdgar serves national TOTAL rows for country filters and grid cells for spatial ones.
func (h *server) unifiedEdgar(f unifiedFilter, offset, limit int) ([]janaapi.EmissionRecord, int) {
	gases, ok := edgarGases(f.params)
	if !ok {
		return nil, 0
	}
	var out []janaapi.EmissionRecord
	if f.spatial.Empty() {
		type row struct{ country, year, gas int }
		var rows []row
		years := f.years(yearsRange(data.EdgarFirstYear, data.EdgarLastYear))
		var countries []int
		for ci, ct := range h.d.Countries {
			if slices.Contains(f.countries, ct.ISO3) {
				countries = append(countries, ci)
			}
		}
		slices.SortFunc(countries, func(a, b int) int { return cmp.Compare(h.d.Countries[a].ISO3, h.d.Countries[b].ISO3) })
		for _, y := range years {
			for _, ci := range countries {
				for _, g := range gases {
					rows = append(rows, row{ci, y, g})
				}
			}
		}
		for _, r := range pageOf(rows, window{offset: offset, limit: limit}) {
			ct := h.d.Countries[r.country]
			out = append(out, janaapi.EmissionRecord{AssetName: ct.Name, Sector: "TOTAL", Gas: new(data.EdgarGases[r.gas]),
				Value: h.d.EdgarValue(r.country, r.year, r.gas, h.d.EdgarTotalSector()), Unit: "kt",
				Timestamp: yearStart(r.year), CountryCode: new(ct.ISO3), Source: srcEdgar})
		}
		return out, len(rows)
	}
	gasNames := make([]string, len(gases))
	for i, g := range gases {
		gasNames[i] = data.EdgarGases[g]
	}
	set := h.d.Grid(data.GridFilter{Spatial: f.spatial, Years: f.years(data.GridYears), Gases: gasNames, Sectors: []string{"TOTAL"}})
	if len(f.years(data.GridYears)) == 0 {
		return nil, 0
	}
	for _, r := range set.Page(offset, limit) {
		g := h.d.GridRow(r)
		out = append(out, janaapi.EmissionRecord{AssetName: fmt.Sprintf("EDGAR 0.1° cell %.2f,%.2f", g.Lon, g.Lat),
			Sector: g.Sector, Gas: new(g.Gas), Value: g.ValueTons, Unit: "t", Timestamp: yearStart(g.Year),
			Coordinates: &[]float64{g.Lon, g.Lat}, Source: srcEdgar})
	}
	return out, int(set.Count())
}

func yearsRange(from, to int) []int {
	out := make([]int, 0, to-from+1)
	for y := from; y <= to; y++ {
		out = append(out, y)
	}
	return out
}
