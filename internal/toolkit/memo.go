package toolkit

import (
	"context"
	"sync"
	"time"
)

// memo holds reference data the tools share across calls and users — where each source's
// data begins and ends, the sector catalogue — fetched from Jana at most once per ttl, and
// by one caller at a time.
type memo struct {
	mu      sync.Mutex
	entries map[string]*memoEntry
}

type memoEntry struct {
	mu      sync.Mutex // held while fetching
	value   any
	fetched time.Time
}

// Remember returns the value stored under key if it is younger than ttl, else the result of
// fetch, which is stored when it succeeds. Concurrent callers for one key wait for one fetch.
// A failed fetch falls back to an older value, when there is one.
func Remember[T any](ctx context.Context, env *Env, key string, ttl time.Duration, fetch func(context.Context) (T, error)) (T, error) {
	m := &env.memo
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[string]*memoEntry{}
	}
	e := m.entries[key]
	if e == nil {
		e = &memoEntry{}
		m.entries[key] = e
	}
	m.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if v, ok := e.value.(T); ok && time.Since(e.fetched) < ttl {
		return v, nil
	}
	v, err := fetch(ctx)
	if err != nil {
		if old, ok := e.value.(T); ok {
			return old, nil
		}
		return v, err
	}
	e.value, e.fetched = v, time.Now()
	return v, nil
}

// Remembered returns the value stored under key, however old, without fetching.
func Remembered[T any](env *Env, key string) (T, bool) {
	m := &env.memo
	m.mu.Lock()
	e := m.entries[key]
	m.mu.Unlock()
	var zero T
	if e == nil || !e.mu.TryLock() {
		return zero, false
	}
	defer e.mu.Unlock()
	v, ok := e.value.(T)
	return v, ok
}
