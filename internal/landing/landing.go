// Package landing renders the page a person sees who opens the server's URL in a browser: what
// the server is, whether Jana answers, its version and transports, the tools, and the
// configurations to paste into Cursor, Claude Code, Claude Desktop and VS Code. The page is
// one self-contained HTML document (its style sheet inlined, no script, no other asset),
// readable on a phone.
package landing

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"io"
	"strings"
)

// Page is what the landing page shows.
type Page struct {
	Version string
	// JanaOK says Jana answered the readiness probe; JanaReason says why not.
	JanaOK     bool
	JanaReason string
	// Base is the URL clients connect to (MCP_PUBLIC_URL, or what the request shows).
	Base string
	// HostWarning, when set, says that the MCP endpoints will refuse the host the page was
	// reached by, and what the operator can do.
	HostWarning string
	AuthMode    string // MCP_AUTH_MODE: user, service, user-or-service or oauth
	Apps        bool   // MCP_APPS
	ChartImages bool   // MCP_CHART_IMAGES
	Tools       []Tool
}

// Tool is one row of the tool catalogue.
type Tool struct {
	Name, Title, Summary string
	View                 string // "chart", "map" or ""
}

//go:embed assets/landing.html
var pageHTML string

//go:embed assets/landing.css
var pageCSS string

var page = template.Must(template.New("landing").Funcs(template.FuncMap{
	"css":     func() template.CSS { return template.CSS(pageCSS) },
	"configs": func(p Page) []Config { return Configs(p.Base, SignInOf(p.AuthMode)) },
}).Parse(pageHTML))

// StyleHash is the CSP source of the page's inline style sheet ('sha256-…'), so the page can
// be served with a policy that allows that style sheet and nothing else.
var StyleHash = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// ContentSecurityPolicy is the policy the page is served with: no script, no frame, no
// request anywhere; only its own style sheet.
var ContentSecurityPolicy = "default-src 'none'; style-src " + StyleHash + "; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Render writes the page.
func Render(w io.Writer, p Page) error {
	return page.Execute(w, p)
}

// Summary returns the first sentence of a tool description ("e.g." and "i.e." end none).
func Summary(description string) string {
	for i := 0; ; {
		j := strings.Index(description[i:], ". ")
		if j < 0 {
			return description
		}
		end := i + j
		if before := description[:end]; !strings.HasSuffix(before, "e.g") && !strings.HasSuffix(before, "i.e") {
			return description[:end+1]
		}
		i = end + 2
	}
}
