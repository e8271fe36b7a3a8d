package data

import (
	"slices"
	"strings"
	"time"
)

// Resolution is a bucket size for aggregated OpenAQ readings.
type Resolution uint8

// Resolutions. Raw and hourly coincide: readings are three-hourly.
const (
	ResRaw Resolution = iota
	ResHourly
	ResDaily
	ResWeekly
	ResMonthly
)

// bucketOf maps a slot to its bucket number (monotonic in slot) and the bucket's start.
func bucketOf(res Resolution, slot int) (int, time.Time) {
	switch res {
	case ResDaily:
		day := slot / 8
		return day, MeasurementStart.AddDate(0, 0, day)
	case ResWeekly:
		// Weeks start on Monday; the grid starts on Tuesday 2024-10-01.
		week := (slot/8 + 1) / 7
		return week, MeasurementStart.AddDate(0, 0, week*7-1)
	case ResMonthly:
		t := SlotTime(slot)
		m := (t.Year()-MeasurementStart.Year())*12 + int(t.Month()-MeasurementStart.Month())
		return m, time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	default:
		return slot, SlotTime(slot)
	}
}

// Bucket is one aggregation period clipped to a slot range.
type Bucket struct {
	Start  time.Time // calendar start of the period
	Lo, Hi int       // inclusive slots of the period inside the range
}

// Buckets splits the inclusive slot range [lo, hi] into periods of res.
func Buckets(res Resolution, lo, hi int) []Bucket {
	var out []Bucket
	prev := -1
	for slot := lo; slot <= hi; slot++ {
		b, start := bucketOf(res, slot)
		if b != prev {
			out = append(out, Bucket{Start: start, Lo: slot, Hi: slot})
			prev = b
			continue
		}
		out[len(out)-1].Hi = slot
	}
	return out
}

// AQRecord is one (possibly aggregated) air-quality record of the unified API.
type AQRecord struct {
	Sensor int // index into Dataset.Sensors
	Start  time.Time
	Value  float64 // mean of valid readings; -999 when the period has none
	Count  int     // readings in the period
	Valid  int     // readings that are not -999
}

// Unified pages air-quality records for the unified API: newest period first, then by sensor.
// Raw readings carry -999 unless the set excludes sentinels; aggregated periods average the
// valid readings only. It returns the page and the total number of records.
func (m MeasurementSet) Unified(res Resolution, offset, limit int) ([]AQRecord, int64) {
	if res == ResRaw || res == ResHourly {
		refs := m.PageByTime(offset, limit, true)
		out := make([]AQRecord, len(refs))
		for i, r := range refs {
			s := &m.d.Sensors[r.Sensor]
			v := s.Value(r.Slot)
			valid := 1
			if s.IsSentinel(r.Slot) {
				valid = 0
			}
			out[i] = AQRecord{Sensor: r.Sensor, Start: SlotTime(r.Slot), Value: v, Count: 1, Valid: valid}
		}
		return out, m.Count()
	}
	if m.lo > m.hi {
		return nil, 0
	}
	buckets := Buckets(res, m.lo, m.hi)
	// Which buckets each sensor covers, and how many records each bucket holds.
	type cover struct{ first, last int }
	covers := make([]cover, len(m.sensors))
	perBucket := make([]int, len(buckets)+1)
	var total int64
	for k, si := range m.sensors {
		lo, hi, ok := m.span(si)
		if !ok {
			covers[k] = cover{1, 0}
			continue
		}
		first := bucketIndex(buckets, lo)
		last := bucketIndex(buckets, hi)
		covers[k] = cover{first, last}
		perBucket[first]++
		perBucket[last+1]--
		total += int64(last - first + 1)
	}
	for i := 1; i < len(perBucket); i++ {
		perBucket[i] += perBucket[i-1]
	}
	var out []AQRecord
	skip := offset
	for b := len(buckets) - 1; b >= 0 && len(out) < limit; b-- {
		if skip >= perBucket[b] {
			skip -= perBucket[b]
			continue
		}
		for k, si := range m.sensors {
			if b < covers[k].first || b > covers[k].last {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if len(out) == limit {
				break
			}
			out = append(out, m.aggregate(si, buckets[b]))
		}
	}
	return out, total
}

func bucketIndex(buckets []Bucket, slot int) int {
	i, _ := slices.BinarySearchFunc(buckets, slot, func(b Bucket, s int) int {
		switch {
		case b.Hi < s:
			return -1
		case b.Lo > s:
			return 1
		}
		return 0
	})
	return i
}

func (m MeasurementSet) aggregate(si int, b Bucket) AQRecord {
	s := &m.d.Sensors[si]
	lo, hi := max(b.Lo, s.Start), min(b.Hi, s.End()-1)
	rec := AQRecord{Sensor: si, Start: b.Start, Value: SentinelValue}
	var sum float64
	for slot := lo; slot <= hi; slot++ {
		rec.Count++
		if s.IsSentinel(slot) {
			continue
		}
		rec.Valid++
		sum += s.Value(slot)
	}
	if rec.Valid > 0 {
		rec.Value = sum / float64(rec.Valid)
	}
	return rec
}

// SeriesKey identifies a series: readings of one parameter in one unit are never mixed.
type SeriesKey struct{ Parameter, Unit string }

// SeriesPoint is the pooled mean of all valid readings in one period.
type SeriesPoint struct {
	Start time.Time
	Mean  float64
	Count int
}

// Series aggregates the set into one series per (parameter, unit), periods of res, skipping
// -999 readings and empty periods. Keys come back sorted.
func (m MeasurementSet) Series(res Resolution) ([]SeriesKey, map[SeriesKey][]SeriesPoint) {
	if m.lo > m.hi {
		return nil, nil
	}
	buckets := Buckets(res, m.lo, m.hi)
	type acc struct {
		sum []float64
		n   []int
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
			a = &acc{sum: make([]float64, len(buckets)), n: make([]int, len(buckets))}
			accs[key] = a
		}
		b := bucketIndex(buckets, lo)
		sentinel := int32(SentinelValue * s.scale)
		for slot := lo; slot <= hi; slot++ {
			for slot > buckets[b].Hi {
				b++
			}
			raw := s.raw[slot-s.Start]
			if raw == sentinel {
				continue
			}
			a.sum[b] += float64(raw) / s.scale
			a.n[b]++
		}
	}
	keys := make([]SeriesKey, 0, len(accs))
	out := make(map[SeriesKey][]SeriesPoint, len(accs))
	for k, a := range accs {
		keys = append(keys, k)
		var pts []SeriesPoint
		for i, b := range buckets {
			if a.n[i] > 0 {
				pts = append(pts, SeriesPoint{Start: b.Start, Mean: a.sum[i] / float64(a.n[i]), Count: a.n[i]})
			}
		}
		out[k] = pts
	}
	slices.SortFunc(keys, func(a, b SeriesKey) int {
		if c := strings.Compare(a.Parameter, b.Parameter); c != 0 {
			return c
		}
		return strings.Compare(a.Unit, b.Unit)
	})
	return keys, out
}
