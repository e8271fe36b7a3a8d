package oauth

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// ResourceMetadata is an OAuth 2.0 Protected Resource Metadata document (RFC 9728 §2).
type ResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name"`
}

// ServerMetadata is an OAuth 2.0 Authorization Server Metadata document (RFC 8414 §2), with
// the MCP specification's client_id_metadata_document_supported.
type ServerMetadata struct {
	Issuer                                 string   `json:"issuer"`
	AuthorizationEndpoint                  string   `json:"authorization_endpoint"`
	TokenEndpoint                          string   `json:"token_endpoint"`
	RegistrationEndpoint                   string   `json:"registration_endpoint,omitempty"`
	RevocationEndpoint                     string   `json:"revocation_endpoint"`
	ScopesSupported                        []string `json:"scopes_supported"`
	ResponseTypesSupported                 []string `json:"response_types_supported"`
	ResponseModesSupported                 []string `json:"response_modes_supported"`
	GrantTypesSupported                    []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported      []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported          []string `json:"code_challenge_methods_supported"`
	ClientIDMetadataDocumentSupported      bool     `json:"client_id_metadata_document_supported"`
	AuthorizationResponseIssSupported      bool     `json:"authorization_response_iss_parameter_supported"`
}

// authMethods are the client authentication methods of the token and revocation endpoints:
// public clients (none) and the two secret forms a registration can ask for.
var authMethods = []string{authNone, authSecretPost, authSecretBasc}

// resourceMetadata is the document of endpoint ("" for the server as a whole).
func (s *Server) resourceMetadata(endpoint string) ResourceMetadata {
	return ResourceMetadata{
		Resource:               s.issuer + endpoint,
		AuthorizationServers:   []string{s.issuer},
		ScopesSupported:        []string{Scope},
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Jana Environmental Data Platform (jana-mcp)",
	}
}

// Metadata is the authorization server's metadata document.
func (s *Server) Metadata() ServerMetadata {
	m := ServerMetadata{
		Issuer:                                 s.issuer,
		AuthorizationEndpoint:                  s.issuer + PathAuthorize,
		TokenEndpoint:                          s.issuer + PathToken,
		RevocationEndpoint:                     s.issuer + PathRevoke,
		ScopesSupported:                        []string{Scope},
		ResponseTypesSupported:                 []string{"code"},
		ResponseModesSupported:                 []string{"query"},
		GrantTypesSupported:                    []string{"authorization_code", "refresh_token"},
		TokenEndpointAuthMethodsSupported:      authMethods,
		RevocationEndpointAuthMethodsSupported: authMethods,
		CodeChallengeMethodsSupported:          []string{"S256"},
		ClientIDMetadataDocumentSupported:      s.cfg.ClientIDDocuments,
		AuthorizationResponseIssSupported:      true,
	}
	if s.cfg.DynamicRegistration {
		m.RegistrationEndpoint = s.issuer + PathRegister
	}
	return m
}

// ResourceMetadataHandler serves the protected resource metadata at PathResourceMetadata
// and PathResourceMetadata + each of Endpoints.
func (s *Server) ResourceMetadataHandler(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	endpoint := strings.TrimPrefix(r.URL.Path, PathResourceMetadata)
	if endpoint != "" && !slices.Contains(Endpoints, endpoint) {
		http.NotFound(w, r)
		return
	}
	writeMetadata(w, s.resourceMetadata(endpoint))
}

// ServerMetadataHandler serves the authorization server metadata.
func (s *Server) ServerMetadataHandler(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	writeMetadata(w, s.Metadata())
}

func writeMetadata(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(v)
}

// cors lets browser-based clients (the MCP Inspector, web hosts) read the discovery documents
// and call the token, registration and revocation endpoints, which use no cookies. It answers
// a preflight and reports that it did.
func cors(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method != http.MethodOptions {
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
	return true
}
