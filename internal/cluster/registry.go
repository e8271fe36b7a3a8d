package cluster

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// The session registry. A session id is "<replica id>.<random>": the replica that minted it
// owns the session (its SSE stream or its SDK state lives in that process). Redis holds, with
// a TTL renewed by the owner's heartbeat, session -> replica and replica -> address, so that a
// replica that drains deletes its sessions at once and one that dies loses them within the
// TTL. The id's prefix still routes while Redis is down, through the peers' addresses this
// replica last read.

// NewSessionID mints a session id owned by this replica.
func (c *Cluster) NewSessionID() string { return c.id + "." + rand.Text() }

// OwnerOf is the replica id a session id names, or "".
func OwnerOf(sessionID string) string {
	owner, _, ok := strings.Cut(sessionID, ".")
	if !ok {
		return ""
	}
	return owner
}

func sessionKey(id string) string { return "jana-mcp:session:" + id }
func replicaKey(id string) string { return "jana-mcp:replica:" + id }
func (c *Cluster) ownKey() string { return replicaKey(c.id) }

// Registry tracks the sessions this replica owns and keeps their registrations alive.
type Registry struct {
	c *Cluster

	mu       sync.Mutex
	sessions map[string]bool
	sets     map[string]map[string]bool // bounded sets this replica holds members of
	stop     chan struct{}
	done     chan struct{}
}

// NewRegistry starts the heartbeat that renews this replica's registrations every TTL/3.
func (c *Cluster) NewRegistry() *Registry {
	r := &Registry{c: c, sessions: map[string]bool{}, sets: map[string]map[string]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	go r.heartbeat()
	return r
}

// Register records that this replica owns session id.
func (r *Registry) Register(ctx context.Context, id string) {
	r.mu.Lock()
	r.sessions[id] = true
	r.mu.Unlock()
	_ = r.c.call(ctx, "register session", func(ctx context.Context) error {
		_, err := r.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, sessionKey(id), r.c.id, r.c.ttl)
			p.Set(ctx, r.c.ownKey(), r.c.Advertise(), r.c.ttl)
			return nil
		})
		return err
	})
}

// Deregister forgets session id (it closed): other replicas answer 404 for it from now on.
func (r *Registry) Deregister(ctx context.Context, id string) {
	r.mu.Lock()
	delete(r.sessions, id)
	r.mu.Unlock()
	_ = r.c.call(ctx, "deregister session", func(ctx context.Context) error { return r.c.rdb.Del(ctx, sessionKey(id)).Err() })
}

// Hold records a member this replica holds in a bounded set (Acquire), so that the heartbeat
// renews it; Unhold forgets it.
func (r *Registry) Hold(name, member string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sets[name] == nil {
		r.sets[name] = map[string]bool{}
	}
	r.sets[name][member] = true
}

// Unhold forgets a member recorded by Hold.
func (r *Registry) Unhold(name, member string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.sets[name], member)
	if len(r.sets[name]) == 0 {
		delete(r.sets, name)
	}
}

// Lookup returns the address of the replica that owns session id: "" with found true when it
// is this replica. found is false when no replica owns it (it never existed, closed, or its
// owner drained or died).
func (r *Registry) Lookup(ctx context.Context, id string) (addr string, found bool) {
	owner := OwnerOf(id)
	if owner == "" {
		return "", false
	}
	if owner == r.c.id {
		r.mu.Lock()
		defer r.mu.Unlock()
		return "", r.sessions[id]
	}
	var registered string
	err := r.c.call(ctx, "look up session", func(ctx context.Context) error {
		res, err := r.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Get(ctx, sessionKey(id))
			p.Get(ctx, replicaKey(owner))
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		registered, _ = res[0].(*redis.StringCmd).Result()
		addr, _ = res[1].(*redis.StringCmd).Result()
		return nil
	})
	if err != nil {
		// Redis is down: trust the id's prefix and the address last seen.
		r.c.mu.Lock()
		defer r.c.mu.Unlock()
		addr = r.c.peers[owner]
		return addr, addr != ""
	}
	if registered != owner || addr == "" {
		return "", false
	}
	r.c.mu.Lock()
	r.c.peers[owner] = addr
	r.c.mu.Unlock()
	return addr, true
}

// heartbeat renews this replica's address, sessions and held set members.
func (r *Registry) heartbeat() {
	defer close(r.done)
	t := time.NewTicker(max(r.c.ttl/3, 100*time.Millisecond))
	defer t.Stop()
	for {
		r.renew(context.Background())
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
	}
}

func (r *Registry) renew(ctx context.Context) {
	r.mu.Lock()
	ids := make([]string, 0, len(r.sessions))
	for id := range r.sessions {
		ids = append(ids, id)
	}
	sets := make(map[string][]string, len(r.sets))
	for name, ms := range r.sets {
		for m := range ms {
			sets[name] = append(sets[name], m)
		}
	}
	r.mu.Unlock()
	_ = r.c.call(ctx, "heartbeat", func(ctx context.Context) error {
		_, err := r.c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, r.c.ownKey(), r.c.Advertise(), r.c.ttl)
			for _, id := range ids {
				p.PExpire(ctx, sessionKey(id), r.c.ttl)
			}
			return nil
		})
		return err
	})
	_ = r.c.Refresh(ctx, sets, r.c.ttl)
}

// Drain deregisters every session this replica owns and the replica itself: their clients
// get 404 from any replica and start new sessions, as the protocol says.
func (r *Registry) Drain(ctx context.Context) {
	r.mu.Lock()
	keys := []string{r.c.ownKey()}
	for id := range r.sessions {
		keys = append(keys, sessionKey(id))
	}
	r.sessions = map[string]bool{}
	r.mu.Unlock()
	_ = r.c.call(ctx, "drain", func(ctx context.Context) error { return r.c.rdb.Del(ctx, keys...).Err() })
}

// Close stops the heartbeat.
func (r *Registry) Close() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	<-r.done
}
