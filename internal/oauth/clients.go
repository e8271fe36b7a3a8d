package oauth

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A client is known in one of two ways, both without state of the server's own:
//
//   - registered (RFC 7591): its client id is its registration, sealed (seal.go) — the
//     registration endpoint stores nothing, a flood of registrations costs no memory, and
//     every replica reads any client id. A client that asked for a secret gets the HMAC of its
//     client id.
//   - a Client ID Metadata Document: the client id is an https URL whose JSON document
//     describes the client; it is fetched (fetch.go), checked, and cached in the store.

// client is what the authorization server knows of a client.
type client struct {
	ID           string   `json:"-"`
	Name         string   `json:"n,omitempty"`
	RedirectURIs []string `json:"r"`
	AuthMethod   string   `json:"m"` // none, client_secret_post or client_secret_basic
	Issued       int64    `json:"i,omitempty"`
	sealed       []byte   // the registration, for the secret's key
}

const registeredPrefix = "jmcp_client_"

// Bounds of a registration: it travels in every authorization request's URL.
const (
	maxRedirectURIs   = 5
	maxRedirectURILen = 400
	maxClientName     = 100
)

// Token endpoint authentication methods.
const (
	authNone       = "none"
	authSecretPost = "client_secret_post"
	authSecretBasc = "client_secret_basic"
)

// errUnknownClient is a client id that is neither a registration of this server nor a usable
// client ID metadata document.
type errUnknownClient struct{ why string }

func (e *errUnknownClient) Error() string { return "unknown client: " + e.why }

// register seals a registration into its client id, which it sets.
func (s *Server) register(c *client) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	c.sealed = s.sealer.seal("client", b)
	c.ID = registeredPrefix + base64.RawURLEncoding.EncodeToString(c.sealed)
	return nil
}

// secretFor is the client secret of a registered client that authenticates with one.
func (s *Server) secretFor(c client) (string, error) {
	mac, err := s.sealer.mac(c.sealed, "client-secret:"+c.ID)
	if err != nil {
		return "", err
	}
	return "jmcp_cs_" + base64.RawURLEncoding.EncodeToString(mac), nil
}

// checkSecret compares a presented client secret with the client's in constant time.
func (s *Server) checkSecret(c client, presented string) bool {
	want, err := s.secretFor(c)
	return err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(presented)) == 1
}

// resolveClient returns the client a client id names.
func (s *Server) resolveClient(ctx context.Context, id string) (client, error) {
	switch {
	case strings.HasPrefix(id, registeredPrefix) && s.cfg.DynamicRegistration:
		raw, err := base64.RawURLEncoding.DecodeString(id[len(registeredPrefix):])
		if err != nil {
			return client{}, &errUnknownClient{"not a client id of this server"}
		}
		b, err := s.sealer.open("client", raw)
		if err != nil {
			return client{}, &errUnknownClient{"not a client id of this server"}
		}
		var c client
		if json.Unmarshal(b, &c) != nil || len(c.RedirectURIs) == 0 {
			return client{}, &errUnknownClient{"not a client id of this server"}
		}
		c.ID, c.sealed = id, raw
		return c, nil
	case strings.HasPrefix(id, "https://") && s.cfg.ClientIDDocuments:
		return s.documentClient(ctx, id)
	}
	return client{}, &errUnknownClient{"register the client first (dynamic client registration), or use an https URL of a client ID metadata document"}
}

// clientDocument is a client ID metadata document's fields this server uses.
type clientDocument struct {
	ClientID                string   `json:"client_id"`
	ClientName              string   `json:"client_name"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientSecret            *string  `json:"client_secret"`
}

// Bounds of how long a fetched document is kept.
const (
	minClientDocCache = time.Minute
	maxClientDocCache = 24 * time.Hour
	defClientDocCache = 10 * time.Minute
)

// documentClient resolves a client ID metadata document, from the store's copy when fresh.
func (s *Server) documentClient(ctx context.Context, id string) (client, error) {
	if _, err := clientIDURL(id); err != nil {
		return client{}, &errUnknownClient{"the client id URL " + err.Error()}
	}
	var c client
	key := keyClientDoc(id)
	switch err := s.get(ctx, key, &c); {
	case err == nil:
		c.ID = id
		return c, nil
	case !errors.Is(err, ErrNotFound):
		return client{}, err
	}
	// One fetch per document at a time, however many authorization requests name it.
	v, err, _ := s.fetches.Do(id, func() (any, error) {
		body, age, err := fetchClientDoc(context.WithoutCancel(ctx), s.docClient, id)
		if err != nil {
			s.logger.InfoContext(ctx, "oauth: client ID metadata document refused", "client_id", id, "err", err)
			// What failed stays in the log: the page must not tell anyone how this server's
			// network sees an address.
			return nil, &errUnknownClient{"its client ID metadata document could not be fetched over https from a public address"}
		}
		c, err := parseClientDocument(id, body)
		if err != nil {
			s.logger.InfoContext(ctx, "oauth: client ID metadata document refused", "client_id", id, "err", err)
			return nil, &errUnknownClient{"its client ID metadata document is not valid: " + err.Error()}
		}
		if age == 0 {
			age = defClientDocCache
		}
		_ = s.put(ctx, key, c, min(max(age, minClientDocCache), maxClientDocCache)) // a cache: failing to keep it costs a fetch
		return c, nil
	})
	if err != nil {
		return client{}, err
	}
	c = v.(client)
	c.ID = id
	return c, nil
}

// parseClientDocument checks a fetched document for client id id.
func parseClientDocument(id string, body []byte) (client, error) {
	var d clientDocument
	if err := json.Unmarshal(body, &d); err != nil {
		return client{}, errors.New("not a JSON object")
	}
	switch {
	case d.ClientID != id:
		return client{}, fmt.Errorf("its client_id %q is not the URL it was fetched from", bounded(d.ClientID, 100))
	case d.ClientSecret != nil:
		return client{}, errors.New("it has a client_secret, which a public document cannot keep")
	case d.TokenEndpointAuthMethod != "" && d.TokenEndpointAuthMethod != authNone:
		return client{}, fmt.Errorf("token_endpoint_auth_method %q: only none is possible without a shared secret", bounded(d.TokenEndpointAuthMethod, 40))
	}
	if err := checkGrantTypes(d.GrantTypes, d.ResponseTypes); err != nil {
		return client{}, err
	}
	uris, err := checkRedirectURIs(d.RedirectURIs)
	if err != nil {
		return client{}, err
	}
	return client{Name: displayName(d.ClientName), RedirectURIs: uris, AuthMethod: authNone}, nil
}

// checkGrantTypes accepts what this server serves: the code flow and refresh tokens.
func checkGrantTypes(grants, responses []string) error {
	for _, g := range grants {
		if g != "authorization_code" && g != "refresh_token" {
			return fmt.Errorf("grant type %q is not served (authorization_code, refresh_token)", bounded(g, 60))
		}
	}
	for _, r := range responses {
		if r != "code" {
			return fmt.Errorf("response type %q is not served (code)", bounded(r, 60))
		}
	}
	return nil
}

// checkRedirectURIs validates a client's redirect URIs: absolute, no fragment; https, or http
// to a loopback address (a native app's listener, RFC 8252 §7.3), or a native app's
// private-use scheme (RFC 8252 §7.1). Never javascript:, data: and the like.
func checkRedirectURIs(uris []string) ([]string, error) {
	switch {
	case len(uris) == 0:
		return nil, errors.New("redirect_uris is required")
	case len(uris) > maxRedirectURIs:
		return nil, fmt.Errorf("at most %d redirect_uris", maxRedirectURIs)
	}
	out := make([]string, 0, len(uris))
	for _, raw := range uris {
		if err := checkRedirectURI(raw); err != nil {
			return nil, fmt.Errorf("redirect URI %q: %s", bounded(raw, 100), err)
		}
		if !slices.Contains(out, raw) {
			out = append(out, raw)
		}
	}
	return out, nil
}

func checkRedirectURI(raw string) error {
	if len(raw) > maxRedirectURILen {
		return fmt.Errorf("longer than %d bytes", maxRedirectURILen)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs():
		return errors.New("not an absolute URL")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return errors.New("has a fragment")
	case u.User != nil:
		return errors.New("has credentials")
	}
	switch {
	case u.Scheme == "https":
		if u.Host == "" {
			return errors.New("no host")
		}
	case u.Scheme == "http":
		if !loopbackName(u.Hostname()) {
			return errors.New("http is for loopback addresses only (127.0.0.1, [::1], localhost); use https")
		}
	case slices.Contains(unsafeSchemes, strings.ToLower(u.Scheme)):
		return fmt.Errorf("scheme %q cannot receive an authorization response", bounded(u.Scheme, 40))
	}
	// Otherwise a private-use scheme of a native app: com.example.app:/callback (RFC 8252
	// §7.1's reverse-domain form), or cursor://, vscode:// as desktop apps register them.
	return nil
}

// unsafeSchemes are schemes a browser runs, shows or sends elsewhere instead of handing the
// response to an app.
var unsafeSchemes = []string{"javascript", "data", "vbscript", "file", "blob", "about", "filesystem", "view-source",
	"ftp", "ws", "wss", "mailto", "tel", "sms", "chrome", "intent"}

// redirectAllowed reports whether redirect, from an authorization request, is one of the
// client's redirect URIs: the same string, or for a loopback http URI the same except the
// port, which a native app picks when it starts listening (RFC 8252 §7.3).
func (c client) redirectAllowed(redirect string) bool {
	if slices.Contains(c.RedirectURIs, redirect) {
		return true
	}
	u, err := url.Parse(redirect)
	if err != nil || u.Scheme != "http" || !loopbackName(u.Hostname()) || u.Fragment != "" || u.User != nil {
		return false
	}
	for _, registered := range c.RedirectURIs {
		r, err := url.Parse(registered)
		if err != nil || r.Scheme != "http" || !loopbackName(r.Hostname()) {
			continue
		}
		if r.Hostname() == u.Hostname() && r.EscapedPath() == u.EscapedPath() && r.RawQuery == u.RawQuery {
			return true
		}
	}
	return false
}

func loopbackName(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// displayName makes a client-chosen name safe to show: printable, bounded. (Templates escape
// it too.)
func displayName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, strings.TrimSpace(name))
	return bounded(name, maxClientName)
}

// bounded cuts s to at most n bytes, on a rune boundary.
func bounded(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
