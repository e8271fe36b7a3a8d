package oauth

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Register serves dynamic client registration (RFC 7591, POST PathRegister). The client id
// it returns is the registration itself, sealed (clients.go): nothing is stored.
func (s *Server) Register(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	if !s.cfg.DynamicRegistration {
		http.NotFound(w, r)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		jsonError(w, http.StatusBadRequest, errInvalidClientMeta, "the body must be application/json")
		return
	}
	var req struct {
		RedirectURIs            []string `json:"redirect_uris"`
		TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
		GrantTypes              []string `json:"grant_types"`
		ResponseTypes           []string `json:"response_types"`
		ClientName              string   `json:"client_name"`
		Scope                   string   `json:"scope"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxForm))
	if err := dec.Decode(&req); err != nil {
		jsonError(w, http.StatusBadRequest, errInvalidClientMeta, "the body is not a JSON object of client metadata")
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		jsonError(w, http.StatusBadRequest, errInvalidClientMeta, "the body has more than one JSON value")
		return
	}
	uris, err := checkRedirectURIs(req.RedirectURIs)
	if err != nil {
		jsonError(w, http.StatusBadRequest, errInvalidRedirectURI, err.Error())
		return
	}
	if err := checkGrantTypes(req.GrantTypes, req.ResponseTypes); err != nil {
		jsonError(w, http.StatusBadRequest, errInvalidClientMeta, err.Error())
		return
	}
	if _, ok := grantedScope(req.Scope); !ok {
		jsonError(w, http.StatusBadRequest, errInvalidClientMeta, "the only scope is "+Scope)
		return
	}
	method := req.TokenEndpointAuthMethod
	switch method {
	case "":
		method = authSecretBasc // RFC 7591 §2's default
	case authNone, authSecretPost, authSecretBasc:
	default:
		jsonError(w, http.StatusBadRequest, errInvalidClientMeta, "token_endpoint_auth_method must be none, client_secret_post or client_secret_basic")
		return
	}
	c := client{Name: displayName(req.ClientName), RedirectURIs: uris, AuthMethod: method, Issued: s.now().Unix()}
	if err := s.register(&c); err != nil {
		jsonError(w, http.StatusInternalServerError, errServer, "the registration could not be made")
		return
	}
	resp := map[string]any{
		"client_id":                  c.ID,
		"client_id_issued_at":        c.Issued,
		"redirect_uris":              uris,
		"token_endpoint_auth_method": method,
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"scope":                      Scope,
	}
	if c.Name != "" {
		resp["client_name"] = c.Name
	}
	if method != authNone {
		secret, err := s.secretFor(c)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, errServer, "the registration could not be made")
			return
		}
		resp["client_secret"] = secret
		resp["client_secret_expires_at"] = 0
	}
	s.logger.InfoContext(r.Context(), "oauth: client registered", "client_name", c.Name, "redirect_uris", strings.Join(uris, " "),
		"auth_method", method)
	writeJSON(w, http.StatusCreated, resp)
}
