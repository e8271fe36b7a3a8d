package data

import (
	"math"
	"slices"
	"strings"
	"time"
)

// LocationFilter selects OpenAQ locations. Zero fields match everything.
type LocationFilter struct {
	Spatial     Spatial
	CountryISO2 []string // upper-case ISO 3166-1 alpha-2 codes
	CountryISO3 []string // upper-case ISO 3166-1 alpha-3 codes (unified API)
	IDs         []int
	IsMobile    *bool
	IsMonitor   *bool
	Parameters  []string // location measures at least one of them
	Search      string   // case-insensitive substring of name or locality
}

// FilterLocations returns the indices of matching locations in id order.
func (d *Dataset) FilterLocations(f LocationFilter) []int {
	search := strings.ToLower(f.Search)
	var out []int
	for i := range d.Locations {
		l := &d.Locations[i]
		if len(f.IDs) > 0 && !slices.Contains(f.IDs, l.ID) {
			continue
		}
		if len(f.CountryISO2) > 0 && !slices.Contains(f.CountryISO2, l.CountryISO2) {
			continue
		}
		if len(f.CountryISO3) > 0 && !slices.Contains(f.CountryISO3, l.CountryISO3) {
			continue
		}
		if f.IsMobile != nil && l.IsMobile != *f.IsMobile {
			continue
		}
		if f.IsMonitor != nil && l.IsMonitor != *f.IsMonitor {
			continue
		}
		if len(f.Parameters) > 0 && !slices.ContainsFunc(l.Parameters, func(p string) bool { return slices.Contains(f.Parameters, p) }) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(l.Name), search) &&
			!strings.Contains(strings.ToLower(l.Locality), search) {
			continue
		}
		if !f.Spatial.Match(l.Lon, l.Lat) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// LocationByID returns the location with that id.
func (d *Dataset) LocationByID(id int) (*Location, bool) {
	if id < 1 || id > len(d.Locations) {
		return nil, false
	}
	return &d.Locations[id-1], true
}

// MeasurementFilter selects OpenAQ readings.
type MeasurementFilter struct {
	Locations  LocationFilter
	Parameters []string
	From, To   *time.Time
	// MinQuality drops whole sensors below this quality score and, when positive, -999 readings.
	MinQuality float64
}

// MeasurementSet is the result of a measurement filter: a set of sensors and an inclusive slot
// range. It counts and pages readings without materialising them.
type MeasurementSet struct {
	d          *Dataset
	sensors    []int // ascending
	lo, hi     int   // inclusive slot range; lo > hi means empty
	noSentinel bool
}

// Measurements resolves a filter.
func (d *Dataset) Measurements(f MeasurementFilter) MeasurementSet {
	m := MeasurementSet{d: d, lo: 0, hi: MeasurementSlots - 1, noSentinel: f.MinQuality > 0}
	if f.From != nil {
		m.lo = SlotAtOrAfter(*f.From)
	}
	if f.To != nil {
		m.hi = SlotAtOrBefore(*f.To)
	}
	for _, li := range d.FilterLocations(f.Locations) {
		for _, si := range d.Locations[li].Sensors {
			s := &d.Sensors[si]
			if len(f.Parameters) > 0 && !slices.Contains(f.Parameters, s.Parameter) {
				continue
			}
			if s.Quality < f.MinQuality {
				continue
			}
			m.sensors = append(m.sensors, si)
		}
	}
	slices.Sort(m.sensors)
	return m
}

// Sensors are the indices of the sensors in the set.
func (m MeasurementSet) Sensors() []int { return m.sensors }

// Range is the inclusive slot range of the set.
func (m MeasurementSet) Range() (lo, hi int) { return m.lo, m.hi }

// span is the part of sensor si inside the set's range, inclusive; ok is false when empty.
func (m MeasurementSet) span(si int) (lo, hi int, ok bool) {
	s := &m.d.Sensors[si]
	lo, hi = max(m.lo, s.Start), min(m.hi, s.End()-1)
	return lo, hi, lo <= hi
}

// Count is the number of readings in the set.
func (m MeasurementSet) Count() int64 {
	var n int64
	for _, si := range m.sensors {
		if lo, hi, ok := m.span(si); ok {
			n += int64(hi - lo + 1)
			if m.noSentinel {
				n -= int64(m.d.Sensors[si].SentinelCount(lo, hi))
			}
		}
	}
	return n
}

// Ref points at one reading.
type Ref struct {
	Sensor int // index into Dataset.Sensors
	Slot   int
}

// perSlotCounts returns, for every slot of the range, how many readings it holds.
func (m MeasurementSet) perSlotCounts() []int32 {
	if m.lo > m.hi {
		return nil
	}
	n := m.hi - m.lo + 1
	diff := make([]int32, n+1)
	for _, si := range m.sensors {
		lo, hi, ok := m.span(si)
		if !ok {
			continue
		}
		diff[lo-m.lo]++
		diff[hi-m.lo+1]--
		if m.noSentinel {
			s := &m.d.Sensors[si]
			a, _ := slices.BinarySearch(s.sentinels, int32(lo))
			for _, sl := range s.sentinels[a:] {
				if int(sl) > hi {
					break
				}
				// Subtract the sentinel at its own slot only.
				diff[int(sl)-m.lo]--
				diff[int(sl)-m.lo+1]++
			}
		}
	}
	counts := make([]int32, n)
	var run int32
	for i := 0; i < n; i++ {
		run += diff[i]
		counts[i] = run
	}
	return counts
}

// PageByTime returns readings [offset, offset+limit) ordered by (measured_at, sensor), or the
// reverse when desc is set. It touches only the slots the page needs.
func (m MeasurementSet) PageByTime(offset, limit int, desc bool) []Ref {
	counts := m.perSlotCounts()
	if len(counts) == 0 || limit <= 0 {
		return nil
	}
	out := make([]Ref, 0, limit)
	skip := offset
	visit := func(i int) bool {
		c := int(counts[i])
		if skip >= c {
			skip -= c
			return true
		}
		slot := m.lo + i
		emit := func(si int) bool {
			s := &m.d.Sensors[si]
			if slot < s.Start || slot >= s.End() || (m.noSentinel && s.IsSentinel(slot)) {
				return true
			}
			if skip > 0 {
				skip--
				return true
			}
			out = append(out, Ref{Sensor: si, Slot: slot})
			return len(out) < limit
		}
		if desc {
			for k := len(m.sensors) - 1; k >= 0; k-- {
				if !emit(m.sensors[k]) {
					return false
				}
			}
		} else {
			for _, si := range m.sensors {
				if !emit(si) {
					return false
				}
			}
		}
		return true
	}
	if desc {
		for i := len(counts) - 1; i >= 0; i-- {
			if !visit(i) {
				break
			}
		}
	} else {
		for i := range counts {
			if !visit(i) {
				break
			}
		}
	}
	return out
}

// PageByValue returns readings [offset, offset+limit) ordered by (value, id), or the reverse.
// It keeps only the best offset+limit candidates while scanning.
func (m MeasurementSet) PageByValue(offset, limit int, desc bool) []Ref {
	k := offset + limit
	if k <= 0 {
		return nil
	}
	type cand struct {
		v  float64
		id int64
		r  Ref
	}
	// less reports whether a sorts before b in the requested order.
	less := func(a, b cand) bool {
		if a.v != b.v {
			if desc {
				return a.v > b.v
			}
			return a.v < b.v
		}
		if desc {
			return a.id > b.id
		}
		return a.id < b.id
	}
	// h is a max-heap (by the requested order) of the k best candidates so far.
	h := make([]cand, 0, min(k, 4096))
	up := func(i int) {
		for i > 0 {
			p := (i - 1) / 2
			if !less(h[p], h[i]) {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
	}
	down := func(i int) {
		for {
			l, r, big := 2*i+1, 2*i+2, i
			if l < len(h) && less(h[big], h[l]) {
				big = l
			}
			if r < len(h) && less(h[big], h[r]) {
				big = r
			}
			if big == i {
				return
			}
			h[i], h[big] = h[big], h[i]
			i = big
		}
	}
	for _, si := range m.sensors {
		lo, hi, ok := m.span(si)
		if !ok {
			continue
		}
		s := &m.d.Sensors[si]
		for slot := lo; slot <= hi; slot++ {
			if m.noSentinel && s.IsSentinel(slot) {
				continue
			}
			c := cand{v: s.Value(slot), id: m.d.MeasurementID(si, slot), r: Ref{si, slot}}
			if len(h) < k {
				h = append(h, c)
				up(len(h) - 1)
			} else if less(c, h[0]) {
				h[0] = c
				down(0)
			}
		}
	}
	slices.SortFunc(h, func(a, b cand) int {
		if less(a, b) {
			return -1
		}
		if less(b, a) {
			return 1
		}
		return 0
	})
	if offset >= len(h) {
		return nil
	}
	out := make([]Ref, 0, len(h)-offset)
	for _, c := range h[offset:] {
		out = append(out, c.r)
	}
	return out
}

// MeasurementTotals summarises a set of readings.
type MeasurementTotals struct {
	RecordCount    int64
	LocationCount  int
	ParameterCount int
	Earliest       *time.Time
	Latest         *time.Time
	// Average, Minimum and Maximum are over the values counted (NaN without any).
	Average, Minimum, Maximum float64
}

// valueStats is the sum, minimum and maximum of a sensor's readings in slots [lo, hi],
// -999 sentinels included unless noSentinel.
func (m MeasurementSet) valueStats(s *Sensor, lo, hi int) (sum, lowest, highest float64) {
	lowest, highest = math.Inf(1), math.Inf(-1)
	for _, raw := range s.raw[lo-s.Start : hi-s.Start+1] {
		v := float64(raw) / s.scale
		if m.noSentinel && v == SentinelValue {
			continue
		}
		sum += v
		lowest, highest = math.Min(lowest, v), math.Max(highest, v)
	}
	return sum, lowest, highest
}

// Totals counts readings, locations and parameters and finds the time range.
func (m MeasurementSet) Totals() MeasurementTotals {
	t := MeasurementTotals{Minimum: math.Inf(1), Maximum: math.Inf(-1)}
	var sum float64
	locs := map[int]bool{}
	params := map[string]bool{}
	first, last := math.MaxInt, -1
	for _, si := range m.sensors {
		lo, hi, ok := m.span(si)
		if !ok {
			continue
		}
		n := int64(hi - lo + 1)
		if m.noSentinel {
			n -= int64(m.d.Sensors[si].SentinelCount(lo, hi))
		}
		t.RecordCount += n
		sv, lv, hv := m.valueStats(&m.d.Sensors[si], lo, hi)
		sum, t.Minimum, t.Maximum = sum+sv, math.Min(t.Minimum, lv), math.Max(t.Maximum, hv)
		locs[m.d.Sensors[si].Location] = true
		params[m.d.Sensors[si].Parameter] = true
		first, last = min(first, lo), max(last, hi)
	}
	t.LocationCount, t.ParameterCount = len(locs), len(params)
	t.Average = sum / float64(t.RecordCount)
	if t.RecordCount == 0 {
		t.Average, t.Minimum, t.Maximum = math.NaN(), math.NaN(), math.NaN()
	}
	if last >= 0 {
		e, l := SlotTime(first), SlotTime(last)
		t.Earliest, t.Latest = &e, &l
	}
	return t
}

// ParameterTotal aggregates one parameter in one unit. Like the real backend, averages and
// minima include -999 sentinels.
type ParameterTotal struct {
	Parameter     string
	Unit          string
	RecordCount   int64
	LocationCount int
	Average       float64
	Minimum       float64
	Maximum       float64
}

// ParameterTotals aggregates per (parameter, unit), ordered by parameter then unit.
func (m MeasurementSet) ParameterTotals() []ParameterTotal {
	type acc struct {
		ParameterTotal
		sum  float64
		locs map[int]bool
	}
	groups := map[[2]string]*acc{}
	for _, si := range m.sensors {
		lo, hi, ok := m.span(si)
		if !ok {
			continue
		}
		s := &m.d.Sensors[si]
		key := [2]string{s.Parameter, s.Unit}
		g := groups[key]
		if g == nil {
			g = &acc{ParameterTotal: ParameterTotal{Parameter: s.Parameter, Unit: s.Unit,
				Minimum: math.Inf(1), Maximum: math.Inf(-1)}, locs: map[int]bool{}}
			groups[key] = g
		}
		g.locs[s.Location] = true
		for _, raw := range s.raw[lo-s.Start : hi-s.Start+1] {
			v := float64(raw) / s.scale
			g.sum += v
			g.Minimum = math.Min(g.Minimum, v)
			g.Maximum = math.Max(g.Maximum, v)
		}
		g.RecordCount += int64(hi - lo + 1)
	}
	out := make([]ParameterTotal, 0, len(groups))
	for _, g := range groups {
		g.LocationCount = len(g.locs)
		g.Average = g.sum / float64(g.RecordCount)
		out = append(out, g.ParameterTotal)
	}
	slices.SortFunc(out, func(a, b ParameterTotal) int {
		if c := strings.Compare(a.Parameter, b.Parameter); c != 0 {
			return c
		}
		return strings.Compare(a.Unit, b.Unit)
	})
	return out
}

// CountryTotal counts readings in one country (ISO-2).
type CountryTotal struct {
	CountryISO2    string
	CountryName    string
	RecordCount    int64
	LocationCount  int
	ParameterCount int
	Average        float64 // of all values counted, every parameter together
}

// CountryTotals aggregates per country, ordered by ISO-2 code.
func (m MeasurementSet) CountryTotals() []CountryTotal {
	type acc struct {
		CountryTotal
		sum    float64
		locs   map[int]bool
		params map[string]bool
	}
	groups := map[string]*acc{}
	for _, si := range m.sensors {
		lo, hi, ok := m.span(si)
		if !ok {
			continue
		}
		s := &m.d.Sensors[si]
		l := &m.d.Locations[s.Location]
		g := groups[l.CountryISO2]
		if g == nil {
			g = &acc{CountryTotal: CountryTotal{CountryISO2: l.CountryISO2, CountryName: l.CountryName},
				locs: map[int]bool{}, params: map[string]bool{}}
			groups[l.CountryISO2] = g
		}
		g.RecordCount += int64(hi - lo + 1)
		sv, _, _ := m.valueStats(s, lo, hi)
		g.sum += sv
		g.locs[s.Location] = true
		g.params[s.Parameter] = true
	}
	out := make([]CountryTotal, 0, len(groups))
	for _, g := range groups {
		g.LocationCount, g.ParameterCount = len(g.locs), len(g.params)
		g.Average = g.sum / float64(g.RecordCount)
		out = append(out, g.CountryTotal)
	}
	slices.SortFunc(out, func(a, b CountryTotal) int { return strings.Compare(a.CountryISO2, b.CountryISO2) })
	return out
}
