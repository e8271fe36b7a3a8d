package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// OpenAQ detail actions: one sensor, reading or parameter, a location's sensors and flags, and
// a sensor's aggregates, all computed from the readings the measurements endpoint serves.

// V1DataSourcesOpenaqSensorsRetrieve returns one sensor.
func (h *server) V1DataSourcesOpenaqSensorsRetrieve(c echo.Context, id int) error {
	si, ok := h.d.SensorByID(id)
	if !ok {
		return notFound()
	}
	return writeJSON(c, http.StatusOK, h.sensorBody(si))
}

// V1DataSourcesOpenaqMeasurementsRetrieve returns one reading by id.
func (h *server) V1DataSourcesOpenaqMeasurementsRetrieve(c echo.Context, id int) error {
	r, ok := h.d.MeasurementRef(int64(id))
	if !ok {
		return notFound()
	}
	return writeJSON(c, http.StatusOK, h.measurementBody(r))
}

// V1DataSourcesOpenaqMeasurementsDateRangeRetrieve gives the time span of all readings.
func (h *server) V1DataSourcesOpenaqMeasurementsDateRangeRetrieve(c echo.Context) error {
	first, last, n := h.measurementSpan()
	return writeJSON(c, http.StatusOK, janaapi.OpenAQMeasurementDateRange{TotalRecords: n, EarliestDate: first, LatestDate: last})
}

// measurementSpan is the first and last measured_at of all readings, and their number.
func (h *server) measurementSpan() (first, last *time.Time, n int64) {
	lo, hi := data.MeasurementSlots, -1
	for i := range h.d.Sensors {
		s := &h.d.Sensors[i]
		lo, hi = min(lo, s.Start), max(hi, s.End()-1)
		n += int64(s.Len())
	}
	if hi < 0 {
		return nil, nil, 0
	}
	return new(data.SlotTime(lo)), new(data.SlotTime(hi)), n
}

// V1DataSourcesOpenaqParametersRetrieve returns one catalogue entry by id.
func (h *server) V1DataSourcesOpenaqParametersRetrieve(c echo.Context, id int) error {
	for _, prm := range h.d.Parameters {
		if prm.ID == id {
			return writeJSON(c, http.StatusOK, janaapi.OpenAQParameter{Id: prm.ID, Name: prm.Name,
				DisplayName: new(prm.DisplayName), Units: prm.Units, Description: new(prm.Description)})
		}
	}
	return notFound()
}

// V1DataSourcesOpenaqLocationsSensorsList lists a location's sensors.
func (h *server) V1DataSourcesOpenaqLocationsSensorsList(c echo.Context, id int) error {
	l, ok := h.d.LocationByID(id)
	if !ok {
		return notFound()
	}
	out := make([]janaapi.OpenAQSensor, 0, len(l.Sensors))
	for _, si := range l.Sensors {
		out = append(out, h.sensorBody(si))
	}
	return writeJSON(c, http.StatusOK, out)
}

func (h *server) flagBody(f data.Flag) janaapi.OpenAQFlag {
	s := &h.d.Sensors[f.Sensor]
	at := data.SlotTime(f.Slot)
	return janaapi.OpenAQFlag{Id: int(f.ID), LocationId: h.d.Locations[s.Location].ID, SensorIds: []int{s.ID},
		FlagType: "error", Label: "Invalid value", DatetimeFrom: at, DatetimeTo: at.Add(data.MeasurementStep),
		Note: new("The instrument reported -999 (no valid reading).")}
}

// V1DataSourcesOpenaqLocationsFlagsList lists the flags on a location's readings in time order.
func (h *server) V1DataSourcesOpenaqLocationsFlagsList(c echo.Context, id int) error {
	l, ok := h.d.LocationByID(id)
	if !ok {
		return notFound()
	}
	// Flag ids are reading ids, which grow with time: sorting by id is sorting by time.
	var flags []data.Flag
	for _, si := range l.Sensors {
		flags = append(flags, h.d.SensorFlags(si)...)
	}
	sortFlags(flags)
	out := make([]janaapi.OpenAQFlag, 0, len(flags))
	for _, f := range flags {
		out = append(out, h.flagBody(f))
	}
	return writeJSON(c, http.StatusOK, out)
}

func sortFlags(f []data.Flag) {
	slices.SortFunc(f, func(a, b data.Flag) int { return cmp.Compare(a.ID, b.ID) })
}

// V1DataSourcesOpenaqSensorsFlagsList lists the flags on a sensor's readings.
func (h *server) V1DataSourcesOpenaqSensorsFlagsList(c echo.Context, id int) error {
	si, ok := h.d.SensorByID(id)
	if !ok {
		return notFound()
	}
	flags := h.d.SensorFlags(si)
	out := make([]janaapi.OpenAQFlag, 0, len(flags))
	for _, f := range flags {
		out = append(out, h.flagBody(f))
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqSensorsMeasurementsList returns a sensor's latest readings, newest
// first: at most limit of those in the days before its last reading.
func (h *server) V1DataSourcesOpenaqSensorsMeasurementsList(c echo.Context, id int, p janaapi.V1DataSourcesOpenaqSensorsMeasurementsListParams) error {
	si, ok := h.d.SensorByID(id)
	if !ok {
		return notFound()
	}
	limit, days := 100, 7
	if p.Limit != nil {
		limit = *p.Limit
	}
	if p.Days != nil {
		days = *p.Days
	}
	s := &h.d.Sensors[si]
	last := s.End() - 1
	first := max(s.Start, last-days*8+1)
	out := []janaapi.OpenAQMeasurement{}
	for slot := last; slot >= first && len(out) < limit; slot-- {
		out = append(out, h.measurementBody(data.Ref{Sensor: si, Slot: slot}))
	}
	return writeJSON(c, http.StatusOK, out)
}

var periodNames = map[data.Period]string{data.PeriodHour: "hour", data.PeriodDay: "day", data.PeriodYear: "year"}

// sensorAggregates pages one sensor's aggregates of a period length.
func (h *server) sensorAggregates(c echo.Context, id int, period data.Period, from, to *time.Time, page, size, limit, offset *int) error {
	si, ok := h.d.SensorByID(id)
	if !ok {
		return notFound()
	}
	if err := checkOrder(from, to, h.s.spec.served("date_to")); err != nil {
		return err
	}
	aggs := h.d.SensorAggregates(si, period, from, to)
	w, err := h.s.pageOrOffsetWindow(c, page, size, limit, offset, len(aggs))
	if err != nil {
		return err
	}
	s := &h.d.Sensors[si]
	out := janaapi.PaginatedOpenAQSensorAggregateList{Count: len(aggs), Next: w.next, Previous: w.prev,
		Results: []janaapi.OpenAQSensorAggregate{}}
	for _, a := range pageOf(aggs, w) {
		out.Results = append(out.Results, janaapi.OpenAQSensorAggregate{SensorId: s.ID, ParameterName: s.Parameter,
			Units: s.Unit, Period: periodNames[period], PeriodStart: a.Start, PeriodEnd: a.End,
			AvgValue: new(round(a.Mean, 6)), MinValue: new(a.Min), MaxValue: new(a.Max), Count: a.Count,
			ExpectedCount: a.Expected, CoveragePercent: a.Coverage()})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqSensorsHourlyList pages a sensor's hourly aggregates.
func (h *server) V1DataSourcesOpenaqSensorsHourlyList(c echo.Context, id int, p janaapi.V1DataSourcesOpenaqSensorsHourlyListParams) error {
	return h.sensorAggregates(c, id, data.PeriodHour, p.DateFrom, p.DateTo, p.Page, p.PageSize, p.Limit, p.Offset)
}

// V1DataSourcesOpenaqSensorsDailyList pages a sensor's daily aggregates.
func (h *server) V1DataSourcesOpenaqSensorsDailyList(c echo.Context, id int, p janaapi.V1DataSourcesOpenaqSensorsDailyListParams) error {
	return h.sensorAggregates(c, id, data.PeriodDay, p.DateFrom, p.DateTo, p.Page, p.PageSize, p.Limit, p.Offset)
}

// V1DataSourcesOpenaqSensorsYearlyList pages a sensor's yearly aggregates.
func (h *server) V1DataSourcesOpenaqSensorsYearlyList(c echo.Context, id int, p janaapi.V1DataSourcesOpenaqSensorsYearlyListParams) error {
	return h.sensorAggregates(c, id, data.PeriodYear, p.DateFrom, p.DateTo, p.Page, p.PageSize, p.Limit, p.Offset)
}

type bucketStats struct {
	avg, lo, hi *float64
	n           int
}

func statsOf(b data.PatternBucket) bucketStats {
	return bucketStats{avg: new(round(b.Mean, 6)), lo: finite(b.Min), hi: finite(b.Max), n: b.Count}
}

var weekdays = []string{"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// V1DataSourcesOpenaqSensorsHourOfDayRetrieve averages a sensor's readings by hour of day.
func (h *server) V1DataSourcesOpenaqSensorsHourOfDayRetrieve(c echo.Context, id int) error {
	si, ok := h.d.SensorByID(id)
	if !ok {
		return notFound()
	}
	s := &h.d.Sensors[si]
	out := janaapi.OpenAQHourOfDay{SensorId: s.ID, ParameterName: s.Parameter, Units: s.Unit, Hours: []janaapi.OpenAQHourBucket{}}
	for _, b := range h.d.SensorPattern(si, data.PatternHourOfDay) {
		st := statsOf(b)
		out.Hours = append(out.Hours, janaapi.OpenAQHourBucket{Hour: b.Key, AvgValue: st.avg, MinValue: st.lo, MaxValue: st.hi, Count: st.n})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqSensorsDayOfWeekRetrieve averages a sensor's readings by ISO weekday.
func (h *server) V1DataSourcesOpenaqSensorsDayOfWeekRetrieve(c echo.Context, id int) error {
	si, ok := h.d.SensorByID(id)
	if !ok {
		return notFound()
	}
	s := &h.d.Sensors[si]
	out := janaapi.OpenAQDayOfWeek{SensorId: s.ID, ParameterName: s.Parameter, Units: s.Unit, Days: []janaapi.OpenAQWeekdayBucket{}}
	for _, b := range h.d.SensorPattern(si, data.PatternDayOfWeek) {
		st := statsOf(b)
		out.Days = append(out.Days, janaapi.OpenAQWeekdayBucket{DayOfWeek: b.Key, DayName: weekdays[b.Key],
			AvgValue: st.avg, MinValue: st.lo, MaxValue: st.hi, Count: st.n})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqSensorsMonthOfYearRetrieve averages a sensor's readings by month.
func (h *server) V1DataSourcesOpenaqSensorsMonthOfYearRetrieve(c echo.Context, id int) error {
	si, ok := h.d.SensorByID(id)
	if !ok {
		return notFound()
	}
	s := &h.d.Sensors[si]
	out := janaapi.OpenAQMonthOfYear{SensorId: s.ID, ParameterName: s.Parameter, Units: s.Unit, Months: []janaapi.OpenAQMonthBucket{}}
	for _, b := range h.d.SensorPattern(si, data.PatternMonthOfYear) {
		st := statsOf(b)
		out.Months = append(out.Months, janaapi.OpenAQMonthBucket{Month: b.Key, MonthName: time.Month(b.Key).String(),
			AvgValue: st.avg, MinValue: st.lo, MaxValue: st.hi, Count: st.n})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqProvidersList lists the data providers.
func (h *server) V1DataSourcesOpenaqProvidersList(c echo.Context) error {
	out := []janaapi.OpenAQProvider{}
	for _, p := range h.d.Providers() {
		out = append(out, janaapi.OpenAQProvider{Id: p.ID, Name: p.Name, LocationCount: p.Count, CountryCodes: p.Countries})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqOwnersList lists the station owners.
func (h *server) V1DataSourcesOpenaqOwnersList(c echo.Context) error {
	out := []janaapi.OpenAQOwner{}
	for _, o := range h.d.Owners() {
		out = append(out, janaapi.OpenAQOwner{Id: o.ID, Name: o.Name, LocationCount: o.Count})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqManufacturersList lists the instrument manufacturers.
func (h *server) V1DataSourcesOpenaqManufacturersList(c echo.Context) error {
	out := []janaapi.OpenAQManufacturer{}
	for _, m := range h.d.ManufacturerCatalogue() {
		out = append(out, janaapi.OpenAQManufacturer{Id: m.ID, Name: m.Name, InstrumentCount: m.Count})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqInstrumentsList lists the instruments in use.
func (h *server) V1DataSourcesOpenaqInstrumentsList(c echo.Context) error {
	makers := map[int]string{}
	for _, m := range h.d.ManufacturerCatalogue() {
		makers[m.ID] = m.Name
	}
	out := []janaapi.OpenAQInstrument{}
	for _, in := range h.d.InstrumentCatalogue() {
		model := h.d.InstrumentNamed(in.Name)
		out = append(out, janaapi.OpenAQInstrument{Id: in.ID, Name: in.Name, ManufacturerId: in.Extra,
			ManufacturerName: makers[in.Extra], IsMonitor: model.Monitor, Parameters: model.Parameters, SensorCount: in.Count})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqLicensesList lists the data licenses.
func (h *server) V1DataSourcesOpenaqLicensesList(c echo.Context) error {
	out := []janaapi.OpenAQLicense{}
	for _, l := range h.d.Licenses() {
		t := h.d.License(l.Extra)
		out = append(out, janaapi.OpenAQLicense{Id: l.ID, Name: l.Name, Url: new(t.URL), CommercialUseAllowed: t.Commercial,
			AttributionRequired: t.Attribution, ShareAlikeRequired: t.ShareAlike, ModificationAllowed: t.Modification,
			RedistributionAllowed: t.Redistribute, LocationCount: l.Count})
	}
	return writeJSON(c, http.StatusOK, out)
}

// V1DataSourcesOpenaqStatsRetrieve counts the OpenAQ data.
func (h *server) V1DataSourcesOpenaqStatsRetrieve(c echo.Context) error {
	sz := h.d.Sizes()
	countries := map[string]bool{}
	monitors, mobile := 0, 0
	for i := range h.d.Locations {
		l := &h.d.Locations[i]
		countries[l.CountryISO2] = true
		if l.IsMonitor {
			monitors++
		}
		if l.IsMobile {
			mobile++
		}
	}
	params := map[string]bool{}
	for i := range h.d.Sensors {
		params[h.d.Sensors[i].Parameter] = true
	}
	first, last, n := h.measurementSpan()
	return writeJSON(c, http.StatusOK, janaapi.OpenAQStats{TotalLocations: sz.Locations, TotalSensors: sz.Sensors,
		TotalMeasurements: n, TotalCountries: len(countries), TotalProviders: len(h.d.Providers()),
		TotalParameters: len(params), MonitorLocations: monitors, MobileLocations: mobile,
		EarliestMeasurement: first, LatestMeasurement: last})
}
