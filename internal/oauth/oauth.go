// Package oauth makes jana-mcp an OAuth 2.1 authorization server and resource server
// (MCP_AUTH_MODE=oauth), as the MCP authorization specification describes, in front of Jana's
// own sign-in:
//
//   - discovery: Protected Resource Metadata (RFC 9728) for the server and each MCP endpoint,
//     and Authorization Server Metadata (RFC 8414), all at the public URL's /.well-known/;
//   - clients identify themselves with a Client ID Metadata Document (an https URL) or
//     register (RFC 7591); redirect URIs must match exactly, loopback ports aside (RFC 8252);
//   - the authorization code flow with PKCE (S256 only), the state passed back, the issuer in
//     the response (RFC 9207), tokens bound to this server's resource URL (RFC 8707);
//   - the sign-in page: the user signs in to Jana with Jana's device-code flow or with their
//     email and password, which go to Jana's login and are never kept;
//   - refresh tokens, rotated (a spent one used again revokes the sign-in), and revocation
//     (RFC 7009).
//
// The server keeps each signed-in user's Jana tokens, encrypted (seal.go), in its store
// (store.go: Redis shared by the replicas, or memory), and refreshes Jana's access tokens
// itself (jana.SignedIn). MCP clients only ever hold this server's tokens, which are opaque
// random strings stored as their hash (records.go); Jana's tokens never leave the server.
package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/janaplatform/jana-mcp/internal/config"
	"github.com/janaplatform/jana-mcp/internal/jana"
)

// The endpoints, relative to the public URL (the issuer).
const (
	PathResourceMetadata = "/.well-known/oauth-protected-resource"
	PathServerMetadata   = "/.well-known/oauth-authorization-server"
	PathAuthorize        = "/oauth/authorize"
	PathSignIn           = "/oauth/sign-in"
	PathWait             = "/oauth/sign-in/wait"
	PathToken            = "/oauth/token"
	PathRegister         = "/oauth/register"
	PathRevoke           = "/oauth/revoke"
)

// Endpoints are the MCP endpoints this server protects; each has its own resource metadata.
var Endpoints = []string{"/mcp", "/sse"}

// Scope is the one scope: use Jana's data as the signed-in user.
const Scope = "jana"

// Options configure a Server.
type Options struct {
	Config    config.OAuth
	PublicURL *url.URL // the issuer, and the resource tokens are for
	Jana      *jana.Client
	// Store keeps the records; nil: a MemoryStore.
	Store  Store
	Logger *slog.Logger
	// ClientDocs fetches client ID metadata documents; nil: NewClientDocFetcher, which reaches
	// public addresses only.
	ClientDocs *http.Client
	// RefreshBound bounds one refresh of a user's Jana token (the backend timeout): a
	// sign-in's lock outlives it.
	RefreshBound time.Duration
}

// Server is the authorization server.
type Server struct {
	cfg       config.OAuth
	issuer    string   // the public URL, without a trailing slash
	resources []string // the resource identifiers of this server, canonical
	jana      *jana.Client
	store     Store
	sealer    *sealer
	logger    *slog.Logger
	docClient *http.Client
	fetches   singleflight.Group
	lockTTL   time.Duration
	now       func() time.Time
}

// New builds the server.
func New(opts Options) (*Server, error) {
	if opts.PublicURL == nil || opts.Jana == nil {
		return nil, errors.New("oauth: a public URL and a Jana client are required")
	}
	keys := make([]string, len(opts.Config.Keys))
	for i, k := range opts.Config.Keys {
		keys[i] = k.Reveal()
	}
	sealer, err := newSealer(keys)
	if err != nil {
		return nil, fmt.Errorf("MCP_OAUTH_KEY: %w", err)
	}
	s := &Server{cfg: opts.Config, jana: opts.Jana, store: opts.Store, sealer: sealer, logger: opts.Logger,
		docClient: opts.ClientDocs, now: time.Now, lockTTL: max(opts.RefreshBound, 10*time.Second) + 15*time.Second}
	if s.store == nil {
		s.store = NewMemoryStore()
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.docClient == nil {
		s.docClient = NewClientDocFetcher()
	}
	u := *opts.PublicURL
	u.Path, u.RawPath, u.RawQuery, u.Fragment = "", "", "", ""
	s.issuer = canonicalResource(&u)
	s.resources = []string{s.issuer}
	for _, e := range Endpoints {
		s.resources = append(s.resources, s.issuer+e)
	}
	return s, nil
}

// Issuer is the authorization server's issuer identifier: the public URL.
func (s *Server) Issuer() string { return s.issuer }

// resource returns the canonical form of a resource indicator if it names this server (its
// URL or one of its MCP endpoints' URLs: one protected resource under three names), else "".
func (s *Server) resource(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Fragment != "" || u.RawQuery != "" || u.User != nil || !u.IsAbs() {
		return ""
	}
	c := canonicalResource(u)
	for _, r := range s.resources {
		if c == r {
			return c
		}
	}
	return ""
}

// canonicalResource lower-cases scheme and host, drops a default port and a lone "/" path
// (clients differ on whether https://host and https://host/ are one resource).
func canonicalResource(u *url.URL) string {
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if p := u.Port(); (scheme == "https" && p == "443") || (scheme == "http" && p == "80") {
		host = strings.TrimSuffix(host, ":"+p)
	}
	path := u.EscapedPath()
	if path == "/" {
		path = ""
	}
	return scheme + "://" + host + strings.TrimSuffix(path, "/")
}

// ResourceMetadataURL is where the resource metadata of an MCP endpoint ("/mcp", "/sse") is.
func (s *Server) ResourceMetadataURL(endpoint string) string {
	return s.issuer + PathResourceMetadata + endpoint
}

// Challenge is the WWW-Authenticate value of a 401 from endpoint (RFC 6750 §3, RFC 9728 §5.1):
// where the resource metadata is and the scope to ask for, and with a token that was
// presented, why it was refused.
func (s *Server) Challenge(endpoint string, tokenPresented bool) string {
	v := fmt.Sprintf(`Bearer realm="jana-mcp", resource_metadata=%q, scope=%q`, s.ResourceMetadataURL(endpoint), Scope)
	if tokenPresented {
		v += `, error="invalid_token", error_description="The access token is invalid, expired or revoked."`
	}
	return v
}

// Session is what a valid access token stands for.
type Session struct {
	// User is the caller key of the signed-in Jana user: their caches, limits and sessions.
	User     string
	ClientID string
	// Caller makes backend calls with the user's Jana sign-in, kept fresh.
	Caller *jana.Caller
}

// ErrInvalidToken is an access token that is not one of this server's, expired, or whose
// sign-in was revoked or ended, or that is for another resource.
var ErrInvalidToken = errors.New("invalid access token")

// ErrUnavailable means the store did not answer: nothing can be said of the token.
var ErrUnavailable = errors.New("oauth store unavailable")

// Authenticate checks an access token presented to the MCP endpoints.
func (s *Server) Authenticate(ctx context.Context, token string) (Session, error) {
	if !strings.HasPrefix(token, prefixAccess) || len(token) > 100 {
		return Session{}, ErrInvalidToken
	}
	var at accessRecord
	if err := s.get(ctx, keyAccess(token), &at); err != nil {
		return Session{}, s.lookupError(err)
	}
	if !s.now().Before(at.Expires) || s.resource(at.Resource) == "" {
		return Session{}, ErrInvalidToken // expired; or for another resource (a store shared by servers)
	}
	var g grant
	if err := s.get(ctx, keyGrant(at.GrantID), &g); err != nil {
		return Session{}, s.lookupError(err)
	}
	return Session{User: g.User, ClientID: at.ClientID, Caller: s.jana.SignedIn(g.User, grantSignIn{s: s, id: at.GrantID})}, nil
}

func (s *Server) lookupError(err error) error {
	if errors.Is(err, ErrNotFound) {
		return ErrInvalidToken
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// userKey is the caller key of a Jana user: a hash of their Jana id, so that logs name a user
// without saying who.
func userKey(u jana.User) string {
	id := fmt.Sprint(u.ID)
	if u.ID == 0 {
		id = "username:" + u.Username
	}
	return "jana-user:" + hashOf("jana-mcp jana user " + id)[:16]
}
