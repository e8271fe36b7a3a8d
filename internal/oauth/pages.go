package oauth

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
)

// The sign-in pages are rendered here, from embedded templates with inline styles and no
// other assets: nothing is loaded from anywhere else, scripts are not allowed at all, and no
// other site may frame them.

//go:embed pages/pages.html
var pageFS embed.FS

var pages = template.Must(template.ParseFS(pageFS, "pages/pages.html"))

// page is what a template shows.
type page struct {
	Nonce, Title string

	// The sign-in form.
	Client, RedirectHost string
	SignInURL            string
	Request, CSRF        string
	Password, Device     bool
	Error                string

	// The device-code page.
	VerificationURL, UserCode string
	RefreshURL                string
	RefreshSeconds            int

	// A message page.
	Message string
}

// render writes the page name with status. redirect is the client's redirect URI, which the
// sign-in form's answer goes to (Content-Security-Policy's form-action covers redirects after
// a form is submitted); "" for pages that lead nowhere.
func render(w http.ResponseWriter, status int, name, redirect string, p page) {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	p.Nonce = base64.RawStdEncoding.EncodeToString(nonce)
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, p); err != nil {
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	formAction := "'self'"
	if src := sourceOf(redirect); src != "" {
		formAction += " " + src
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+p.Nonce+"'; form-action "+formAction+
		"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with the
	// page's own form posts, which the Origin check refuses; other sites get no Referer.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// message renders a page that only says something.
func message(w http.ResponseWriter, status int, title, text string) {
	render(w, status, "message", "", page{Title: title, Message: text})
}

// sourceOf is a CSP source expression for a redirect URI: its origin, or its scheme for a
// private-use scheme.
func sourceOf(redirect string) string {
	u, err := url.Parse(redirect)
	if err != nil || u.Scheme == "" {
		return ""
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return u.Scheme + ":"
	}
	return u.Scheme + "://" + u.Host
}
