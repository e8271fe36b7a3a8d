package server

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/janaplatform/jana-mcp/internal/landing"
	"github.com/janaplatform/jana-mcp/internal/tools"
	"github.com/janaplatform/jana-mcp/internal/version"
	"github.com/janaplatform/jana-mcp/internal/views"
)

// landingCache holds what the landing page lists of the catalogue, computed on the first visit.
type landingCache struct {
	once  sync.Once
	tools []landingToolRow
	err   error
}

type landingToolRow struct {
	name, title, summary, view string
}

// handleLanding answers GET / with the landing page for browsers, which ask for HTML. Every
// other client gets the JSON 404 the path always had: JSON clients keep JSON errors.
func (s *Server) handleLanding(c echo.Context) error {
	c.Response().Header().Add("Vary", "Accept")
	if !wantsHTML(c.Request().Header.Get("Accept")) {
		return fail(codeNotFound)
	}
	ctx := c.Request().Context()
	rows, err := s.landingTools(ctx)
	if err != nil {
		return err
	}
	base, warning := s.publicBase(c.Request())
	p := landing.Page{
		Version: version.String(), Base: base, HostWarning: warning, AuthMode: string(s.cfg.Auth.Mode),
		Apps: s.cfg.Tools.Apps, ChartImages: s.cfg.Tools.ChartImages,
	}
	if err := s.probeJana(ctx); err != nil {
		p.JanaReason = readyReason(err)
	} else {
		p.JanaOK = true
	}
	for _, r := range rows {
		p.Tools = append(p.Tools, landing.Tool{Name: r.name, Title: r.title, Summary: r.summary, View: r.view})
	}
	var b bytes.Buffer
	if err := landing.Render(&b, p); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", landing.ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store") // the status is live
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}

// landingTools lists the served tools once, as tools/list shows them.
func (s *Server) landingTools(ctx context.Context) ([]landingToolRow, error) {
	s.landing.once.Do(func() {
		list, err := tools.List(context.WithoutCancel(ctx), s.catalogue)
		if err != nil {
			s.landing.err = err
			return
		}
		for _, t := range list {
			view := ""
			switch views.ResourceURI(t.Meta) {
			case views.ChartURI:
				view = "chart"
			case views.MapURI:
				view = "map"
			}
			s.landing.tools = append(s.landing.tools, landingToolRow{t.Name, t.Title, landing.Summary(t.Description), view})
		}
	})
	return s.landing.tools, s.landing.err
}

// wantsHTML reports whether an Accept header prefers HTML to JSON. A browser names text/html;
// curl's */* and API clients do not.
func wantsHTML(accept string) bool {
	var html, json float64 = -1, -1
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		media := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, f := range fields[1:] {
			if k, v, ok := strings.Cut(strings.TrimSpace(f), "="); ok && strings.EqualFold(k, "q") {
				if n, err := strconv.ParseFloat(v, 64); err == nil {
					q = n
				}
			}
		}
		switch media {
		case "text/html", "application/xhtml+xml":
			html = max(html, q)
		case "application/json":
			json = max(json, q)
		}
	}
	return html > 0 && html >= json
}

// validHost is a host[:port] that is safe to write into the commands the page shows.
var validHost = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$`)

// publicBase is the URL clients should configure: MCP_PUBLIC_URL when set, else the scheme
// and Host of the request. When the MCP endpoints would refuse that Host (DNS-rebinding
// protection), the warning says so and how to fix it.
func (s *Server) publicBase(r *http.Request) (base, warning string) {
	if u := s.cfg.Transport.PublicURL; u != nil {
		return strings.TrimSuffix((&urlCopy{u.Scheme, u.Host, u.Path}).String(), "/"), ""
	}
	host := r.Host
	if len(host) > 260 || !validHost.MatchString(host) {
		return "https://YOUR-SERVER", "The request's Host header is not a host name, so the configurations show a placeholder; set MCP_PUBLIC_URL."
	}
	scheme := "http"
	if r.TLS != nil || s.cfg.Transport.TrustForwardedFor && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	base = scheme + "://" + host
	if !s.hostAllowed(host) {
		warning = "This server's MCP endpoints do not answer to the host name " + hostname(host) +
			" (DNS-rebinding protection), so these configurations would be refused. Its operator can set MCP_PUBLIC_URL to the URL users configure, or list the name in MCP_ALLOWED_HOSTS."
	}
	return base, warning
}

// urlCopy renders scheme://host/path without the query, user info or fragment of a URL.
type urlCopy struct{ scheme, host, path string }

func (u *urlCopy) String() string { return u.scheme + "://" + u.host + u.path }
