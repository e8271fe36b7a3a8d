package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Client ID Metadata Documents are fetched from URLs that anyone can put in an authorization
// request, so the fetch is guarded against server-side request forgery: https only, to public
// addresses only (checked on the address actually dialled, after DNS, so that a name resolving
// to a private address — or rebinding to one — is refused), no proxy, no redirects followed,
// at most maxClientDoc bytes, within clientDocTimeout.

const (
	maxClientDoc     = 5 << 10 // the MCP specification's suggested bound
	clientDocTimeout = 5 * time.Second
)

// errForbiddenAddress is a dial to an address that is not public.
var errForbiddenAddress = errors.New("address is not public")

// NewClientDocFetcher returns the HTTP client client documents are fetched with: public
// addresses only, no proxy, no redirects. (Tests that serve documents on loopback give the
// server their own client.)
func NewClientDocFetcher() *http.Client {
	dialer := &net.Dialer{Timeout: 3 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		addr, err := netip.ParseAddr(host)
		if err != nil || !publicAddress(addr) {
			return fmt.Errorf("%w: %s", errForbiddenAddress, host)
		}
		return nil
	}}
	return &http.Client{
		Timeout: clientDocTimeout,
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would dial for us, past the address check
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   3 * time.Second,
			ResponseHeaderTimeout: clientDocTimeout,
			MaxIdleConns:          16,
			IdleConnTimeout:       30 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Address ranges that are not public beyond what netip reports: shared address space
// (carrier-grade NAT), IETF protocol assignments, benchmarking, "this network", reserved, and
// NAT64 (which reaches IPv4 addresses through a gateway).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"), // 6to4 embeds IPv4 addresses
}

// publicAddress reports whether addr is a global unicast address outside private, loopback,
// link-local (cloud metadata services live there) and special-purpose ranges.
func publicAddress(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsGlobalUnicast() || addr.IsPrivate() || addr.IsLoopback() || addr.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// fetchClientDoc gets the document at rawURL (a client id checked by clientIDURL) with
// client: 200, a JSON content type, at most maxClientDoc bytes. It returns the body and how
// long the document may be cached (from Cache-Control max-age; zero without).
func fetchClientDoc(ctx context.Context, client *http.Client, rawURL string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, clientDocTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Redirects are answers too: the draft forbids following them.
		return nil, 0, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		return nil, 0, fmt.Errorf("content type %q is not JSON", resp.Header.Get("Content-Type"))
	}
	if resp.ContentLength > maxClientDoc {
		return nil, 0, fmt.Errorf("document of %d bytes is over %d", resp.ContentLength, maxClientDoc)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxClientDoc+1))
	if err != nil {
		return nil, 0, err
	}
	if len(body) > maxClientDoc {
		return nil, 0, fmt.Errorf("document is over %d bytes", maxClientDoc)
	}
	return body, maxAge(resp.Header.Get("Cache-Control")), nil
}

// maxAge reads max-age from a Cache-Control header; zero when absent, or when no-store or
// no-cache forbid keeping the document.
func maxAge(cc string) time.Duration {
	var age time.Duration
	for _, d := range strings.Split(cc, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-store", "no-cache":
			return 0
		case "max-age":
			if n, err := strconv.Atoi(strings.Trim(value, `"`)); err == nil && n > 0 {
				age = time.Duration(min(n, 1<<20)) * time.Second
			}
		}
	}
	return age
}

// clientIDURL checks that raw is usable as a client id URL (draft-ietf-oauth-client-id-
// metadata-document): https, a host, a path other than "/", no credentials, fragment or dot
// segments, at most 1 KiB.
func clientIDURL(raw string) (*url.URL, error) {
	if len(raw) > 1024 {
		return nil, errors.New("longer than 1024 bytes")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, errors.New("not a URL")
	case u.Scheme != "https":
		return nil, errors.New("not an https URL")
	case u.Host == "" || u.Opaque != "":
		return nil, errors.New("no host")
	case u.User != nil:
		return nil, errors.New("has credentials")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, errors.New("has a fragment")
	case u.Path == "" || u.Path == "/":
		return nil, errors.New("has no path")
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, errors.New("has dot segments")
		}
	}
	return u, nil
}
