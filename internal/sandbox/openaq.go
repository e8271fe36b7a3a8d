package sandbox

import (
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// server implements janaapi.ServerInterface over the dataset. Handlers receive parameters the
// operation middleware has already authenticated and validated against the schema.
type server struct {
	s *Sandbox
	d *data.Dataset
}

var _ janaapi.ServerInterface = (*server)(nil)

func (h *server) locationBody(l *data.Location) janaapi.OpenAQLocation {
	first, last := data.SlotTime(l.First), data.SlotTime(l.Last)
	return janaapi.OpenAQLocation{
		Id: l.ID, OpenaqId: l.OpenAQID, Name: l.Name, Locality: new(l.Locality),
		CountryCode: l.CountryISO2, CountryName: new(l.CountryName), Latitude: l.Lat, Longitude: l.Lon,
		Timezone: new(l.Timezone), OwnerName: new(l.Owner), ProviderName: new(l.Provider),
		IsMobile: new(l.IsMobile), IsMonitor: new(l.IsMonitor), DatetimeFirst: &first, DatetimeLast: &last,
		SensorCount: len(l.Sensors), Parameters: slices.Clone(l.Parameters),
	}
}

func (h *server) sensorBody(si int) janaapi.OpenAQSensor {
	s := &h.d.Sensors[si]
	first, last := data.SlotTime(s.Start), data.SlotTime(s.End()-1)
	v := s.Value(s.End() - 1)
	return janaapi.OpenAQSensor{Id: s.ID, LocationId: h.d.Locations[s.Location].ID, ParameterName: s.Parameter,
		ParameterDisplayName: new(s.DisplayName), Units: s.Unit, DatetimeFirst: &first, DatetimeLast: &last,
		LatestValue: &v}
}

func (h *server) measurementBody(r data.Ref) janaapi.OpenAQMeasurement {
	s := &h.d.Sensors[r.Sensor]
	l := &h.d.Locations[s.Location]
	return janaapi.OpenAQMeasurement{
		Id: h.d.MeasurementID(r.Sensor, r.Slot), LocationId: l.ID, LocationName: new(l.Name), SensorId: new(s.ID),
		ParameterName: s.Parameter, Value: s.Value(r.Slot), Unit: s.Unit, MeasuredAt: data.SlotTime(r.Slot),
		Latitude: new(l.Lat), Longitude: new(l.Lon), CountryCode: new(l.CountryISO2),
	}
}

// V1DataSourcesOpenaqLocationsList lists stations (page pagination).
func (h *server) V1DataSourcesOpenaqLocationsList(c echo.Context, p janaapi.V1DataSourcesOpenaqLocationsListParams) error {
	sp, err := sourceSpatial(p.Bbox, p.Coordinates, p.Radius)
	if err != nil {
		return err
	}
	f := data.LocationFilter{Spatial: sp, CountryISO2: upper(firstOf(p.CountryIso2, p.CountryCode)), IsMobile: p.IsMobile,
		IsMonitor: p.IsMonitor, Parameters: deref(p.ParameterName)}
	if p.Search != nil {
		f.Search = *p.Search
	}
	idx := h.d.FilterLocations(f)
	if p.Ordering != nil {
		orderBy(idx, string(*p.Ordering), func(field string, a, b int) int {
			la, lb := &h.d.Locations[a], &h.d.Locations[b]
			var c int
			switch field {
			case "name":
				c = strings.Compare(la.Name, lb.Name)
			case "datetime_last":
				c = la.Last - lb.Last
			}
			if c == 0 {
				c = la.ID - lb.ID
			}
			return c
		})
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(idx))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedOpenAQLocationList{Count: len(idx), Next: w.next, Previous: w.prev,
		Results: []janaapi.OpenAQLocation{}}
	for _, i := range pageOf(idx, w) {
		out.Results = append(out.Results, h.locationBody(&h.d.Locations[i]))
	}
	return writeJSON(c, http.StatusOK, out)
}

// orderBy sorts rows stably by a DRF ordering, "field" or "-field" (descending); compare
// orders two rows by a field the endpoint allows (validation refused any other).
func orderBy[T any](rows []T, ordering string, compare func(field string, a, b T) int) {
	field, desc := strings.CutPrefix(ordering, "-")
	slices.SortStableFunc(rows, func(a, b T) int {
		if desc {
			return -compare(field, a, b)
		}
		return compare(field, a, b)
	})
}

// pageOf returns the part of s the window covers.
func pageOf[T any](s []T, w window) []T {
	lo := min(w.offset, len(s))
	hi := min(w.offset+w.limit, len(s))
	return s[lo:hi]
}

// V1DataSourcesOpenaqLocationsRetrieve returns one station with its sensors.
func (h *server) V1DataSourcesOpenaqLocationsRetrieve(c echo.Context, id int) error {
	l, ok := h.d.LocationByID(id)
	if !ok {
		return notFound()
	}
	b := h.locationBody(l)
	out := janaapi.OpenAQLocationDetail{
		Id: b.Id, OpenaqId: b.OpenaqId, Name: b.Name, Locality: b.Locality, CountryCode: b.CountryCode,
		CountryName: b.CountryName, Latitude: b.Latitude, Longitude: b.Longitude, Timezone: b.Timezone,
		OwnerName: b.OwnerName, ProviderName: b.ProviderName, IsMobile: b.IsMobile, IsMonitor: b.IsMonitor,
		DatetimeFirst: b.DatetimeFirst, DatetimeLast: b.DatetimeLast, SensorCount: b.SensorCount,
		Parameters: b.Parameters, Sensors: []janaapi.OpenAQSensor{},
	}
	for _, si := range l.Sensors {
		out.Sensors = append(out.Sensors, h.sensorBody(si))
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqLocationsLatestMeasurementsRetrieve returns each sensor's last reading
// (which, as on the real platform, may be -999); datetime_min leaves out sensors whose last
// reading is older.
func (h *server) V1DataSourcesOpenaqLocationsLatestMeasurementsRetrieve(c echo.Context, id int, p janaapi.V1DataSourcesOpenaqLocationsLatestMeasurementsRetrieveParams) error {
	l, ok := h.d.LocationByID(id)
	if !ok {
		return notFound()
	}
	out := janaapi.OpenAQLatestMeasurements{LocationId: l.ID, LocationName: new(l.Name),
		Measurements: []janaapi.OpenAQMeasurement{}}
	for _, si := range l.Sensors {
		last := h.d.Sensors[si].End() - 1
		if p.DatetimeMin != nil && data.SlotTime(last).Before(*p.DatetimeMin) {
			continue
		}
		out.Measurements = append(out.Measurements, h.measurementBody(data.Ref{Sensor: si, Slot: last}))
	}
	return writeJSON(c, http.StatusOK, out)
}

func measurementFilter(sp data.Spatial, countries *[]string, locationIDs *[]int, params *[]string, from, to *time.Time) data.MeasurementFilter {
	return data.MeasurementFilter{
		Locations:  data.LocationFilter{Spatial: sp, CountryISO2: upper(countries), IDs: deref(locationIDs)},
		Parameters: deref(params), From: from, To: to,
	}
}

func checkOrder(from, to *time.Time, field string) error {
	if from != nil && to != nil && to.Before(*from) {
		return fieldError(field, "date_to must not be before date_from.")
	}
	return nil
}

// V1DataSourcesOpenaqMeasurementsList pages readings, newest first unless ordered otherwise.
func (h *server) V1DataSourcesOpenaqMeasurementsList(c echo.Context, p janaapi.V1DataSourcesOpenaqMeasurementsListParams) error {
	sp, err := sourceSpatial(p.Bbox, p.Coordinates, p.Radius)
	if err != nil {
		return err
	}
	if err := checkOrder(p.DateFrom, p.DateTo, h.s.spec.served("date_to")); err != nil {
		return err
	}
	set := h.d.Measurements(measurementFilter(sp, firstOf(p.LocationCountryIso2, p.LocationCountryCode), p.LocationId, p.ParameterName, p.DateFrom, p.DateTo))
	count := int(set.Count())
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, count)
	if err != nil {
		return err
	}
	ordering := "-measured_at"
	if p.Ordering != nil {
		ordering = string(*p.Ordering)
	}
	var refs []data.Ref
	switch ordering {
	case "measured_at":
		refs = set.PageByTime(w.offset, w.limit, false)
	case "value":
		refs = set.PageByValue(w.offset, w.limit, false)
	case "-value":
		refs = set.PageByValue(w.offset, w.limit, true)
	default:
		refs = set.PageByTime(w.offset, w.limit, true)
	}
	out := janaapi.PaginatedOpenAQMeasurementList{Count: count, Next: w.next, Previous: w.prev,
		Results: make([]janaapi.OpenAQMeasurement, 0, len(refs))}
	for _, r := range refs {
		out.Results = append(out.Results, h.measurementBody(r))
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqMeasurementsTotalsRetrieve counts readings and summarises their values,
// -999 sentinels included, as the real backend does.
func (h *server) V1DataSourcesOpenaqMeasurementsTotalsRetrieve(c echo.Context, p janaapi.V1DataSourcesOpenaqMeasurementsTotalsRetrieveParams) error {
	set := h.d.Measurements(measurementFilter(data.Spatial{}, firstOf(p.LocationCountryIso2, p.LocationCountryCode), p.LocationId, p.ParameterName, p.DateFrom, p.DateTo))
	t := set.Totals()
	return writeJSON(c, http.StatusOK, janaapi.OpenAQMeasurementTotals{RecordCount: t.RecordCount,
		AvgValue: finite(round(t.Average, 4)), MinValue: finite(t.Minimum), MaxValue: finite(t.Maximum)})
}

// finite is a JSON number, or null for NaN (no values).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// V1DataSourcesOpenaqMeasurementsParameterTotalsRetrieve aggregates per parameter and unit,
// -999 sentinels included, as the real backend does.
func (h *server) V1DataSourcesOpenaqMeasurementsParameterTotalsRetrieve(c echo.Context, p janaapi.V1DataSourcesOpenaqMeasurementsParameterTotalsRetrieveParams) error {
	set := h.d.Measurements(measurementFilter(data.Spatial{}, firstOf(p.LocationCountryIso2, p.LocationCountryCode), p.LocationId, p.ParameterName, p.DateFrom, p.DateTo))
	out := []janaapi.OpenAQParameterTotal{}
	for _, t := range set.ParameterTotals() {
		out = append(out, janaapi.OpenAQParameterTotal{ParameterName: t.Parameter, Unit: t.Unit,
			RecordCount: t.RecordCount, AvgValue: finite(round(t.Average, 4)),
			MinValue: finite(t.Minimum), MaxValue: finite(t.Maximum)})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqMeasurementsCountryTotalsRetrieve counts readings per country.
func (h *server) V1DataSourcesOpenaqMeasurementsCountryTotalsRetrieve(c echo.Context, p janaapi.V1DataSourcesOpenaqMeasurementsCountryTotalsRetrieveParams) error {
	set := h.d.Measurements(measurementFilter(data.Spatial{}, firstOf(p.LocationCountryIso2, p.LocationCountryCode), p.LocationId, p.ParameterName, p.DateFrom, p.DateTo))
	out := []janaapi.OpenAQCountryTotal{}
	for _, t := range set.CountryTotals() {
		out = append(out, janaapi.OpenAQCountryTotal{CountryCode: t.CountryISO2, RecordCount: t.RecordCount,
			AvgValue: finite(round(t.Average, 4))})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqParametersList pages the parameter catalogue.
func (h *server) V1DataSourcesOpenaqParametersList(c echo.Context, p janaapi.V1DataSourcesOpenaqParametersListParams) error {
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(h.d.Parameters))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedOpenAQParameterList{Count: len(h.d.Parameters), Next: w.next, Previous: w.prev,
		Results: []janaapi.OpenAQParameter{}}
	for _, prm := range pageOf(h.d.Parameters, w) {
		out.Results = append(out.Results, janaapi.OpenAQParameter{Id: prm.ID, Name: prm.Name,
			DisplayName: new(prm.DisplayName), Units: prm.Units, Description: new(prm.Description)})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqSensorsList pages sensors.
func (h *server) V1DataSourcesOpenaqSensorsList(c echo.Context, p janaapi.V1DataSourcesOpenaqSensorsListParams) error {
	sp, err := sourceSpatial(p.Bbox, p.Coordinates, p.Radius)
	if err != nil {
		return err
	}
	countries := upper(firstOf(p.LocationCountryIso2, p.LocationCountryCode))
	params := deref(firstOf(p.ParameterName, p.ParameterNameAlias))
	var idx []int
	for si := range h.d.Sensors {
		s := &h.d.Sensors[si]
		l := &h.d.Locations[s.Location]
		switch {
		case p.LocationId != nil && l.ID != *p.LocationId,
			len(params) > 0 && !slices.Contains(params, s.Parameter),
			len(countries) > 0 && !slices.Contains(countries, l.CountryISO2),
			!sp.Match(l.Lon, l.Lat):
			continue
		}
		idx = append(idx, si)
	}
	w, err := h.s.pageOrOffsetWindow(c, p.Page, p.PageSize, p.Limit, p.Offset, len(idx))
	if err != nil {
		return err
	}
	out := janaapi.PaginatedOpenAQSensorList{Count: len(idx), Next: w.next, Previous: w.prev,
		Results: []janaapi.OpenAQSensor{}}
	for _, si := range pageOf(idx, w) {
		out.Results = append(out.Results, h.sensorBody(si))
	}
	return writeJSON(c, http.StatusOK, out)
}
