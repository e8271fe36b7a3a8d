package jana

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore is a Store shared by replicas. Keys are hashed, so neither tokens (never in keys
// anyway) nor query strings appear in Redis. A Redis failure is a cache miss, never an error,
// and never a long wait: operations have a short budget, and after a failure Redis is left
// alone for a moment.
type RedisStore struct {
	client    *redis.Client
	logger    *slog.Logger
	now       func() time.Time // entry ages
	downUntil atomic.Int64     // unix nanos: Redis failed, skip it until then
}

// redisTimeout bounds one Redis operation: a cache slower than Jana is no cache. (With Redis
// down, go-redis's own retries and dial attempts made each lookup take over a second.)
const redisTimeout = 250 * time.Millisecond

// redisCooldown is how long the store stays out of the way after Redis failed, so that a Redis
// that is down costs one timeout per cooldown instead of one per backend call.
const redisCooldown = time.Second

// NewRedisStore connects to the redis:// URL. The URL may hold a password; it is not logged.
func NewRedisStore(rawURL string, logger *slog.Logger) (*RedisStore, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, errors.New("invalid redis URL") // the parse error may quote the password
	}
	opts.ContextTimeoutEnabled = true // socket waits end with the operation's budget
	return NewRedisStoreFrom(redis.NewClient(opts), logger), nil
}

// NewRedisStoreFrom uses a client that others share (the cluster's); closing the store closes
// it too, so only its owner should.
func NewRedisStoreFrom(client *redis.Client, logger *slog.Logger) *RedisStore {
	return &RedisStore{client: client, logger: logger, now: time.Now}
}

// available reports whether Redis is worth asking (it has not failed in the last cooldown).
func (r *RedisStore) available() bool { return time.Now().UnixNano() >= r.downUntil.Load() }

// failed starts a cooldown, logging the failure once per cooldown.
func (r *RedisStore) failed(op string, err error) {
	now := time.Now().UnixNano()
	if prev := r.downUntil.Swap(now + int64(redisCooldown)); now >= prev {
		r.logger.Warn("redis cache unavailable; serving without it for a moment", "op", op, "err", err, "cooldown", redisCooldown)
	}
}

// Close releases the connection pool.
func (r *RedisStore) Close() error { return r.client.Close() }

func redisKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "jana-mcp:v1:" + hex.EncodeToString(sum[:])
}

// Get implements Store.
func (r *RedisStore) Get(ctx context.Context, key string) (*Entry, bool) {
	if !r.available() {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	data, err := r.client.Get(ctx, redisKey(key)).Bytes()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			r.failed("get", err)
		}
		return nil, false
	}
	e, ok := decodeEntry(data)
	if !ok || r.now().Sub(e.Stored) >= e.TTL {
		return nil, false
	}
	return e, true
}

// Set implements Store.
func (r *RedisStore) Set(ctx context.Context, key string, e *Entry) {
	if !r.available() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	if err := r.client.Set(ctx, redisKey(key), encodeEntry(e), e.TTL).Err(); err != nil {
		r.failed("set", err)
	}
}

// Entry wire format: status u16 | stored unix-nano i64 | ttl i64 | len(ct) u16 | ct | body.
func encodeEntry(e *Entry) []byte {
	b := make([]byte, 0, 20+len(e.ContentType)+len(e.Body))
	b = binary.BigEndian.AppendUint16(b, uint16(e.Status))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Stored.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(e.TTL))
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.ContentType)))
	b = append(b, e.ContentType...)
	return append(b, e.Body...)
}

func decodeEntry(b []byte) (*Entry, bool) {
	if len(b) < 20 {
		return nil, false
	}
	e := &Entry{
		Status: int(binary.BigEndian.Uint16(b)),
		Stored: time.Unix(0, int64(binary.BigEndian.Uint64(b[2:]))),
		TTL:    time.Duration(binary.BigEndian.Uint64(b[10:])),
	}
	n := int(binary.BigEndian.Uint16(b[18:]))
	if len(b) < 20+n {
		return nil, false
	}
	e.ContentType = string(b[20 : 20+n])
	e.Body = b[20+n:]
	return e, true
}
