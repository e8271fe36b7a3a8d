package server_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/oauth"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// FuzzOAuthEndpoints sends hostile input to every endpoint of MCP_AUTH_MODE=oauth — the
// discovery documents, the authorization endpoint, the sign-in form and its wait page, the
// token, registration and revocation endpoints, and the MCP endpoints' token check — in
// process, with the sandbox Jana behind the server. An input is the endpoint, a query (or
// path suffix), a header value (the Authorization header, or a Cookie for the sign-in pages)
// and a body. The server must answer each without a panic and without a 5xx. The sign-in form
// and wait page get a fresh pending sign-in for each input, with its cookie, and {request}
// and {csrf} in the input stand for its id and form token, so that mutations reach the
// password and device-code paths.
func FuzzOAuthEndpoints(f *testing.F) {
	h := newOAuthFuzzServer(f)
	for _, seed := range []struct {
		endpoint      uint8
		query, header string
		body          string
	}{
		{0, "response_type=code&client_id=" + url.QueryEscape(h.clientID) + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_challenge=" + strings.Repeat("A", 43) + "&code_challenge_method=S256&state=x&resource=http%3A%2F%2F127.0.0.1%3A8080%2Fmcp", "", ""},
		{0, "client_id=https%3A%2F%2F10.0.0.1%2Fc.json&redirect_uri=x", "", ""},
		{0, "client_id=jmcp_client_%ff%00&resource=a&resource=b", "", ""},
		{1, "", "", "request={request}&csrf={csrf}&method=password&email=demo%40jana.example&password=wrong"},
		{1, "", "", "request={request}&csrf={csrf}&method=password&email=Demo+%3Cdemo%40jana.example%3E&password=demo-password"},
		{1, "", "", "request={request}&csrf={csrf}&method=device"},
		{1, "", "jana_mcp_signin_x=y", "request=..%2F..&csrf=&method=password"},
		{2, "request={request}", "", ""},
		{2, "request=%00%00", "", ""},
		{3, "", "", "grant_type=authorization_code&code=jmcp_ac_x&client_id=" + url.QueryEscape(h.clientID) + "&code_verifier=" + strings.Repeat("v", 43)},
		{3, "", "Basic " + "Zm9vOmJhcg==", "grant_type=refresh_token&refresh_token=jmcp_rt_x"},
		{3, "", "Basic %%%", "grant_type=password"},
		{4, "", "", `{"redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"token_endpoint_auth_method":"none","client_name":"x"}`},
		{4, "", "", `{"redirect_uris":["javascript:alert(1)"],"grant_types":[1]}`},
		{4, "", "", `{"redirect_uris":null}{"x":1}`},
		{5, "", "", "token=jmcp_at_x&client_id=" + url.QueryEscape(h.clientID)},
		{6, "/mcp", "", ""},
		{6, "/../../etc", "", ""},
		{7, "", "", ""},
		{8, "", "Bearer jmcp_at_" + strings.Repeat("A", 43), `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`},
		{8, "", "Bearer " + strings.Repeat("x", 4000), `{}`},
		{9, "", "Bearer jmcp_rt_x", ""},
		{10, "", "", ""},
	} {
		f.Add(seed.endpoint, seed.query, seed.header, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, endpoint uint8, query, header string, body []byte) {
		before := h.panics.Count()
		status, err := h.serve(endpoint%11, query, header, body)
		if n := h.panics.Count(); n != before {
			t.Fatalf("the server recovered a panic on endpoint %d %q %q %q:\n%s", endpoint%11, bound([]byte(query)), bound([]byte(header)), bound(body), h.panics.Last())
		}
		if err != nil {
			t.Fatalf("endpoint %d %q: %v", endpoint%11, bound([]byte(query)), err)
		}
		if status >= 500 {
			t.Fatalf("endpoint %d %q %q %q: status %d", endpoint%11, bound([]byte(query)), bound([]byte(header)), bound(body), status)
		}
	})
}

type oauthFuzzServer struct {
	handler  http.Handler
	panics   *testenv.Panics
	clientID string
}

// The server's public URL: requests go to its handler in process, with this Host.
const fuzzPublic = "http://127.0.0.1:8080"

func newOAuthFuzzServer(f *testing.F) *oauthFuzzServer {
	sb := testenv.NewSandbox(f, sandbox.Config{})
	cfg := testenv.Config(f, "http://jana.test", map[string]string{
		"MCP_AUTH_MODE": "oauth", "MCP_PUBLIC_URL": fuzzPublic, "MCP_OAUTH_KEY": testenv.OAuthKey,
		"LOG_LEVEL": "warn", "MCP_SSE_KEEPALIVE": "0",
	})
	panics := &testenv.Panics{}
	// Client documents would be fetched from the network: none are reachable here.
	noNetwork := &http.Client{Transport: testenv.HandlerTransport{Handler: http.NotFoundHandler()}}
	srv, err := server.New(cfg, slog.New(panics), server.Options{Transport: testenv.HandlerTransport{Handler: sb.Handler()},
		ClientDocuments: noNetwork, OAuthStore: newEvictingStore()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })
	h := &oauthFuzzServer{handler: srv.Handler(), panics: panics}
	rec := h.do(http.MethodPost, oauth.PathRegister, "application/json", "", "",
		[]byte(`{"redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"none"}`))
	m := regexp.MustCompile(`"client_id":"([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusCreated || m == nil {
		f.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	h.clientID = m[1]
	return h
}

// signInPending is a pending sign-in: its id, form token and cookie.
type signInPending struct{ id, csrf, cookie string }

func (h *oauthFuzzServer) pendingSignIn() (signInPending, error) {
	q := url.Values{"response_type": {"code"}, "client_id": {h.clientID}, "redirect_uri": {"http://127.0.0.1:9/cb"},
		"code_challenge": {strings.Repeat("A", 43)}, "code_challenge_method": {"S256"}}
	rec := h.do(http.MethodGet, oauth.PathAuthorize+"?"+q.Encode(), "", "", "", nil)
	var p signInPending
	for _, m := range hiddenField.FindAllStringSubmatch(rec.Body.String(), -1) {
		if m[1] == "request" {
			p.id = m[2]
		} else {
			p.csrf = m[2]
		}
	}
	for _, c := range rec.Result().Cookies() {
		p.cookie = c.Name + "=" + c.Value
	}
	if p.id == "" || p.csrf == "" || p.cookie == "" {
		return p, fmt.Errorf("no pending sign-in: %d %.300s", rec.Code, rec.Body)
	}
	return p, nil
}

func (h *oauthFuzzServer) do(method, target, contentType, authorization, cookie string, body []byte) *httptest.ResponseRecorder {
	ctx, cancel := context.WithTimeout(context.Background(), answerTimeout)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, method, fuzzPublic+"/", bytes.NewReader(body))
	if u, err := url.Parse(fuzzPublic + target); err == nil {
		req.URL = u
		req.RequestURI = u.RequestURI()
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec
}

// serve sends one input to endpoint and returns the status.
func (h *oauthFuzzServer) serve(endpoint uint8, query, header string, body []byte) (int, error) {
	const form = "application/x-www-form-urlencoded"
	query = strings.NewReplacer("#", "%23", " ", "%20").Replace(query)
	var p signInPending
	if endpoint == 1 || endpoint == 2 {
		var err error
		if p, err = h.pendingSignIn(); err != nil {
			return 0, err
		}
		placeholders := strings.NewReplacer("{request}", p.id, "{csrf}", p.csrf)
		query, body = placeholders.Replace(query), []byte(placeholders.Replace(string(body)))
	}
	var rec *httptest.ResponseRecorder
	switch endpoint {
	case 0:
		rec = h.do(http.MethodGet, oauth.PathAuthorize+"?"+query, "", "", header, nil)
	case 1:
		rec = h.do(http.MethodPost, oauth.PathSignIn, form, "", header, body)
		if rec.Code < 500 {
			rec = h.do(http.MethodPost, oauth.PathSignIn, form, "", p.cookie, body) // with the pending sign-in's cookie
		}
	case 2:
		rec = h.do(http.MethodGet, oauth.PathWait+"?"+query, "", "", p.cookie, nil)
	case 3:
		rec = h.do(http.MethodPost, oauth.PathToken, form, header, "", body)
	case 4:
		rec = h.do(http.MethodPost, oauth.PathRegister, "application/json", header, "", body)
	case 5:
		rec = h.do(http.MethodPost, oauth.PathRevoke, form, header, "", body)
	case 6:
		rec = h.do(http.MethodGet, oauth.PathResourceMetadata+query, "", "", "", nil)
	case 7:
		rec = h.do(http.MethodGet, oauth.PathServerMetadata+"?"+query, "", header, "", nil)
	case 8:
		rec = h.do(http.MethodPost, "/mcp", "application/json", header, "", body)
	case 9:
		// An SSE stream that opened would run until its context ends: only refusals are
		// read here (a valid token cannot be guessed).
		rec = h.do(http.MethodGet, "/sse?"+query, "", header, "", nil)
	case 10:
		rec = h.do(http.MethodOptions, oauth.PathToken, "", header, "", nil)
	default:
		return 0, fmt.Errorf("no endpoint %d", endpoint)
	}
	return rec.Code, nil
}

// evictingStore is a memory store that forgets everything when it holds too much: a fuzzer
// starts far more sign-ins than a memory store keeps (which then refuses new ones with a 503).
type evictingStore struct {
	cur    atomic.Pointer[oauth.MemoryStore]
	writes atomic.Int64
}

func newEvictingStore() *evictingStore {
	s := &evictingStore{}
	s.cur.Store(oauth.NewMemoryStore())
	return s
}

func (s *evictingStore) write() *oauth.MemoryStore {
	if s.writes.Add(1)%20_000 == 0 {
		s.cur.Store(oauth.NewMemoryStore())
	}
	return s.cur.Load()
}

func (s *evictingStore) Get(ctx context.Context, key string) ([]byte, error) {
	return s.cur.Load().Get(ctx, key)
}

func (s *evictingStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return s.write().Set(ctx, key, value, ttl)
}

func (s *evictingStore) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	return s.write().Add(ctx, key, value, ttl)
}

func (s *evictingStore) Replace(ctx context.Context, key string, value []byte) (bool, error) {
	return s.cur.Load().Replace(ctx, key, value)
}

func (s *evictingStore) Take(ctx context.Context, key string) ([]byte, error) {
	return s.cur.Load().Take(ctx, key)
}

func (s *evictingStore) Touch(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return s.cur.Load().Touch(ctx, key, ttl)
}

func (s *evictingStore) Delete(ctx context.Context, keys ...string) error {
	return s.cur.Load().Delete(ctx, keys...)
}

func (s *evictingStore) Unlock(ctx context.Context, key string, value []byte) error {
	return s.cur.Load().Unlock(ctx, key, value)
}
