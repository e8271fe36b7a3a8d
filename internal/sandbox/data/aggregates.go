package data

import (
	"math"
	"slices"
	"strings"
	"time"
)

// Period is the length of one aggregate of a sensor's readings.
type Period uint8

// Aggregate periods, as OpenAQ's hours, days and years endpoints (all in UTC); months serve
// the unified API's aggregations.
const (
	PeriodHour Period = iota
	PeriodDay
	PeriodYear
	PeriodMonth
)

// SensorAggregate summarises the valid readings of one sensor in one period.
type SensorAggregate struct {
	Start, End time.Time // End is exclusive
	// Count is the number of valid readings (the -999 markers are left out); Expected is the
	// number of grid slots in the period (a partial year or a sensor's first day has fewer).
	Count, Expected int
	Mean, Min, Max  float64
}

// Coverage is Count as a percentage of Expected.
func (a SensorAggregate) Coverage() float64 {
	if a.Expected == 0 {
		return 0
	}
	return math.Round(float64(a.Count)/float64(a.Expected)*1000) / 10
}

// periodAt returns the calendar period that contains t: its start and exclusive end.
func periodAt(p Period, t time.Time) (start, end time.Time) {
	t = t.UTC()
	switch p {
	case PeriodDay:
		start = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 0, 1)
	case PeriodYear:
		start = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(1, 0, 0)
	case PeriodMonth:
		start = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0)
	}
	start = t.Truncate(time.Hour)
	return start, start.Add(time.Hour)
}

// slotsIn is how many grid slots fall in [start, end).
func slotsIn(start, end time.Time) int {
	return int((end.Sub(start) + MeasurementStep - 1) / MeasurementStep)
}

// SensorAggregates aggregates sensor si's readings per period, oldest first, over the periods
// whose start lies in [from, to] (nil: unbounded). Periods without a valid reading are left out,
// as OpenAQ does. The values are those the measurements endpoint serves for the same slots.
func (d *Dataset) SensorAggregates(si int, p Period, from, to *time.Time) []SensorAggregate {
	s := &d.Sensors[si]
	var out []SensorAggregate
	var cur *SensorAggregate
	var sum float64
	flush := func() {
		if cur != nil && cur.Count > 0 {
			cur.Mean = sum / float64(cur.Count)
			out = append(out, *cur)
		}
		cur, sum = nil, 0
	}
	sentinel := int32(SentinelValue * s.scale)
	lo, hi := s.Start, s.End()-1
	if from != nil {
		// The first period starting at or after from.
		start, end := periodAt(p, *from)
		if start.Before(*from) {
			start = end
		}
		lo = max(lo, SlotAtOrAfter(start))
	}
	if to != nil {
		// Up to the end of the period that contains to (it starts at or before to).
		_, end := periodAt(p, *to)
		hi = min(hi, SlotAtOrBefore(end.Add(-time.Nanosecond)))
	}
	for slot := lo; slot <= hi; slot++ {
		start, end := periodAt(p, SlotTime(slot))
		if cur == nil || !cur.Start.Equal(start) {
			flush()
			cur = &SensorAggregate{Start: start, End: end, Expected: slotsIn(start, end),
				Min: math.Inf(1), Max: math.Inf(-1)}
		}
		raw := s.raw[slot-s.Start]
		if raw == sentinel {
			continue
		}
		v := float64(raw) / s.scale
		cur.Count++
		sum += v
		cur.Min, cur.Max = math.Min(cur.Min, v), math.Max(cur.Max, v)
	}
	flush()
	return out
}

// Pattern is how a sensor's readings are grouped over its whole record.
type Pattern uint8

// Patterns of the hour-of-day, day-of-week and month-of-year endpoints (UTC).
const (
	PatternHourOfDay Pattern = iota
	PatternDayOfWeek
	PatternMonthOfYear
)

// PatternBucket summarises the valid readings of one hour, ISO weekday (1 Monday) or month.
type PatternBucket struct {
	Key            int
	Count          int
	Mean, Min, Max float64
}

// SensorPattern groups all of sensor si's valid readings by hour of day, weekday or month,
// and returns the groups that hold readings in key order.
func (d *Dataset) SensorPattern(si int, p Pattern) []PatternBucket {
	s := &d.Sensors[si]
	n := map[Pattern]int{PatternHourOfDay: 24, PatternDayOfWeek: 8, PatternMonthOfYear: 13}[p]
	sums := make([]float64, n)
	buckets := make([]PatternBucket, n)
	for i := range buckets {
		buckets[i] = PatternBucket{Key: i, Min: math.Inf(1), Max: math.Inf(-1)}
	}
	sentinel := int32(SentinelValue * s.scale)
	for i, raw := range s.raw {
		if raw == sentinel {
			continue
		}
		t := SlotTime(s.Start + i)
		var k int
		switch p {
		case PatternHourOfDay:
			k = t.Hour()
		case PatternDayOfWeek:
			k = (int(t.Weekday())+6)%7 + 1
		default:
			k = int(t.Month())
		}
		v := float64(raw) / s.scale
		b := &buckets[k]
		b.Count++
		sums[k] += v
		b.Min, b.Max = math.Min(b.Min, v), math.Max(b.Max, v)
	}
	var out []PatternBucket
	for k, b := range buckets {
		if b.Count > 0 {
			b.Mean = sums[k] / float64(b.Count)
			out = append(out, b)
		}
	}
	return out
}

// SensorByID returns the index of the sensor with that id.
func (d *Dataset) SensorByID(id int) (int, bool) {
	if id < 1 || id > len(d.Sensors) {
		return 0, false
	}
	return id - 1, true
}

// MeasurementRef inverts MeasurementID: the sensor and slot of a reading id.
func (d *Dataset) MeasurementRef(id int64) (Ref, bool) {
	n := int64(len(d.Sensors))
	if id < 1 || n == 0 {
		return Ref{}, false
	}
	si, slot := int((id-1)%n), (id-1)/n
	s := &d.Sensors[si]
	if slot < int64(s.Start) || slot >= int64(s.End()) {
		return Ref{}, false
	}
	return Ref{Sensor: si, Slot: int(slot)}, true
}

// Flag is a data-quality flag on one reading: OpenAQ flags the -999 markers.
type Flag struct {
	ID     int64 // the id of the flagged reading
	Sensor int   // index into Dataset.Sensors
	Slot   int
}

// SensorFlags lists the flags of sensor si in time order.
func (d *Dataset) SensorFlags(si int) []Flag {
	s := &d.Sensors[si]
	out := make([]Flag, 0, len(s.sentinels))
	for _, slot := range s.sentinels {
		out = append(out, Flag{ID: d.MeasurementID(si, int(slot)), Sensor: si, Slot: int(slot)})
	}
	return out
}

// PeriodStats pools the valid readings of one (parameter, unit) in one period.
type PeriodStats struct {
	Key            SeriesKey
	Start          time.Time
	Count          int // valid readings
	Locations      int // stations that contributed
	Mean, Min, Max float64
}

// Periods pools the set's valid readings per (parameter, unit) and calendar period of p,
// without materialising any reading: one pass over each sensor's column. Keys come sorted,
// periods in time order; periods without a valid reading are left out.
func (m MeasurementSet) Periods(p Period) []PeriodStats {
	if m.lo > m.hi {
		return nil
	}
	// The first slot of each period of the range.
	var starts []int
	var times []time.Time
	for slot := m.lo; slot <= m.hi; {
		start, end := periodAt(p, SlotTime(slot))
		starts, times = append(starts, slot), append(times, start)
		slot = max(slot+1, SlotAtOrAfter(end))
	}
	type acc struct {
		sum, lo, hi []float64
		n, locs     []int32
		last        []int32 // the last location counted in each period
	}
	accs := map[SeriesKey]*acc{}
	for _, si := range m.sensors {
		lo, hi, ok := m.span(si)
		if !ok {
			continue
		}
		s := &m.d.Sensors[si]
		key := SeriesKey{s.Parameter, s.Unit}
		a := accs[key]
		if a == nil {
			n := len(starts)
			a = &acc{sum: make([]float64, n), lo: make([]float64, n), hi: make([]float64, n), n: make([]int32, n),
				locs: make([]int32, n), last: make([]int32, n)}
			for i := range a.last {
				a.last[i], a.lo[i], a.hi[i] = -1, math.Inf(1), math.Inf(-1)
			}
			accs[key] = a
		}
		sentinel := int32(SentinelValue * s.scale)
		b, _ := slices.BinarySearch(starts, lo+1)
		b-- // the period holding lo
		for slot := lo; slot <= hi; slot++ {
			for b+1 < len(starts) && starts[b+1] <= slot {
				b++
			}
			raw := s.raw[slot-s.Start]
			if raw == sentinel {
				continue
			}
			v := float64(raw) / s.scale
			a.sum[b] += v
			a.n[b]++
			a.lo[b], a.hi[b] = math.Min(a.lo[b], v), math.Max(a.hi[b], v)
			if a.last[b] != int32(s.Location) {
				a.last[b] = int32(s.Location)
				a.locs[b]++
			}
		}
	}
	keys := make([]SeriesKey, 0, len(accs))
	for k := range accs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b SeriesKey) int {
		if c := strings.Compare(a.Parameter, b.Parameter); c != 0 {
			return c
		}
		return strings.Compare(a.Unit, b.Unit)
	})
	var out []PeriodStats
	for _, k := range keys {
		a := accs[k]
		for i := range starts {
			if a.n[i] > 0 {
				out = append(out, PeriodStats{Key: k, Start: times[i], Count: int(a.n[i]), Locations: int(a.locs[i]),
					Mean: a.sum[i] / float64(a.n[i]), Min: a.lo[i], Max: a.hi[i]})
			}
		}
	}
	return out
}
