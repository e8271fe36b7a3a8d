package oauth

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Store keeps the authorization server's records, each under a key with a time to live: in
// Redis when the replicas share one (MCP_REDIS_URL), so that any replica serves any client,
// otherwise in this process's memory. Values are opaque bytes: the server seals each record
// before it is stored (seal.go), so the store sees neither Jana's tokens nor whose they are.
// Tokens are stored only as their SHA-256, in the keys.
type Store interface {
	// Get returns the value of key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Add stores value under key for ttl unless key exists, and reports whether it did.
	Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Replace stores value under key, keeping key's time to live, only if key exists, and
	// reports whether it did (a record deleted meanwhile is not brought back).
	Replace(ctx context.Context, key string, value []byte) (bool, error)
	// Take returns the value of key and deletes it, in one step: two callers never both get
	// it. ErrNotFound when there is none.
	Take(ctx context.Context, key string) ([]byte, error)
	// Touch sets key's time to live to ttl if key exists, and reports whether it did.
	Touch(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Delete removes keys.
	Delete(ctx context.Context, keys ...string) error
	// Unlock deletes key if its value is value (a lock taken with Add).
	Unlock(ctx context.Context, key string, value []byte) error
}

// ErrNotFound is a key that does not exist (or expired).
var ErrNotFound = errors.New("not found")

// ErrStoreFull is a memory store at its bound.
var ErrStoreFull = errors.New("store full")

// MemoryStore is a Store in this process's memory, for a single replica. It holds at most
// maxEntries records: when full, new records are refused (ErrStoreFull) rather than old ones
// dropped, since a dropped record would sign someone out.
type MemoryStore struct {
	now        func() time.Time
	maxEntries int

	mu    sync.Mutex
	m     map[string]memoryEntry
	swept time.Time
}

type memoryEntry struct {
	value   []byte
	expires time.Time
}

// defaultMaxEntries bounds a memory store: about 200 bytes a record, some 40 MB at most.
const defaultMaxEntries = 200_000

// NewMemoryStore returns an empty memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{now: time.Now, maxEntries: defaultMaxEntries, m: map[string]memoryEntry{}}
}

// live returns key's entry if it has not expired; the caller holds mu.
func (s *MemoryStore) live(key string, now time.Time) (memoryEntry, bool) {
	e, ok := s.m[key]
	if !ok {
		return memoryEntry{}, false
	}
	if !now.Before(e.expires) {
		delete(s.m, key)
		return memoryEntry{}, false
	}
	return e, true
}

// room makes sure one more entry fits, sweeping expired entries at most once a second.
func (s *MemoryStore) room(now time.Time) error {
	if len(s.m) < s.maxEntries {
		return nil
	}
	if now.Sub(s.swept) >= time.Second {
		s.swept = now
		for k, e := range s.m {
			if !now.Before(e.expires) {
				delete(s.m, k)
			}
		}
	}
	if len(s.m) >= s.maxEntries {
		return ErrStoreFull
	}
	return nil
}

// Get implements Store.
func (s *MemoryStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key, s.now())
	if !ok {
		return nil, ErrNotFound
	}
	return e.value, nil
}

// Set implements Store.
func (s *MemoryStore) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if _, ok := s.live(key, now); !ok {
		if err := s.room(now); err != nil {
			return err
		}
	}
	s.m[key] = memoryEntry{value: value, expires: now.Add(ttl)}
	return nil
}

// Add implements Store.
func (s *MemoryStore) Add(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if _, ok := s.live(key, now); ok {
		return false, nil
	}
	if err := s.room(now); err != nil {
		return false, err
	}
	s.m[key] = memoryEntry{value: value, expires: now.Add(ttl)}
	return true, nil
}

// Replace implements Store.
func (s *MemoryStore) Replace(_ context.Context, key string, value []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key, s.now())
	if !ok {
		return false, nil
	}
	s.m[key] = memoryEntry{value: value, expires: e.expires}
	return true, nil
}

// Take implements Store.
func (s *MemoryStore) Take(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key, s.now())
	if !ok {
		return nil, ErrNotFound
	}
	delete(s.m, key)
	return e.value, nil
}

// Touch implements Store.
func (s *MemoryStore) Touch(_ context.Context, key string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	e, ok := s.live(key, now)
	if !ok {
		return false, nil
	}
	e.expires = now.Add(ttl)
	s.m[key] = e
	return true, nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, keys ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.m, k)
	}
	return nil
}

// Unlock implements Store.
func (s *MemoryStore) Unlock(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.live(key, s.now()); ok && string(e.value) == string(value) {
		delete(s.m, key)
	}
	return nil
}
