// Package cluster is the state jana-mcp replicas share through Redis, so that several of them
// behind a plain load balancer act as one server: the session registry (which replica owns a
// session, and where that replica can be reached), rate limits, per-caller session caps and
// shares of calls in flight. Every operation has a short budget; when Redis fails, callers
// fall back to their replica's own memory (each method says how) and Redis is left alone for a
// moment, so that a dead Redis costs one timeout per cooldown, not one per request.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// DefaultTimeout bounds one Redis operation unless Options say otherwise: shared state slower
// than this is worse than none.
const DefaultTimeout = 150 * time.Millisecond

// cooldown is how long Redis is left alone after it failed.
const cooldown = time.Second

// ErrUnavailable means Redis did not answer (or is in its cooldown): use local state.
var ErrUnavailable = errors.New("shared state unavailable")

// Observer is told when shared state becomes unavailable and available again (metrics).
type Observer interface {
	RedisAvailable(up bool)
}

// Options configure a Cluster.
type Options struct {
	// RedisURL is redis:// or rediss://; it may hold a password and is never logged.
	RedisURL string
	// Advertise is the base URL other replicas reach this one at (its internal address).
	Advertise string
	// TTL is how long a replica's registrations outlive its last heartbeat.
	TTL time.Duration
	// Timeout bounds one Redis operation (DefaultTimeout when zero).
	Timeout  time.Duration
	Logger   *slog.Logger
	Observer Observer
}

// Cluster is this replica's view of the shared state.
type Cluster struct {
	rdb       *redis.Client
	limiter   *redis_rate.Limiter
	id        string                 // this replica's id: the prefix of the session ids it mints
	advertise atomic.Pointer[string] // this replica's internal address
	ttl       time.Duration
	timeout   time.Duration
	logger    *slog.Logger
	observer  Observer

	downUntil atomic.Int64 // unix nanos

	mu    sync.Mutex
	peers map[string]string // replica id -> address, as last read (used while Redis is down)
}

// New connects to Redis (lazily: nothing is sent until the first operation).
func New(opts Options) (*Cluster, error) {
	ro, err := redis.ParseURL(opts.RedisURL)
	if err != nil {
		return nil, errors.New("invalid redis URL") // the parse error may quote the password
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = -1 // a retry would double the wait on a dead Redis; callers fall back
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout = opts.Timeout, opts.Timeout, opts.Timeout
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.TTL <= 0 {
		opts.TTL = 30 * time.Second
	}
	rdb := redis.NewClient(ro)
	c := &Cluster{
		rdb: rdb, limiter: redis_rate.NewLimiter(rdb), id: newReplicaID(),
		ttl: opts.TTL, timeout: opts.Timeout, logger: opts.Logger, observer: opts.Observer, peers: map[string]string{},
	}
	c.SetAdvertise(opts.Advertise)
	return c, nil
}

// SetAdvertise sets the address other replicas reach this one at (known once it listens).
func (c *Cluster) SetAdvertise(addr string) {
	addr = strings.TrimSuffix(addr, "/")
	c.advertise.Store(&addr)
}

// Redis is the client, for other users of the same Redis (the response cache).
func (c *Cluster) Redis() *redis.Client { return c.rdb }

// newReplicaID is short (it prefixes every session id) and unguessable enough not to collide.
func newReplicaID() string { return strings.ToLower(rand.Text()[:10]) }

// ID is this replica's id.
func (c *Cluster) ID() string { return c.id }

// Advertise is this replica's internal address.
func (c *Cluster) Advertise() string { return *c.advertise.Load() }

// Close releases the connections.
func (c *Cluster) Close() error { return c.rdb.Close() }

// call runs one Redis operation within the timeout, unless Redis is in its cooldown. A failure
// starts the cooldown and is reported as ErrUnavailable.
func (c *Cluster) call(ctx context.Context, op string, f func(ctx context.Context) error) error {
	if time.Now().UnixNano() < c.downUntil.Load() {
		return ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	err := f(ctx)
	if err == nil || errors.Is(err, redis.Nil) {
		if c.downUntil.Load() != 0 && c.downUntil.Swap(0) != 0 {
			c.logger.Info("redis available again: shared state restored")
			if c.observer != nil {
				c.observer.RedisAvailable(true)
			}
		}
		return err
	}
	now := time.Now().UnixNano()
	if prev := c.downUntil.Swap(now + int64(cooldown)); prev == 0 {
		c.logger.Warn("redis unavailable: each replica uses its own memory for limits and sessions until it is back",
			"op", op, "err", err)
		if c.observer != nil {
			c.observer.RedisAvailable(false)
		}
	}
	return fmt.Errorf("%s: %w", op, ErrUnavailable)
}

// Available reports whether Redis answered the last operation (no cooldown running).
func (c *Cluster) Available() bool {
	return time.Now().UnixNano() >= c.downUntil.Load() && c.downUntil.Load() == 0
}

// Ping checks Redis now (start-up, readiness details).
func (c *Cluster) Ping(ctx context.Context) error {
	return c.call(ctx, "ping", func(ctx context.Context) error { return c.rdb.Ping(ctx).Err() })
}

// Allow takes one request from key's bucket of perMinute requests a minute (a minute's
// allowance as burst), shared by every replica, and returns how long to wait when none is
// left. With consume false it only looks.
func (c *Cluster) Allow(ctx context.Context, key string, perMinute int, consume bool) (retryAfter time.Duration, err error) {
	n := 1
	if !consume {
		n = 0
	}
	err = c.call(ctx, "rate limit", func(ctx context.Context) error {
		res, err := c.limiter.AllowN(ctx, "jana-mcp:rate:"+key, redis_rate.PerMinute(perMinute), n)
		if err != nil {
			return err
		}
		switch {
		case res.Allowed < n:
			retryAfter = max(res.RetryAfter, time.Second)
		case !consume && res.Remaining < 1:
			// A look at an empty bucket: the time until one request refills.
			perRequest := time.Minute / time.Duration(perMinute)
			retryAfter = max(time.Duration(float64(perRequest)*(1-float64(res.Remaining))), time.Second)
		}
		return nil
	})
	return retryAfter, err
}

// acquire is a bounded set of members with expiry: it drops members past their expiry, and
// adds member (refreshing its expiry) unless the set already holds max others.
var acquire = redis.NewScript(`
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[3]) == false and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`)

// Acquire adds member to the bounded set name, which holds at most max live members across
// the cluster; a member lives until ttl after its last Acquire or Refresh. It reports false
// when the set is full.
func (c *Cluster) Acquire(ctx context.Context, name, member string, max int, ttl time.Duration) (ok bool, err error) {
	err = c.call(ctx, "acquire "+kindOf(name), func(ctx context.Context) error {
		now := time.Now()
		r, err := acquire.Run(ctx, c.rdb, []string{"jana-mcp:set:" + name},
			now.UnixMilli(), now.Add(ttl).UnixMilli(), member, max, ttl.Milliseconds()).Int()
		ok = r == 1
		return err
	})
	return ok, err
}

// Release removes member from the set name.
func (c *Cluster) Release(ctx context.Context, name, member string) error {
	return c.call(ctx, "release "+kindOf(name), func(ctx context.Context) error {
		return c.rdb.ZRem(ctx, "jana-mcp:set:"+name, member).Err()
	})
}

// Refresh extends the life of members of sets (set name -> members) by ttl, in one round trip.
func (c *Cluster) Refresh(ctx context.Context, members map[string][]string, ttl time.Duration) error {
	if len(members) == 0 {
		return nil
	}
	return c.call(ctx, "refresh", func(ctx context.Context) error {
		until := float64(time.Now().Add(ttl).UnixMilli())
		_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for name, ms := range members {
				zs := make([]redis.Z, len(ms))
				for i, m := range ms {
					zs[i] = redis.Z{Score: until, Member: m}
				}
				p.ZAddXX(ctx, "jana-mcp:set:"+name, zs...)
				p.PExpire(ctx, "jana-mcp:set:"+name, ttl)
			}
			return nil
		})
		return err
	})
}

func kindOf(name string) string {
	kind, _, _ := strings.Cut(name, ":")
	return kind
}

// Verdicts remembers, for every replica, what Jana said of a credential: keyed by the hash of
// the credential, never the credential.
func verdictKey(sum [32]byte) string { return "jana-mcp:verdict:" + hex.EncodeToString(sum[:]) }

// GetVerdict returns a remembered verdict on the credential whose SHA-256 is sum.
func (c *Cluster) GetVerdict(ctx context.Context, sum [32]byte) (ok bool, until time.Time, found bool) {
	var v string
	err := c.call(ctx, "get verdict", func(ctx context.Context) error {
		var err error
		v, err = c.rdb.Get(ctx, verdictKey(sum)).Result()
		return err
	})
	if err != nil || v == "" {
		return false, time.Time{}, false
	}
	flag, ms, cut := strings.Cut(v, "|")
	n, perr := strconv.ParseInt(ms, 10, 64)
	if !cut || perr != nil {
		return false, time.Time{}, false
	}
	return flag == "1", time.UnixMilli(n), true
}

// PutVerdict remembers a verdict for ttl (and an acceptance no longer than until).
func (c *Cluster) PutVerdict(ctx context.Context, sum [32]byte, ok bool, until time.Time, ttl time.Duration) {
	if d := time.Until(until); d < ttl {
		ttl = d
	}
	if ttl <= 0 {
		return
	}
	flag := "0"
	if ok {
		flag = "1"
	}
	_ = c.call(ctx, "put verdict", func(ctx context.Context) error {
		return c.rdb.Set(ctx, verdictKey(sum), flag+"|"+strconv.FormatInt(until.UnixMilli(), 10), ttl).Err()
	})
}
