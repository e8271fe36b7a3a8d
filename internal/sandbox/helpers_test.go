package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/janaplatform/jana-mcp/gen/janaapi"
	"github.com/janaplatform/jana-mcp/internal/sandbox/data"
)

// testSeed is the seed every test sandbox uses; the dataset is built once per test binary and
// shared (it is immutable), while each sandbox keeps its own auth, faults and stats.
const testSeed = 7

var (
	datasetOnce sync.Once
	dataset     *data.Dataset
	datasetErr  error

	sharedOnce sync.Once
	shared     *testEnv
)

func testDataset(t testing.TB) *data.Dataset {
	t.Helper()
	datasetOnce.Do(func() { dataset, datasetErr = data.Build(context.Background(), testSeed) })
	if datasetErr != nil {
		t.Fatalf("build dataset: %v", datasetErr)
	}
	return dataset
}

// testEnv is a sandbox on a real loopback listener with a client authenticated as demo.
type testEnv struct {
	sb     *Sandbox
	url    string
	client *janaapi.ClientWithResponses // sends the demo token
	anon   *janaapi.ClientWithResponses // sends no credentials
}

// newEnv starts a sandbox with cfg (seed forced to testSeed) on its own listener.
func newEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	cfg.Seed = testSeed
	sb, err := assemble(cfg, testDataset(t))
	if err != nil {
		t.Fatalf("assemble: %v", err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return envFor(t, sb, srv.URL)
}

func envFor(t *testing.T, sb *Sandbox, base string) *testEnv {
	t.Helper()
	token := sb.DemoToken()
	client, err := janaapi.NewClientWithResponses(base, janaapi.WithRequestEditorFn(withToken(token)))
	if err != nil {
		t.Fatal(err)
	}
	anon, err := janaapi.NewClientWithResponses(base)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{sb: sb, url: base, client: client, anon: anon}
}

// sharedEnv is one sandbox for the read-only tests that never change its state.
func sharedEnv(t *testing.T) *testEnv {
	t.Helper()
	sharedOnce.Do(func() {
		sb, err := assemble(Config{Seed: testSeed}, testDataset(t))
		if err != nil {
			t.Fatalf("assemble: %v", err)
		}
		// Not closed: it lives as long as the test binary.
		srv := httptest.NewServer(sb.Handler())
		shared = envFor(t, sb, srv.URL)
	})
	if shared == nil {
		t.Fatal("shared sandbox failed to start")
	}
	return shared
}

func withToken(token string) janaapi.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Token "+token)
		return nil
	}
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// get fetches a URL verbatim with the demo token, as a client following a next link does.
func (e *testEnv) get(t *testing.T, rawURL string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+e.sb.DemoToken())
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// No redirects: tests look at 301s themselves.
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// queryOf returns a query parameter of an absolute link.
func queryOf(t *testing.T, link *string, name string) string {
	t.Helper()
	if link == nil {
		t.Fatalf("no link to read %s from", name)
	}
	u, err := url.Parse(*link)
	if err != nil {
		t.Fatalf("bad link %q: %v", *link, err)
	}
	return u.Query().Get(name)
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

func textLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// legacyLogin is the body of a DRF-token login.
func legacyLogin(t *testing.T, username string, password *string) janaapi.LoginRequest {
	t.Helper()
	var req janaapi.LoginRequest
	if err := req.FromUsernameLoginRequest(janaapi.UsernameLoginRequest{Username: username, Password: password}); err != nil {
		t.Fatal(err)
	}
	return req
}

// jwtLogin is the body of a JWT login.
func jwtLogin(t *testing.T, email, password string) janaapi.LoginRequest {
	t.Helper()
	var req janaapi.LoginRequest
	if err := req.FromEmailLoginRequest(janaapi.EmailLoginRequest{Email: openapi_types.Email(email), Password: &password}); err != nil {
		t.Fatal(err)
	}
	return req
}

// loginToken logs in with a DRF-token body and returns the answer's token and user.
func (e *testEnv) loginToken(t *testing.T, username, password string) janaapi.AuthTokenResponse {
	t.Helper()
	resp, err := e.anon.AuthLoginCreateWithResponse(ctx(t), legacyLogin(t, username, &password))
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("login %s: %v %d %s", username, err, resp.StatusCode(), resp.Body)
	}
	out, err := resp.JSON200.AsAuthTokenResponse()
	if err != nil || out.Token == "" {
		t.Fatalf("login %s: not a DRF token answer: %v %s", username, err, resp.Body)
	}
	return out
}

// loginJWT signs in with email and password and returns the access and refresh tokens.
func (e *testEnv) loginJWT(t *testing.T, email, password string) (access, refresh string) {
	t.Helper()
	resp, err := e.anon.AuthLoginCreateWithResponse(ctx(t), jwtLogin(t, email, password))
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("JWT login %s: %v %d %s", email, err, resp.StatusCode(), resp.Body)
	}
	out, err := resp.JSON200.AsTokenPairResponse()
	if err != nil || out.Data.AccessToken == "" || out.Data.RefreshToken == nil {
		t.Fatalf("JWT login %s: not a token pair: %v %s", email, err, resp.Body)
	}
	return out.Data.AccessToken, *out.Data.RefreshToken
}

func withBearer(token string) janaapi.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// bearerClient is a generated client that sends token as a Bearer JWT.
func (e *testEnv) bearerClient(t *testing.T, token string) *janaapi.ClientWithResponses {
	t.Helper()
	c, err := janaapi.NewClientWithResponses(e.url, janaapi.WithRequestEditorFn(withBearer(token)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
