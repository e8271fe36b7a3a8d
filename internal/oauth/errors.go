package oauth

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// OAuth error codes (RFC 6749 §4.1.2.1 and §5.2, RFC 7591 §3.2.2, RFC 8707 §2).
const (
	errInvalidRequest       = "invalid_request"
	errInvalidClient        = "invalid_client"
	errInvalidGrant         = "invalid_grant"
	errUnsupportedGrantType = "unsupported_grant_type"
	errUnsupportedResponse  = "unsupported_response_type"
	errInvalidScope         = "invalid_scope"
	errInvalidTarget        = "invalid_target"
	errAccessDenied         = "access_denied"
	errServer               = "server_error"
	errTemporarilyDown      = "temporarily_unavailable"
	errInvalidRedirectURI   = "invalid_redirect_uri"
	errInvalidClientMeta    = "invalid_client_metadata"
)

type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// jsonError answers a token, registration or revocation request with an OAuth error.
func jsonError(w http.ResponseWriter, status int, code, description string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="jana-mcp"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorBody{Error: code, Description: description})
}

// writeJSON answers with v and the headers token answers need.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// redirectTo sends the browser back to the client's redirect URI with params, the state and
// the issuer (RFC 9207) added to whatever query the URI has.
func (s *Server) redirectTo(w http.ResponseWriter, redirect, state string, params url.Values) {
	u, err := url.Parse(redirect)
	if err != nil {
		message(w, http.StatusBadRequest, "Sign-in failed", "The client's redirect URI is not valid.")
		return
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if state != "" {
		q.Set("state", state)
	}
	q.Set("iss", s.issuer)
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusSeeOther)
}

// redirectError returns an authorization error to the client (RFC 6749 §4.1.2.1).
func (s *Server) redirectError(w http.ResponseWriter, redirect, state, code, description string) {
	s.redirectTo(w, redirect, state, url.Values{"error": {code}, "error_description": {description}})
}
