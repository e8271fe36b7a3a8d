package jana

import (
	"sync"
	"time"
)

// FakeClock is a clock tests move by hand, for cache expiry and age.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a clock standing at an arbitrary fixed time.
func NewFakeClock() *FakeClock {
	return &FakeClock{now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// WithClock returns opts whose response cache (and its store) reads time from c.
func WithClock(opts Options, c *FakeClock) Options {
	opts.clock = c
	return opts
}
