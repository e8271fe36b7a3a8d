package testenv

import (
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// Figures worked out straight from the sandbox's dataset, for tests to check the tools'
// answers against.

// DayMean is one UTC day of a sensor's valid readings.
type DayMean struct {
	Mean  float64
	Count int
}

// SensorDays returns a sensor's valid readings (OpenAQ's -999 markers left out) per UTC day
// in [from, to).
func SensorDays(s *data.Sensor, from, to time.Time) map[time.Time]DayMean {
	sums := map[time.Time]*DayMean{}
	for slot := max(s.Start, data.SlotAtOrAfter(from)); slot < s.End() && data.SlotTime(slot).Before(to); slot++ {
		if s.IsSentinel(slot) {
			continue
		}
		d := data.SlotTime(slot).Truncate(24 * time.Hour)
		if sums[d] == nil {
			sums[d] = &DayMean{}
		}
		sums[d].Mean += s.Value(slot)
		sums[d].Count++
	}
	out := make(map[time.Time]DayMean, len(sums))
	for d, s := range sums {
		out[d] = DayMean{Mean: s.Mean / float64(s.Count), Count: s.Count}
	}
	return out
}

// PeriodMean is the mean of all the readings of days, and their number.
func PeriodMean(days map[time.Time]DayMean) (mean float64, readings int) {
	var sum float64
	for _, d := range days {
		sum += d.Mean * float64(d.Count)
		readings += d.Count
	}
	if readings == 0 {
		return 0, 0
	}
	return sum / float64(readings), readings
}

// LocationsNear returns the dataset's stations within km of [lon, lat], as Jana's radius
// filter has them.
func LocationsNear(d *data.Dataset, lon, lat, km float64) []*data.Location {
	var out []*data.Location
	for i := range d.Locations {
		l := &d.Locations[i]
		if data.HaversineKm(lon, lat, l.Lon, l.Lat) <= km {
			out = append(out, l)
		}
	}
	return out
}
