package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisClient is what RedisStore needs of a go-redis client (*redis.Client is one): the
// replicas share the connection internal/cluster opened.
type RedisClient interface {
	Get(ctx context.Context, key string) *redis.StringCmd
	Set(ctx context.Context, key string, value any, expiration time.Duration) *redis.StatusCmd
	SetArgs(ctx context.Context, key string, value any, a redis.SetArgs) *redis.StatusCmd
	GetDel(ctx context.Context, key string) *redis.StringCmd
	PExpire(ctx context.Context, key string, expiration time.Duration) *redis.BoolCmd
	Del(ctx context.Context, keys ...string) *redis.IntCmd
	EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd
	Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd
	EvalRO(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd
	EvalShaRO(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd
	ScriptExists(ctx context.Context, hashes ...string) *redis.BoolSliceCmd
	ScriptLoad(ctx context.Context, script string) *redis.StringCmd
}

// RedisStore is a Store in Redis, shared by every replica. Keys are prefixed with
// "jana-mcp:oauth:". Unlike the replicas' other shared state it does not fall back to local
// memory when Redis is down: a sign-in known to one replica only would be refused by the
// others, so its operations fail and the server answers 503 until Redis is back.
type RedisStore struct {
	rdb     RedisClient
	timeout time.Duration
}

// redisTimeout bounds one operation: a sign-in is worth a longer wait than a rate limit.
const redisTimeout = 2 * time.Second

// NewRedisStore returns a store on rdb.
func NewRedisStore(rdb RedisClient) *RedisStore { return &RedisStore{rdb: rdb, timeout: redisTimeout} }

const redisPrefix = "jana-mcp:oauth:"

func (s *RedisStore) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
}

// Get implements Store.
func (s *RedisStore) Get(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	v, err := s.rdb.Get(ctx, redisPrefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	return v, err
}

// Set implements Store.
func (s *RedisStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return s.rdb.Set(ctx, redisPrefix+key, value, ttl).Err()
}

// Add implements Store.
func (s *RedisStore) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	err := s.rdb.SetArgs(ctx, redisPrefix+key, value, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return err == nil, err
}

// Replace implements Store.
func (s *RedisStore) Replace(ctx context.Context, key string, value []byte) (bool, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	err := s.rdb.SetArgs(ctx, redisPrefix+key, value, redis.SetArgs{Mode: "XX", KeepTTL: true}).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return err == nil, err
}

// Take implements Store.
func (s *RedisStore) Take(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	v, err := s.rdb.GetDel(ctx, redisPrefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	return v, err
}

// Touch implements Store.
func (s *RedisStore) Touch(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return s.rdb.PExpire(ctx, redisPrefix+key, ttl).Result()
}

// Delete implements Store.
func (s *RedisStore) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = redisPrefix + k
	}
	return s.rdb.Del(ctx, full...).Err()
}

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Unlock implements Store.
func (s *RedisStore) Unlock(ctx context.Context, key string, value []byte) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return unlockScript.Run(ctx, s.rdb, []string{redisPrefix + key}, value).Err()
}
