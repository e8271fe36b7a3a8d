package chart

import (
	"math"
	"testing"
	"time"
)

// TestPNGEdgeCases: series a trend can hold draw, or fail with an error, never panic.
func TestPNGEdgeCases(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, s := range map[string]Series{
		"one point":       {Times: []time.Time{t0}, Values: []float64{3}},
		"same time":       {Times: []time.Time{t0, t0}, Values: []float64{1, 2}},
		"flat":            {Times: []time.Time{t0, t0.AddDate(0, 1, 0)}, Values: []float64{5, 5}},
		"zeros":           {Times: []time.Time{t0, t0.AddDate(0, 1, 0)}, Values: []float64{0, 0}},
		"negative":        {Times: []time.Time{t0, t0.AddDate(0, 1, 0)}, Values: []float64{-5, -1e6}},
		"huge":            {Times: []time.Time{t0, t0.AddDate(0, 1, 0)}, Values: []float64{1e300, -1e300}},
		"tiny":            {Times: []time.Time{t0, t0.Add(time.Second)}, Values: []float64{1e-300, 2e-300}},
		"infinite":        {Times: []time.Time{t0, t0.AddDate(0, 1, 0)}, Values: []float64{math.Inf(1), 2}},
		"long title":      {Title: string(make([]byte, 500)), Times: []time.Time{t0, t0.AddDate(1, 0, 0)}, Values: []float64{1, 2}},
		"far apart years": {Times: []time.Time{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, Values: []float64{1, 2}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, _ = PNG(s, 480, 240) // an error is fine; a panic fails the test
		})
	}
}
