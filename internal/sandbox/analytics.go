package sandbox

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// The unified API's analyses: aggregations, correlations, analytics, quality and per-source
// statistics, all computed from the rows the source endpoints serve.

// maxAggregates bounds each family of an aggregations answer.
const maxAggregates = 5000

// ctMonthly is Climate TRACE's monthly sum of one gas over a set, keyed by month start.
func (h *server) ctMonthly(f data.EmissionFilter, gas int) (map[time.Time]float64, map[time.Time]int) {
	f.Gases = []string{data.Gases[gas]}
	months, sums, counts := h.d.Emissions(f).MonthlyTotals(gas)
	v, n := map[time.Time]float64{}, map[time.Time]int{}
	for i, m := range months {
		if counts[i] > 0 {
			v[data.CTMonthStart(m)], n[data.CTMonthStart(m)] = sums[i], counts[i]
		}
	}
	return v, n
}

// pairUp returns the values of two monthly series at the months both have, in time order.
func pairUp(a, b map[time.Time]float64) (x, y []float64) {
	var months []time.Time
	for m := range a {
		if _, ok := b[m]; ok {
			months = append(months, m)
		}
	}
	slices.SortFunc(months, func(p, q time.Time) int { return p.Compare(q) })
	for _, m := range months {
		x, y = append(x, a[m]), append(y, b[m])
	}
	return x, y
}

func correlation(scope string, country *string, srcA, parA, srcB, parB string, x, y []float64, minPoints int) janaapi.CorrelationResult {
	out := janaapi.CorrelationResult{Scope: scope, CountryCode: country, SourceA: srcA, ParameterA: parA, SourceB: srcB,
		ParameterB: parB, DataPoints: len(x)}
	if len(x) >= minPoints {
		if r, p, ok := pearson(x, y); ok {
			out.CorrelationCoefficient, out.PValue = new(round(r, 4)), new(round(p, 6))
			out.Significant = p < 0.05
		}
	}
	return out
}

// monthlyMeans pools valid readings of pollutant p per month.
func (h *server) monthlyMeans(f data.MeasurementFilter, p string, from, to *time.Time) map[time.Time]float64 {
	f.Parameters, f.From, f.To = []string{p}, from, to
	periods := h.d.Measurements(f).Periods(data.PeriodMonth)
	// Units are never mixed: follow the unit with the most readings.
	perUnit := map[string]int{}
	for _, pp := range periods {
		perUnit[pp.Key.Unit] += pp.Count
	}
	unit := ""
	for _, u := range slices.Sorted(maps.Keys(perUnit)) {
		if unit == "" || perUnit[u] > perUnit[unit] {
			unit = u
		}
	}
	out := map[time.Time]float64{}
	for _, pp := range periods {
		if pp.Key.Unit == unit {
			out[pp.Start] = pp.Mean
		}
	}
	return out
}

// V1EsgAggregationsRetrieve aggregates air quality per period and emissions per month (Climate
// TRACE) or year (EDGAR), the finest periods those sources have.
func (h *server) V1EsgAggregationsRetrieve(c echo.Context, p janaapi.V1EsgAggregationsRetrieveParams) error {
	start := time.Now()
	f, err := h.parseUnifiedFilter(p.LocationBbox, nil, nil, &p.CountryCodes, p.DateFrom, p.DateTo, p.Parameters)
	if err != nil {
		return err
	}
	period := map[janaapi.V1EsgAggregationsRetrieveParamsTemporalResolution]data.Period{
		"hourly": data.PeriodHour, "daily": data.PeriodDay, "monthly": data.PeriodMonth}[p.TemporalResolution]
	minQuality := 0.0
	if p.QualityThreshold != nil {
		minQuality = float64(*p.QualityThreshold)
	}
	sources := sourcesOf(p.Sources, srcOpenAQ, srcClimateTrace, srcEdgar)
	aggs := janaapi.EsgAggregations{AirQuality: []janaapi.AirQualityAggregate{}, Emissions: []janaapi.EmissionAggregate{}}
	total := 0
	truncated := false
	aqSeries := map[string]map[time.Time]float64{}
	ctSeries := map[string]map[time.Time]float64{}
	for _, src := range sources {
		switch src {
		case srcOpenAQ:
			params, ok := aqParams(f.params)
			if !ok {
				continue
			}
			set := h.d.Measurements(f.measurementFilter(params, minQuality))
			for _, pp := range set.Periods(period) {
				total++
				if len(aggs.AirQuality) == maxAggregates {
					truncated = true
					continue
				}
				aggs.AirQuality = append(aggs.AirQuality, janaapi.AirQualityAggregate{Parameter: pp.Key.Parameter, Unit: pp.Key.Unit,
					PeriodStart: pp.Start, Mean: round(pp.Mean, 4), Min: pp.Min, Max: pp.Max, Count: pp.Count,
					LocationCount: pp.Locations})
			}
			if p.IncludeCorrelations != nil && *p.IncludeCorrelations {
				for _, prm := range params {
					aqSeries[prm] = h.monthlyMeans(f.measurementFilter(nil, minQuality), prm, f.from, f.to)
				}
				if len(params) == 0 {
					aqSeries["pm25"] = h.monthlyMeans(f.measurementFilter(nil, minQuality), "pm25", f.from, f.to)
				}
			}
		case srcClimateTrace:
			gases, ok := ctGases(f.params)
			if !ok {
				continue
			}
			if len(gases) == 0 {
				gases = []string{"co2e_100yr"}
			}
			for _, gas := range gases {
				v, n := h.ctMonthly(f.emissionFilter(nil), data.GasIndex(gas))
				ctSeries[gas] = v
				for _, m := range slices.SortedFunc(maps.Keys(v), time.Time.Compare) {
					total++
					if len(aggs.Emissions) == maxAggregates {
						truncated = true
						continue
					}
					aggs.Emissions = append(aggs.Emissions, janaapi.EmissionAggregate{Source: srcClimateTrace, Gas: gas,
						PeriodStart: m, Total: round(v[m], 3), Unit: "tonnes", Contributors: n[m]})
				}
			}
		case srcEdgar:
			gases, ok := edgarGases(f.params)
			if !ok {
				continue
			}
			years := f.years(yearsRange(data.EdgarFirstYear, data.EdgarLastYear))
			slices.Reverse(years)
			for _, g := range gases {
				for _, y := range years {
					var sum float64
					n := 0
					for ci, ct := range h.d.Countries {
						if len(f.countries) > 0 && !slices.Contains(f.countries, ct.ISO3) {
							continue
						}
						if v := h.d.EdgarValue(ci, y, g, h.d.EdgarTotalSector()); v > 0 {
							sum += v
							n++
						}
					}
					total++
					if len(aggs.Emissions) == maxAggregates {
						truncated = true
						continue
					}
					aggs.Emissions = append(aggs.Emissions, janaapi.EmissionAggregate{Source: srcEdgar, Gas: data.EdgarGases[g],
						PeriodStart: yearStart(y), Total: round(sum, 3), Unit: "kt", Contributors: n})
				}
			}
		}
	}
	out := janaapi.EsgAggregationsResponse{Query: queryEcho(c, sources), TemporalResolution: string(p.TemporalResolution),
		Aggregations: aggs, Attribution: attributionFor(sources)}
	if p.IncludeCorrelations != nil && *p.IncludeCorrelations {
		corr := []janaapi.CorrelationResult{}
		for _, prm := range slices.Sorted(maps.Keys(aqSeries)) {
			for _, gas := range slices.Sorted(maps.Keys(ctSeries)) {
				x, y := pairUp(aqSeries[prm], ctSeries[gas])
				corr = append(corr, correlation("months", nil, srcOpenAQ, prm, srcClimateTrace, gas, x, y, 3))
			}
		}
		out.Correlations = &corr
	}
	out.Metadata = janaapi.AggregationMetadata{TotalRecords: total, ReturnedRecords: len(aggs.AirQuality) + len(aggs.Emissions),
		Truncated: truncated, ProcessingTimeMs: round(float64(time.Since(start).Microseconds())/1000, 3)}
	return writeJSON(c, http.StatusOK, out)
}

// lastDays is the time range of the last days of data, ending at the dataset's last reading.
func lastDays(days *int) (*time.Time, *time.Time) {
	if days == nil {
		return nil, nil
	}
	to := data.SlotTime(data.MeasurementSlots - 1)
	from := data.AsOf.AddDate(0, 0, -*days)
	return &from, &to
}

// V1EsgCorrelationsRetrieve correlates air quality with emissions: per country over months
// (temporal) and across stations (spatial: a station's mean against the emissions of the
// assets within spatial_radius_km).
func (h *server) V1EsgCorrelationsRetrieve(c echo.Context, p janaapi.V1EsgCorrelationsRetrieveParams) error {
	sources := sourcesOf(&p.Sources, srcOpenAQ, srcClimateTrace, srcEdgar)
	if len(sources) < 2 {
		return fieldError(h.s.spec.served("sources"), "At least two sources are required.")
	}
	f, err := h.parseUnifiedFilter(p.LocationBbox, nil, nil, &p.CountryCodes, nil, nil, p.Parameters)
	if err != nil {
		return err
	}
	f.from, f.to = lastDays(p.TemporalWindowDays)
	minPoints := 3
	if p.MinimumDataPoints != nil {
		minPoints = *p.MinimumDataPoints
	}
	radius := 25.0
	if p.SpatialRadiusKm != nil {
		radius = *p.SpatialRadiusKm
	}
	kind := ""
	if p.CorrelationType != nil {
		kind = string(*p.CorrelationType)
	}
	pollutants, _ := aqParams(f.params)
	if len(pollutants) == 0 {
		pollutants = []string{"pm25"}
	}
	gases, _ := ctGases(f.params)
	if len(gases) == 0 {
		gases = []string{"co2e_100yr"}
	}
	sectors := deref(p.SectorFilter)
	out := janaapi.EsgCorrelationsResponse{Query: queryEcho(c, sources), CorrelationType: kind, MinimumDataPoints: minPoints,
		Correlations: janaapi.EsgCorrelations{Spatial: []janaapi.CorrelationResult{}, Temporal: []janaapi.CorrelationResult{}},
		Attribution:  attributionFor(sources)}
	haveCT := slices.Contains(sources, srcClimateTrace)
	if slices.Contains(sources, srcOpenAQ) && (kind == "" || kind == "temporal" || kind == "parameter" || kind == "sector") {
		for _, iso3 := range f.countries {
			country := new(iso3)
			lf := data.MeasurementFilter{Locations: data.LocationFilter{Spatial: f.spatial, CountryISO3: []string{iso3}}}
			aq := map[string]map[time.Time]float64{}
			for _, prm := range pollutants {
				aq[prm] = h.monthlyMeans(lf, prm, f.from, f.to)
			}
			ef := data.EmissionFilter{Assets: data.AssetFilter{Spatial: f.spatial, CountryISO3: []string{iso3}, SectorNames: sectors},
				From: f.from, To: f.to}
			switch {
			case kind == "parameter":
				for i, a := range pollutants {
					for _, b := range pollutants[i+1:] {
						x, y := pairUp(aq[a], aq[b])
						out.Correlations.Temporal = append(out.Correlations.Temporal, correlation("months", country, srcOpenAQ, a, srcOpenAQ, b, x, y, minPoints))
					}
				}
			case kind == "sector" && haveCT:
				for _, s := range h.d.Sectors {
					if len(sectors) > 0 && !slices.Contains(sectors, s.Name) {
						continue
					}
					ef.Assets.SectorNames = []string{s.Name}
					em, _ := h.ctMonthly(ef, data.GasIndex(gases[0]))
					if len(em) == 0 {
						continue
					}
					for _, prm := range pollutants {
						x, y := pairUp(aq[prm], em)
						out.Correlations.Temporal = append(out.Correlations.Temporal, correlation("months", country, srcOpenAQ, prm, srcClimateTrace, s.Name, x, y, minPoints))
					}
				}
			case haveCT:
				for _, gas := range gases {
					em, _ := h.ctMonthly(ef, data.GasIndex(gas))
					for _, prm := range pollutants {
						x, y := pairUp(aq[prm], em)
						out.Correlations.Temporal = append(out.Correlations.Temporal, correlation("months", country, srcOpenAQ, prm, srcClimateTrace, gas, x, y, minPoints))
					}
				}
			}
		}
	}
	if slices.Contains(sources, srcOpenAQ) && haveCT && (kind == "" || kind == "spatial") {
		assets := h.d.FilterAssets(data.AssetFilter{Spatial: f.spatial, CountryISO3: f.countries, SectorNames: sectors})
		for _, prm := range pollutants {
			for _, gas := range gases {
				g := data.GasIndex(gas)
				var x, y []float64
				for _, li := range h.d.FilterLocations(data.LocationFilter{Spatial: f.spatial, CountryISO3: f.countries}) {
					l := &h.d.Locations[li]
					var sum float64
					n := 0
					for _, si := range l.Sensors {
						if h.d.Sensors[si].Parameter != prm {
							continue
						}
						for _, a := range h.d.SensorAggregates(si, data.PeriodYear, f.from, f.to) {
							sum += a.Mean * float64(a.Count)
							n += a.Count
						}
					}
					if n == 0 {
						continue
					}
					var em float64
					for _, ai := range assets {
						a := &h.d.Assets[ai]
						if !a.HasGas(g) || data.HaversineKm(l.Lon, l.Lat, a.Lon, a.Lat) > radius {
							continue
						}
						co2e := a.TotalCO2e()
						if f.from != nil || f.to != nil {
							co2e = 0
							for y := data.CTFirstYear; y <= data.CTLastYear; y++ {
								if (f.from == nil || !yearStart(y+1).Before(*f.from)) && (f.to == nil || !yearStart(y).After(*f.to)) {
									s, _ := a.YearSum(y)
									co2e += s
								}
							}
						}
						em += h.d.GasQuantity(a, g, co2e)
					}
					x, y = append(x, sum/float64(n)), append(y, em)
				}
				var country *string
				if len(f.countries) == 1 {
					country = new(f.countries[0])
				}
				out.Correlations.Spatial = append(out.Correlations.Spatial, correlation("stations", country, srcOpenAQ, prm, srcClimateTrace, gas, x, y, minPoints))
			}
		}
	}
	return writeJSON(c, http.StatusOK, out)
}

func strength(r float64) string {
	switch a := math.Abs(r); {
	case a >= 0.7:
		return "strong"
	case a >= 0.4:
		return "moderate"
	}
	return "weak"
}

// V1EsgAnalyticsRetrieve correlates each country's monthly PM2.5 with its monthly Climate TRACE
// CO2e over the last temporal_window_days.
func (h *server) V1EsgAnalyticsRetrieve(c echo.Context, p janaapi.V1EsgAnalyticsRetrieveParams) error {
	days, threshold, minPoints := 730, 0.3, 6
	if p.TemporalWindowDays != nil {
		days = *p.TemporalWindowDays
	}
	if p.CorrelationThreshold != nil {
		threshold = *p.CorrelationThreshold
	}
	if p.MinimumDataPoints != nil {
		minPoints = *p.MinimumDataPoints
	}
	withAQ := p.IncludeOpenaq == nil || *p.IncludeOpenaq
	withCT := p.IncludeClimatetrace == nil || *p.IncludeClimatetrace
	from, to := lastDays(&days)
	countries := upper(&p.CountryCodes)
	out := janaapi.EsgAnalyticsResponse{CountryCodes: countries, TemporalWindowDays: days, CorrelationThreshold: threshold,
		MinimumDataPoints: minPoints, Correlations: []janaapi.CountryCorrelation{}}
	var sources []string
	if withAQ {
		sources = append(sources, srcOpenAQ)
	}
	if withCT {
		sources = append(sources, srcClimateTrace)
	}
	out.Attribution = attributionFor(sources)
	var rs []float64
	for _, iso3 := range countries {
		cc := janaapi.CountryCorrelation{CountryCode: iso3, AirQualityParameter: "pm25", EmissionsGas: "co2e_100yr",
			Strength: "insufficient_data"}
		if withAQ && withCT {
			aq := h.monthlyMeans(data.MeasurementFilter{Locations: data.LocationFilter{CountryISO3: []string{iso3}}}, "pm25", from, to)
			em, _ := h.ctMonthly(data.EmissionFilter{Assets: data.AssetFilter{CountryISO3: []string{iso3}}, From: from, To: to},
				data.GasIndex("co2e_100yr"))
			x, y := pairUp(aq, em)
			cc.DataPoints = len(x)
			if len(x) >= minPoints {
				if r, pv, ok := pearson(x, y); ok {
					cc.CorrelationCoefficient, cc.PValue = new(round(r, 4)), new(round(pv, 6))
					cc.Strength = strength(r)
					cc.Significant = pv < 0.05 && math.Abs(r) >= threshold
					rs = append(rs, r)
				}
			}
		}
		out.Correlations = append(out.Correlations, cc)
	}
	out.Summary.CountriesAnalyzed = len(rs)
	for _, cc := range out.Correlations {
		if cc.Significant {
			out.Summary.SignificantCorrelations++
		}
	}
	if len(rs) > 0 {
		var sum float64
		for _, r := range rs {
			sum += r
		}
		out.Summary.MeanCorrelation = new(round(sum/float64(len(rs)), 4))
	}
	return writeJSON(c, http.StatusOK, out)
}

func grade(score float64) string {
	switch {
	case score >= 95:
		return "A"
	case score >= 85:
		return "B"
	case score >= 70:
		return "C"
	}
	return "D"
}

// V1EsgQualityRetrieve reports completeness (readings present against those the period
// expects of every sensor or asset) and validity (readings that are not -999) per source.
func (h *server) V1EsgQualityRetrieve(c echo.Context, p janaapi.V1EsgQualityRetrieveParams) error {
	sp, err := unifiedSpatial(p.LocationBbox, nil, nil)
	if err != nil {
		return err
	}
	if err := checkOrder(p.DateFrom, p.DateTo, h.s.spec.served("date_to")); err != nil {
		return err
	}
	level := "summary"
	if p.QualityDetailLevel != nil {
		level = string(*p.QualityDetailLevel)
	}
	f := unifiedFilter{spatial: sp, from: p.DateFrom, to: p.DateTo, params: deref(p.Parameters)}
	sources := sourcesOf(p.Sources, srcOpenAQ, srcClimateTrace, srcEdgar)
	out := janaapi.EsgQualityResponse{DetailLevel: level, Sources: []janaapi.SourceQuality{}, GeneratedAt: time.Now().UTC().Truncate(time.Millisecond)}
	var params []janaapi.ParameterQuality
	var weighted, records float64
	for _, src := range sources {
		q := janaapi.SourceQuality{Source: src, Issues: []string{}}
		switch src {
		case srcOpenAQ:
			prm, _ := aqParams(f.params)
			set := h.d.Measurements(f.measurementFilter(prm, 0))
			lo, hi := set.Range()
			var expected, flagged int64
			per := map[data.SeriesKey]*janaapi.ParameterQuality{}
			late := 0
			for _, si := range set.Sensors() {
				s := &h.d.Sensors[si]
				if hi >= lo {
					expected += int64(hi - lo + 1)
				}
				a, b := max(lo, s.Start), min(hi, s.End()-1)
				if a > b {
					continue
				}
				if s.Start > lo || s.End()-1 < hi {
					late++
				}
				n := int64(s.SentinelCount(a, b))
				flagged += n
				k := data.SeriesKey{Parameter: s.Parameter, Unit: s.Unit}
				pq := per[k]
				if pq == nil {
					pq = &janaapi.ParameterQuality{Source: src, Parameter: s.Parameter, Unit: s.Unit}
					per[k] = pq
				}
				pq.RecordCount += int64(b - a + 1)
				pq.FlaggedRecords += n
			}
			q.RecordCount = set.Count()
			q.FlaggedRecords, q.ValidRecords = flagged, q.RecordCount-flagged
			if flagged > 0 {
				q.Issues = append(q.Issues, fmt.Sprintf("%d readings are OpenAQ's -999 missing-value marker", flagged))
			}
			if late > 0 {
				q.Issues = append(q.Issues, fmt.Sprintf("%d sensors report over only part of the period", late))
			}
			if expected > 0 {
				q.Completeness = round(float64(q.RecordCount)/float64(expected), 4)
			}
			for _, k := range sortedSeriesKeys(per) {
				pq := per[k]
				if pq.RecordCount > 0 {
					pq.Validity = round(1-float64(pq.FlaggedRecords)/float64(pq.RecordCount), 4)
				}
				params = append(params, *pq)
			}
		case srcClimateTrace:
			gases, _ := ctGases(f.params)
			set := h.d.Emissions(f.emissionFilter(gases))
			from, to := set.MonthRange()
			var expected int64
			partial := 0
			for _, ai := range set.Assets() {
				a := &h.d.Assets[ai]
				g := 0
				for k := range data.Gases {
					if a.HasGas(k) && (len(gases) == 0 || slices.Contains(gases, data.Gases[k])) {
						g++
					}
				}
				if to >= from {
					expected += int64(g * (to - from + 1))
				}
				if a.FirstMonth > from || a.LastMonth < to {
					partial++
				}
			}
			q.RecordCount = set.Count()
			q.ValidRecords = q.RecordCount
			if expected > 0 {
				q.Completeness = round(float64(q.RecordCount)/float64(expected), 4)
			}
			if partial > 0 {
				q.Issues = append(q.Issues, fmt.Sprintf("%d assets were commissioned or retired within the period", partial))
			}
		case srcEdgar:
			years := f.years(yearsRange(data.EdgarFirstYear, data.EdgarLastYear))
			for _, r := range h.d.EdgarRows {
				if slices.Contains(years, r.Year) {
					q.RecordCount++
				}
			}
			q.ValidRecords, q.Completeness = q.RecordCount, 1
			if slices.Contains(years, data.EdgarLastYear) {
				q.Issues = append(q.Issues, fmt.Sprintf("%d is a provisional fast-track estimate", data.EdgarLastYear))
			}
		}
		if q.RecordCount > 0 {
			q.Validity = round(float64(q.ValidRecords)/float64(q.RecordCount), 4)
		}
		q.Score = round(100*(q.Completeness+q.Validity)/2, 2)
		weighted += q.Score * float64(q.RecordCount)
		records += float64(q.RecordCount)
		out.Sources = append(out.Sources, q)
	}
	var comp, valid float64
	for _, q := range out.Sources {
		if records > 0 {
			comp += q.Completeness * float64(q.RecordCount) / records
			valid += q.Validity * float64(q.RecordCount) / records
		}
	}
	score := 0.0
	if records > 0 {
		score = round(weighted/records, 2)
	}
	out.OverallQuality = janaapi.QualityScore{Score: score, Completeness: round(comp, 4), Validity: round(valid, 4), Grade: grade(score)}
	if level != "summary" {
		if params == nil {
			params = []janaapi.ParameterQuality{}
		}
		out.Parameters = &params
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1EsgSectorsRetrieve lists emission sectors per source: Climate TRACE's with the assets and
// CO2e they have in the countries and dates asked, EDGAR's codes.
func (h *server) V1EsgSectorsRetrieve(c echo.Context, p janaapi.V1EsgSectorsRetrieveParams) error {
	sources := sourcesOf(p.Sources, srcClimateTrace, srcEdgar)
	limit := 1000
	if p.Limit != nil {
		limit = *p.Limit
	}
	if err := dateOrder(p.DateFrom, p.DateTo, h.s.spec.served("date_to")); err != nil {
		return err
	}
	out := janaapi.EsgSectorsResponse{Attribution: attributionFor(sources)}
	for _, src := range sources {
		switch src {
		case srcClimateTrace:
			if p.CountryCodes == nil {
				return fieldError(h.s.spec.served("country_codes"), "This field is required when sources includes climatetrace.")
			}
			set := h.d.Emissions(data.EmissionFilter{Assets: data.AssetFilter{CountryISO3: upper(p.CountryCodes)},
				Gases: []string{"co2e_100yr"}, From: dateTime(p.DateFrom), To: dateTime(p.DateTo)})
			list := []janaapi.EsgClimateTraceSector{}
			for _, t := range set.SectorTotals() {
				s, _ := h.d.SectorByName(t.Key)
				list = append(list, janaapi.EsgClimateTraceSector{Id: s.ID, Name: s.Name, SectorGroup: s.Group,
					AssetCount: t.UniqueAssets, TotalCo2eTonnes: round(t.TotalCO2e, 3)})
			}
			list = list[:min(limit, len(list))]
			out.Sectors.Climatetrace = &list
		case srcEdgar:
			list := []janaapi.EsgEdgarSector{}
			for _, s := range h.d.EdgarSectors {
				list = append(list, janaapi.EsgEdgarSector{Code: s.Code, Description: s.Description})
			}
			list = list[:min(limit, len(list))]
			out.Sectors.Edgar = &list
		}
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1EsgOpenaqStatisticsRetrieve describes OpenAQ's coverage of the countries.
func (h *server) V1EsgOpenaqStatisticsRetrieve(c echo.Context, p janaapi.V1EsgOpenaqStatisticsRetrieveParams) error {
	countries := upper(&p.CountryCodes)
	out := janaapi.EsgOpenAQStatistics{CountryCodes: countries, Parameters: []janaapi.ParameterCoverage{}, Providers: []string{}}
	type cov struct{ sensors, locs map[int]bool }
	per := map[data.SeriesKey]*cov{}
	providers := map[string]bool{}
	lo, hi := data.MeasurementSlots, -1
	for _, li := range h.d.FilterLocations(data.LocationFilter{CountryISO3: countries}) {
		l := &h.d.Locations[li]
		out.Locations.Total++
		switch {
		case l.IsMonitor:
			out.Locations.Monitors++
		default:
			out.Locations.LowCost++
		}
		if l.IsMobile {
			out.Locations.Mobile++
		}
		providers[l.Provider] = true
		for _, si := range l.Sensors {
			s := &h.d.Sensors[si]
			out.Sensors++
			out.Measurements.Total += int64(s.Len())
			lo, hi = min(lo, s.Start), max(hi, s.End()-1)
			k := data.SeriesKey{Parameter: s.Parameter, Unit: s.Unit}
			if per[k] == nil {
				per[k] = &cov{map[int]bool{}, map[int]bool{}}
			}
			per[k].sensors[si], per[k].locs[li] = true, true
		}
	}
	if hi >= 0 {
		out.Measurements.Earliest, out.Measurements.Latest = new(data.SlotTime(lo)), new(data.SlotTime(hi))
	}
	out.Providers = slices.AppendSeq(make([]string, 0, len(providers)), maps.Keys(providers)) // [] when none, as DRF answers
	slices.Sort(out.Providers)
	for _, k := range sortedSeriesKeys(per) {
		out.Parameters = append(out.Parameters, janaapi.ParameterCoverage{Parameter: k.Parameter, Unit: k.Unit,
			SensorCount: len(per[k].sensors), LocationCount: len(per[k].locs)})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1EsgClimatetraceStatisticsRetrieve describes Climate TRACE's coverage of the countries.
func (h *server) V1EsgClimatetraceStatisticsRetrieve(c echo.Context, p janaapi.V1EsgClimatetraceStatisticsRetrieveParams) error {
	countries := upper(&p.CountryCodes)
	set := h.d.Emissions(data.EmissionFilter{Assets: data.AssetFilter{CountryISO3: countries}})
	out := janaapi.EsgClimateTraceStatistics{CountryCodes: countries, Assets: janaapi.AssetCounts{BySector: []janaapi.SectorAssetCount{}}}
	bySector := map[string]int{}
	for _, ai := range set.Assets() {
		out.Assets.Total++
		bySector[h.d.Sectors[h.d.Assets[ai].Sector].Name]++
	}
	for _, name := range slices.Sorted(maps.Keys(bySector)) {
		out.Assets.BySector = append(out.Assets.BySector, janaapi.SectorAssetCount{SectorName: name, AssetCount: bySector[name]})
	}
	slices.SortStableFunc(out.Assets.BySector, func(a, b janaapi.SectorAssetCount) int { return cmp.Compare(b.AssetCount, a.AssetCount) })
	t := set.Totals()
	out.Emissions.RecordCount = t.RecordCount
	out.Emissions.TotalCo2eTonnes = round(h.d.Emissions(data.EmissionFilter{Assets: data.AssetFilter{CountryISO3: countries},
		Gases: []string{"co2e_100yr"}}).Totals().TotalCO2e, 3)
	if t.First <= t.Last {
		out.Emissions.Earliest = new(asDate(data.CTMonthStart(t.First)))
		out.Emissions.Latest = new(asDate(data.CTMonthStart(t.Last)))
	}
	return writeJSON(c, http.StatusOK, out)
}

func sortedSeriesKeys[V any](m map[data.SeriesKey]V) []data.SeriesKey {
	keys := make([]data.SeriesKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b data.SeriesKey) int {
		return cmp.Or(strings.Compare(a.Parameter, b.Parameter), strings.Compare(a.Unit, b.Unit))
	})
	return keys
}

func asDate(t time.Time) openapi_types.Date { return openapi_types.Date{Time: t} }
