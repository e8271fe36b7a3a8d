package server

import (
	"context"
	"crypto/rand"
	"net"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/internal/cluster"
)

// Several replicas (MCP_REDIS_URL): sessions are registered in Redis under ids that name their
// replica, and a request for a session another replica owns is forwarded to it (see
// docs/deployment.md for why forwarding over internal HTTP rather than a Redis bus).

// newSessionID mints the id of a session this replica owns.
func (s *Server) newSessionID() string {
	if s.cluster != nil {
		return s.cluster.NewSessionID()
	}
	return rand.Text()
}

type forwardedKey struct{}

// isForwarded reports whether a replica forwarded the request: it is served here or not at
// all, never forwarded again.
func isForwarded(ctx context.Context) bool {
	v, _ := ctx.Value(forwardedKey{}).(bool)
	return v
}

// fromReplica accepts requests forwarded by another replica: their signature is checked, and
// the client address they carry replaces the forwarder's. A request that claims to be
// forwarded without a valid signature is refused.
func (s *Server) fromReplica(c echo.Context) error {
	if s.forwarder == nil {
		return nil
	}
	r := c.Request()
	ip, forwarded, err := s.forwarder.Verify(r)
	if !forwarded {
		return nil
	}
	if err != nil {
		s.logger.WarnContext(r.Context(), "refused a request claiming to come from a replica", "err", err, "remote", r.RemoteAddr)
		return fail(codeForbidden)
	}
	r.RemoteAddr = net.JoinHostPort(ip, "0")
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), forwardedKey{}, true)))
	return nil
}

// forward passes a request for a session another replica owns to that replica. A session no
// replica owns any more gets this replica's own answer (404: the client starts a new one).
func (s *Server) forward(c echo.Context) error {
	r := c.Request()
	if s.registry == nil || isForwarded(r.Context()) {
		return nil
	}
	id := r.Header.Get("Mcp-Session-Id")
	if c.Path() == "/messages" {
		id = c.QueryParam("session_id")
	}
	if id == "" || cluster.OwnerOf(id) == s.cluster.ID() {
		return nil
	}
	addr, found := s.registry.Lookup(r.Context(), id)
	if !found || addr == "" {
		s.metrics.forwarded.WithLabelValues("unknown").Inc()
		return nil
	}
	if s.forwarder.Forward(c.Response(), r, addr, c.RealIP()) {
		s.metrics.forwarded.WithLabelValues("ok").Inc()
		return errHandled
	}
	s.metrics.forwarded.WithLabelValues("owner_unreachable").Inc()
	if c.Path() == "/messages" {
		return fail(codeNoSession)
	}
	return fail(codeNoMCPSession)
}

// advertiseFor is the internal URL of a replica listening on ln: its address, or, when it
// listens on every interface, this host's first non-loopback address.
func advertiseFor(ln net.Listener) string {
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return "http://" + ln.Addr().String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
					host = ipn.IP.String()
					break
				}
			}
		}
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// clusterObserver turns Redis availability into metrics.
type clusterObserver struct{ m *metrics }

func (o clusterObserver) RedisAvailable(up bool) {
	v := 0.0
	if up {
		v = 1
	}
	o.m.redisUp.Set(v)
	if !up {
		o.m.redisFallbacks.Inc()
	}
}
