package chart

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"testing"
	"time"
)

func monthly(n int) Series {
	s := Series{Title: "pm25 trend, monthly", YLabel: "µg/m³"}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		s.Times = append(s.Times, t0.AddDate(0, i, 0))
		s.Values = append(s.Values, 20+5*math.Sin(float64(i)/2)-0.2*float64(i))
	}
	return s
}

func TestPNGDecodesAtTheAskedSize(t *testing.T) {
	t.Parallel()
	for _, size := range Sizes {
		data, err := PNG(monthly(24), size[0], size[1])
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%v: not a PNG: %v", size, err)
		}
		if b := img.Bounds(); b.Dx() != size[0] || b.Dy() != size[1] {
			t.Errorf("asked %v, got %dx%d", size, b.Dx(), b.Dy())
		}
	}
}

func TestBoundedShrinksOrRefuses(t *testing.T) {
	t.Parallel()
	s := monthly(36)
	big, err := PNG(s, Sizes[0][0], Sizes[0][1])
	if err != nil {
		t.Fatal(err)
	}
	data, w, h, err := Bounded(s, len(big)-1)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) >= len(big) || w >= Sizes[0][0] || h >= Sizes[0][1] {
		t.Errorf("under a bound below the largest image it drew %dx%d, %d bytes (largest %d)", w, h, len(data), len(big))
	}
	if _, _, _, err := Bounded(s, 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a 100-byte bound: %v, want ErrTooLarge", err)
	}
}

func TestPNGRejectsWhatItCannotDraw(t *testing.T) {
	t.Parallel()
	if _, err := PNG(Series{Times: []time.Time{time.Now()}, Values: []float64{math.NaN()}}, 480, 240); err == nil {
		t.Error("a series with no finite value drew")
	}
	if _, err := PNG(Series{Times: []time.Time{time.Now()}}, 480, 240); err == nil {
		t.Error("mismatched times and values drew")
	}
}
