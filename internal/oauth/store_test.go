package oauth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// storeCase is a Store and a way to move its clock.
type storeCase struct {
	name    string
	store   Store
	advance func(time.Duration)
}

func stores(t *testing.T) []storeCase {
	t.Helper()
	mem := NewMemoryStore()
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	mem.now = func() time.Time { return time.Unix(0, now.Load()) }
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return []storeCase{
		{"memory", mem, func(d time.Duration) { now.Add(int64(d)) }},
		{"redis", NewRedisStore(rdb), mr.FastForward},
	}
}

// TestStores: the memory and the Redis store behave alike — expiry, add-if-absent,
// replace-if-present keeping the expiry (a deleted record is not brought back), take-once
// under concurrency, touch, delete, unlock of one's own lock only.
func TestStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, sc := range stores(t) {
		t.Run(sc.name, func(t *testing.T) {
			s := sc.store
			if _, err := s.Get(ctx, "missing"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get of a missing key: %v", err)
			}
			if err := s.Set(ctx, "a", []byte("1"), 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if v, err := s.Get(ctx, "a"); err != nil || string(v) != "1" {
				t.Errorf("Get: %q %v", v, err)
			}
			if ok, _ := s.Add(ctx, "a", []byte("2"), time.Minute); ok {
				t.Error("Add over an existing key")
			}
			if ok, err := s.Replace(ctx, "a", []byte("3")); !ok || err != nil {
				t.Errorf("Replace: %v %v", ok, err)
			}
			sc.advance(11 * time.Second) // Replace kept the 10 s
			if _, err := s.Get(ctx, "a"); !errors.Is(err, ErrNotFound) {
				t.Errorf("after its time to live: %v", err)
			}
			if ok, _ := s.Replace(ctx, "a", []byte("4")); ok {
				t.Error("Replace brought back an expired key")
			}
			if ok, _ := s.Add(ctx, "a", []byte("5"), time.Minute); !ok {
				t.Error("Add of an expired key")
			}
			if ok, _ := s.Touch(ctx, "a", 2*time.Minute); !ok {
				t.Error("Touch of a live key")
			}
			sc.advance(90 * time.Second)
			if v, err := s.Get(ctx, "a"); err != nil || string(v) != "5" {
				t.Errorf("Touch did not extend the life: %q %v", v, err)
			}
			if ok, _ := s.Touch(ctx, "nothing", time.Minute); ok {
				t.Error("Touch of a missing key")
			}

			// Take: one winner among many.
			_ = s.Set(ctx, "code", []byte("c"), time.Minute)
			var wins atomic.Int32
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					if v, err := s.Take(ctx, "code"); err == nil && string(v) == "c" {
						wins.Add(1)
					}
				})
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Errorf("Take: %d winners", wins.Load())
			}

			// Locks: only the holder's value unlocks.
			if ok, _ := s.Add(ctx, "lock", []byte("mine"), time.Minute); !ok {
				t.Fatal("lock")
			}
			_ = s.Unlock(ctx, "lock", []byte("theirs"))
			if _, err := s.Get(ctx, "lock"); err != nil {
				t.Error("another holder's value unlocked the lock")
			}
			_ = s.Unlock(ctx, "lock", []byte("mine"))
			if _, err := s.Get(ctx, "lock"); !errors.Is(err, ErrNotFound) {
				t.Error("the holder could not unlock")
			}
			_ = s.Set(ctx, "x", []byte("1"), time.Minute)
			_ = s.Set(ctx, "y", []byte("1"), time.Minute)
			if err := s.Delete(ctx, "x", "y"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(ctx, "y"); !errors.Is(err, ErrNotFound) {
				t.Error("Delete")
			}
		})
	}
}

// TestMemoryStoreBound: a full memory store refuses new records rather than dropping live
// ones (which would sign someone out), and takes new ones again once some expired.
func TestMemoryStoreBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewMemoryStore()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	s.maxEntries = 3
	for i, k := range []string{"a", "b", "c"} {
		if err := s.Set(ctx, k, []byte{byte(i)}, time.Duration(i+1)*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Set(ctx, "d", nil, time.Minute); !errors.Is(err, ErrStoreFull) {
		t.Errorf("a fourth record: %v", err)
	}
	if err := s.Set(ctx, "a", []byte("again"), time.Minute); err != nil {
		t.Errorf("replacing a record of a full store: %v", err)
	}
	now = now.Add(150 * time.Second) // a and b expired
	if err := s.Set(ctx, "d", nil, time.Minute); err != nil {
		t.Errorf("after expiry: %v", err)
	}
	if _, err := s.Get(ctx, "c"); err != nil {
		t.Error("a live record was dropped")
	}
}

// TestRedisStoreDown: with Redis gone every operation fails (no quiet fallback to memory,
// which would sign users in on one replica only).
func TestRedisStoreDown(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	defer rdb.Close()
	s := NewRedisStore(rdb)
	s.timeout = 500 * time.Millisecond
	mr.Close()
	ctx := context.Background()
	if _, err := s.Get(ctx, "a"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Get with Redis down: %v", err)
	}
	if err := s.Set(ctx, "a", nil, time.Minute); err == nil {
		t.Error("Set with Redis down succeeded")
	}
}
