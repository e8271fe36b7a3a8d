package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// The go-sdk's own OAuth client (auth.AuthorizationCodeHandler on a StreamableClientTransport)
// against the server: discovery, registration or a client ID metadata document, PKCE, the
// resource indicator, the issuer check of RFC 9207, refreshes. Its AuthorizationCodeFetcher is
// the user: it opens the authorization URL in a browser, signs in, and hands the redirect's
// code back.

const callback = "http://127.0.0.1:9/callback"

// signInFetcher signs in as email with password whenever the client asks, and counts how often.
func signInFetcher(t *testing.T, base, email, password string, asked *atomic.Int32) auth.AuthorizationCodeFetcher {
	return func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		asked.Add(1)
		r := passwordSignIn(t, base, args.URL, email, password)
		u, err := url.Parse(r.location)
		if r.status != http.StatusSeeOther || err != nil || u.Query().Get("code") == "" {
			return nil, fmt.Errorf("sign-in: %d %s", r.status, r.location)
		}
		q := u.Query()
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
}

// tokenRequests counts the client's requests to the token endpoint by grant type.
type tokenRequests struct {
	mu     sync.Mutex
	grants map[string]int
}

func (tr *tokenRequests) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/oauth/token") && r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		form, _ := url.ParseQuery(string(body))
		tr.mu.Lock()
		if tr.grants == nil {
			tr.grants = map[string]int{}
		}
		tr.grants[form.Get("grant_type")]++
		tr.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (tr *tokenRequests) count(grant string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.grants[grant]
}

// oauthSession connects the go-sdk client to base/mcp with handler h.
func oauthSession(ctx context.Context, base string, h auth.OAuthHandler) (*mcp.ClientSession, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "go-sdk-oauth-test", Version: "0"}, nil)
	return client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + "/mcp", OAuthHandler: h, MaxRetries: -1},
		&mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
}

// TestOAuthGoSDKClient: the go-sdk's client registers, sends the user to sign in, and then
// calls tools for longer than several lives of Jana's access tokens (3 s in the sandbox) and
// of the server's own (15 s, which the client refreshes, the server rotating each refresh
// token): every call works, and the user signed in once.
func TestOAuthGoSDKClient(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	sb := testenv.StartSandbox(t, sandbox.Config{AccessTokenLifetime: 3 * time.Second, Observer: rec.observe})
	// No response cache: every call reaches Jana, with the token of the moment.
	srv := testenv.StartOAuthServer(t, sb, map[string]string{"MCP_OAUTH_ACCESS_TOKEN_TTL": "15s", "MCP_CACHE_ENABLED": "false"}, server.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var asked atomic.Int32
	requests := &tokenRequests{}
	h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			RedirectURIs: []string{callback}, ClientName: "go-sdk test", TokenEndpointAuthMethod: "none",
			GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		}},
		AuthorizationCodeFetcher: signInFetcher(t, srv.URL, sandbox.DefaultEmail, sandbox.DefaultPassword, &asked),
		Client:                   &http.Client{Transport: requests},
	})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := oauthSession(ctx, srv.URL, h)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()
	if tools, err := cs.ListTools(ctx, nil); err != nil || len(tools.Tools) == 0 {
		t.Fatalf("tools/list: %v", err)
	}
	// Past 20 s: six or so lives of Jana's token, one refresh of ours.
	deadline := time.Now().Add(22 * time.Second)
	calls := 0
	for ; time.Now().Before(deadline); calls++ {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_station", Arguments: map[string]any{"station_id": 1 + calls%5}})
		if err != nil || res.IsError {
			t.Fatalf("call %d after %d Jana refreshes: %v %s", calls, rec.countOp("auth_refresh_create", http.StatusOK), err, testenv.Text(res))
		}
		time.Sleep(300 * time.Millisecond)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the user was asked to sign in %d times, want once", n)
	}
	if n := rec.countOp("auth_refresh_create", http.StatusOK); n < 3 {
		t.Errorf("the server refreshed the user's Jana token %d times in 22 s of 3 s tokens, want several", n)
	}
	if n := rec.countOp("auth_refresh_create", 0) - rec.countOp("auth_refresh_create", http.StatusOK); n != 0 {
		t.Errorf("%d refreshes refused by Jana", n)
	}
	if requests.count("refresh_token") < 1 || requests.count("authorization_code") != 1 {
		t.Errorf("token requests: %v, want one code exchange and a refresh", requests.grants)
	}
	t.Logf("%d calls; Jana refreshes %d; client token requests %v", calls, rec.countOp("auth_refresh_create", http.StatusOK), requests.grants)
}

// TestOAuthClientIDMetadataDocument: a client whose id is the https URL of its metadata
// document signs in without registering (the go-sdk client prefers this when the server
// supports it); the page names the client by its document; a document that does not say it
// is that URL's is refused.
func TestOAuthClientIDMetadataDocument(t *testing.T) {
	t.Parallel()
	var docs atomic.Int32
	docServer := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		docs.Add(1)
		self := "https://" + r.Host + r.URL.Path
		id := self
		if r.URL.Path == "/impostor.json" {
			id = "https://claude.ai/oauth/client.json"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"client_id": id, "client_name": "Document Client", "redirect_uris": []string{callback},
			"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
			"token_endpoint_auth_method": "none",
		})
	}))
	t.Cleanup(docServer.Close)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	// The server fetches documents from this test's loopback TLS server (its default fetcher
	// reaches public addresses only).
	srv := testenv.StartOAuthServer(t, sb, nil, server.Options{ClientDocuments: docServer.Client()})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var asked atomic.Int32
	docURL := docServer.URL + "/client.json"
	fetch := signInFetcher(t, srv.URL, sandbox.DefaultEmail, sandbox.DefaultPassword, &asked)
	var pageText string
	h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: docURL},
		RedirectURL:                    callback,
		AuthorizationCodeFetcher: func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
			pageText = newBrowser(t).get(args.URL).body
			return fetch(ctx, args)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := oauthSession(ctx, srv.URL, h)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	res, _ := call(ctx, t, cs, "get_station", map[string]any{"station_id": 2})
	mustOK(t, "a client ID metadata document client", res)
	_ = cs.Close()
	u, _ := url.Parse(docServer.URL)
	if !strings.Contains(pageText, "Document Client ("+u.Host+")") {
		t.Errorf("the sign-in page does not name the document's client and host: %.500s", pageText)
	}
	if n := docs.Load(); n != 1 {
		t.Errorf("the document was fetched %d times for one sign-in, want once (then cached)", n)
	}

	// The token endpoint, which anyone may call without limit, never fetches a document.
	stranger := &oauthClient{t: t, base: srv.URL, id: docServer.URL + "/stranger.json", redirect: callback}
	if a := stranger.exchange("jmcp_ac_made-up", newPKCE()); a.Error != "invalid_grant" || docs.Load() != 1 {
		t.Errorf("a token request naming a document client: %+v, %d fetches", a, docs.Load())
	}

	c := &oauthClient{t: t, base: srv.URL, id: docServer.URL + "/impostor.json", redirect: callback}
	if r := newBrowser(t).get(c.authorizeURL(newPKCE(), "x")); r.status != http.StatusBadRequest || !strings.Contains(r.body, "is not the URL it was fetched from") {
		t.Errorf("a document claiming another client id: %d %.300s", r.status, r.body)
	}
}
