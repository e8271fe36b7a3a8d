package cluster

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Forwarding: a request for a session another replica owns is passed to that replica over
// internal HTTP, streams included, and its answer passed back, so that clients need no sticky
// routing. The hop is authenticated: the forwarding replica signs it with the cluster secret
// (MCP_CLUSTER_SECRET, or one the replicas agree on through Redis), and only a signed request
// may say which client it carries.

// Headers of a forwarded request.
const (
	HeaderReplica  = "X-Jana-Mcp-Replica"   // "<replica id>;<unix ms>;<signature>"
	HeaderClientIP = "X-Jana-Mcp-Client-Ip" // the client address the forwarder saw
)

// maxSkew is how far a forwarded request's time may be from ours.
const maxSkew = 30 * time.Second

// Forwarder sends requests to their owning replicas.
type Forwarder struct {
	c          *Cluster
	configured []byte
	transport  http.RoundTripper

	mu     sync.Mutex
	secret []byte
}

// NewForwarder forwards with secret, or, when it is empty, with a random secret the replicas
// share through Redis.
func (c *Cluster) NewForwarder(secret []byte) *Forwarder {
	return &Forwarder{c: c, configured: secret, transport: &http.Transport{
		Proxy:               nil, // replica to replica, never through a proxy
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}}
}

var errNoSecret = errors.New("no cluster secret: MCP_CLUSTER_SECRET is unset and Redis is unavailable")

// key returns the signing secret.
func (f *Forwarder) key(ctx context.Context) ([]byte, error) {
	if len(f.configured) > 0 {
		return f.configured, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.secret != nil {
		return f.secret, nil
	}
	candidate := rand.Text() + rand.Text()
	var shared string
	err := f.c.call(ctx, "cluster secret", func(ctx context.Context) error {
		if err := f.c.rdb.SetNX(ctx, "jana-mcp:cluster-secret", candidate, 0).Err(); err != nil {
			return err
		}
		var err error
		shared, err = f.c.rdb.Get(ctx, "jana-mcp:cluster-secret").Result()
		return err
	})
	if err != nil || shared == "" {
		return nil, errNoSecret
	}
	f.secret = []byte(shared)
	return f.secret, nil
}

func sign(key []byte, replica, ts, method, uri string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%s\n%s\n%s", replica, ts, method, uri)
	return hex.EncodeToString(m.Sum(nil))
}

// Forward passes r to the replica at addr and copies its answer to w. clientIP is the client's
// address as this replica determined it. It reports false, having written nothing, when the
// owner could not be reached (it died): the caller answers as for an unknown session.
func (f *Forwarder) Forward(w http.ResponseWriter, r *http.Request, addr, clientIP string) bool {
	key, err := f.key(r.Context())
	if err != nil {
		f.c.logger.Warn("cannot forward to the session's replica", "err", err)
		return false
	}
	target, err := url.Parse(addr)
	if err != nil {
		return false
	}
	reached := true
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the owner checks the Host the client sent
			ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
			pr.Out.Header.Set(HeaderReplica, f.c.id+";"+ts+";"+sign(key, f.c.id, ts, pr.Out.Method, pr.In.URL.RequestURI()))
			pr.Out.Header.Set(HeaderClientIP, clientIP)
		},
		Transport:     f.transport,
		FlushInterval: -1, // event streams pass through as they come
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() == nil {
				f.c.logger.Warn("the session's replica did not answer", "replica", target.Host, "err", err)
			}
			reached = false
		},
	}
	proxy.ServeHTTP(w, r)
	return reached
}

// Verify checks a request that says it was forwarded by a replica and returns the client
// address it carries. ok is false when the request was not forwarded; an error means it says
// so but is not signed by a replica of this cluster.
func (f *Forwarder) Verify(r *http.Request) (clientIP string, ok bool, err error) {
	h := r.Header.Get(HeaderReplica)
	if h == "" {
		return "", false, nil
	}
	parts := strings.Split(h, ";")
	if len(parts) != 3 {
		return "", true, errors.New("malformed replica header")
	}
	ms, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", true, errors.New("malformed replica header")
	}
	if d := time.Since(time.UnixMilli(ms)); d > maxSkew || d < -maxSkew {
		return "", true, errors.New("forwarded request too old")
	}
	key, err := f.key(r.Context())
	if err != nil {
		return "", true, err
	}
	want := sign(key, parts[0], parts[1], r.Method, r.URL.RequestURI())
	if !hmac.Equal([]byte(want), []byte(parts[2])) {
		return "", true, errors.New("bad replica signature")
	}
	ip := r.Header.Get(HeaderClientIP)
	if net.ParseIP(ip) == nil {
		return "", true, errors.New("malformed client address")
	}
	return ip, true, nil
}
