package jana_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/jana"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// userChecks counts the sandbox's /api/auth/user/ requests that carried token.
func (e *events) userChecks(token string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.all {
		if ev.OperationID == "auth_user_retrieve" && ev.Token == token {
			n++
		}
	}
	return n
}

// schemesFor lists the "<scheme> <token>" of the requests to paths ending with suffix.
func (e *events) schemesFor(suffix string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.all {
		if strings.HasSuffix(ev.Path, suffix) {
			out = append(out, ev.Scheme+" "+ev.Token)
		}
	}
	return out
}

// TestVerifyJWT: Jana's acceptance of a JWT is remembered at most until its exp claim, after
// which the JWT is refused as expired without asking Jana; a JWT Jana refuses is never
// remembered; a refused DRF token is.
func TestVerifyJWT(t *testing.T) {
	t.Parallel()
	rec := &events{}
	// exp has whole seconds, so a 3 s token lives 2 to 3 s.
	sb := testenv.StartSandbox(t, sandbox.Config{AccessTokenLifetime: 3 * time.Second, Observer: rec.observe})
	c := newClient(t, sb, map[string]string{"MCP_AUTH_CACHE_TTL": "10m"}, jana.Options{})
	ctx := context.Background()

	jwt, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	caller := jana.UserCaller(jana.SchemeBearer, jwt)
	if !caller.IsJWT() {
		t.Fatal("the sandbox's access token is not recognised as a JWT")
	}
	for range 3 {
		if err := c.VerifyToken(ctx, caller); err != nil {
			t.Fatalf("fresh JWT: %v", err)
		}
	}
	if got := rec.userChecks(jwt); got != 1 || !c.TokenVerified(caller) {
		t.Errorf("%d checks (want 1) and verified %v", got, c.TokenVerified(caller))
	}
	exp, _ := caller.Expires()
	time.Sleep(time.Until(exp) + 50*time.Millisecond)
	if c.TokenVerified(caller) {
		t.Error("a verdict outlived the JWT's exp claim")
	}
	if err := c.VerifyToken(ctx, caller); !errors.Is(err, jana.ErrSignInExpired) {
		t.Errorf("expired JWT: %v, want ErrSignInExpired", err)
	}
	if got := rec.userChecks(jwt); got != 1 {
		t.Errorf("Jana was asked about an expired JWT (%d checks)", got)
	}

	revoked, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.RevokeJWTs(sandbox.DefaultUsername); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := c.VerifyToken(ctx, jana.UserCaller(jana.SchemeBearer, revoked)); !errors.Is(err, jana.ErrSignInExpired) {
			t.Errorf("revoked JWT: %v, want ErrSignInExpired", err)
		}
	}
	if got := rec.userChecks(revoked); got != 2 {
		t.Errorf("a refused JWT was remembered: %d checks for 2 verifications", got)
	}
	bad := strings.Repeat("0", 40)
	for range 2 {
		if err := c.VerifyToken(ctx, jana.UserCaller(jana.SchemeToken, bad)); !errors.Is(err, jana.ErrTokenRejected) {
			t.Errorf("unknown DRF token: %v", err)
		}
	}
	if got := rec.userChecks(bad); got != 1 {
		t.Errorf("a refused DRF token was checked %d times, want once (remembered)", got)
	}
}

// TestExpiredJWTGetsNoData: once a JWT passes its exp claim, even an answer cached for its
// user is not served to it, and nothing reaches Jana.
func TestExpiredJWTGetsNoData(t *testing.T) {
	t.Parallel()
	rec := &events{}
	sb := testenv.StartSandbox(t, sandbox.Config{AccessTokenLifetime: 3 * time.Second, Observer: rec.observe})
	c := newClient(t, sb, nil, jana.Options{})
	jwt, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	caller := jana.UserCaller(jana.SchemeBearer, jwt)
	ctx := jana.WithCaller(context.Background(), caller)
	if resp, err := c.API().V1DataSourcesOpenaqLocationsRetrieveWithResponse(ctx, 21); err != nil || resp.StatusCode() != http.StatusOK {
		t.Fatalf("fresh JWT: %v %d", err, statusOf(resp))
	}
	exp, _ := caller.Expires()
	time.Sleep(time.Until(exp) + 50*time.Millisecond)
	_, err = c.API().V1DataSourcesOpenaqLocationsRetrieveWithResponse(ctx, 21)
	je, ok := jana.AsError(err)
	if !ok || je.Kind != jana.KindUnauthorized || !je.Expired || !je.CredentialRejected() {
		t.Fatalf("expired JWT: %v, want an expired-credential error", err)
	}
	if got := rec.schemesFor("/locations/21/"); len(got) != 1 || got[0] != "Bearer "+jwt {
		t.Errorf("requests to Jana: %d, want the first one only, with Bearer", len(got))
	}
}

// TestServiceCredentialSchemes: JANA_TOKEN reaches Jana with its scheme: "Bearer …" and a bare
// JWT as Bearer, "Token …" and a bare 40-hex key as Token.
func TestServiceCredentialSchemes(t *testing.T) {
	t.Parallel()
	rec := &events{}
	sb := testenv.StartSandbox(t, sandbox.Config{Observer: rec.observe})
	jwt, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct{ setting, want string }{
		{"Bearer " + jwt, "Bearer " + jwt},
		{jwt, "Bearer " + jwt},
		{"token " + sb.Token, "Token " + sb.Token},
		{sb.Token, "Token " + sb.Token},
	} {
		c := newClient(t, sb, map[string]string{"JANA_TOKEN": tc.setting, "MCP_CACHE_ENABLED": "false"}, jana.Options{})
		id := 60 + i
		resp, err := c.API().V1DataSourcesOpenaqLocationsRetrieveWithResponse(jana.WithCaller(context.Background(), jana.ServiceCaller()), id)
		if err != nil || resp.StatusCode() != http.StatusOK {
			t.Errorf("JANA_TOKEN %.12s…: %v %d", tc.setting, err, statusOf(resp))
			continue
		}
		if got := rec.schemesFor("/locations/" + strconv.Itoa(id) + "/"); len(got) != 1 || got[0] != tc.want {
			t.Errorf("JANA_TOKEN %.12s…: Jana saw %.20q, want %.20q", tc.setting, got, tc.want)
		}
	}
}

// hostRecorder serves the sandbox and notes, per operation path, which listener and Host
// header each request came with.
type hostRecorder struct {
	mu   sync.Mutex
	seen []string // "<listener> <path> <host>"
}

func (h *hostRecorder) serve(t *testing.T, name string, next http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.seen = append(h.seen, name+" "+r.URL.Path+" "+r.Host)
		h.mu.Unlock()
		next.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

func (h *hostRecorder) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

// TestJWTsAtAuthURL: with JANA_AUTH_URL, the service account signs in and refreshes there and
// Bearer users are checked there, while data calls, DRF tokens and the legacy login stay on
// JANA_BACKEND_URL; JANA_HOST_HEADER is sent to the backend only.
func TestJWTsAtAuthURL(t *testing.T) {
	t.Parallel()
	svc := sandbox.User{Username: "svc", Password: "svc-password", Email: "svc@jana.example"}
	sb := testenv.StartSandbox(t, sandbox.Config{Users: []sandbox.User{svc}, AccessTokenLifetime: 2 * time.Second})
	hosts := &hostRecorder{}
	backend := hosts.serve(t, "backend", sb.Handler())
	auth := hosts.serve(t, "auth", sb.Handler()) // one sandbox, so both know the same sign-ins

	cfg := testenv.Config(t, backend, map[string]string{"JANA_AUTH_URL": auth, "JANA_EMAIL": svc.Email, "JANA_PASSWORD": svc.Password,
		"JANA_HOST_HEADER": "localhost", "MCP_CACHE_ENABLED": "false"})
	c := testenv.Client(t, cfg, jana.Options{})
	svcCtx := jana.WithCaller(context.Background(), jana.ServiceCaller())
	refreshed := func() bool {
		for _, s := range hosts.all() {
			if strings.HasPrefix(s, "auth /api/auth/refresh/ ") {
				return true
			}
		}
		return false
	}
	for i := 0; !refreshed(); i++ { // calls until the 2 s token has been renewed
		if i == 300 {
			t.Fatal("no refresh in 60 s of calls with 2 s tokens")
		}
		if resp, err := c.API().V1DataSourcesOpenaqLocationsRetrieveWithResponse(svcCtx, 70+i%50); err != nil || resp.StatusCode() != http.StatusOK {
			t.Fatalf("service call %d: %v %d", i, err, statusOf(resp))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := c.Ready(context.Background()); err != nil {
		t.Errorf("ready: %v", err)
	}
	user, _, err := sb.IssueJWT(sandbox.DefaultUsername)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.VerifyToken(context.Background(), jana.UserCaller(jana.SchemeBearer, user)); err != nil {
		t.Errorf("Bearer user: %v", err)
	}
	if err := c.VerifyToken(context.Background(), jana.UserCaller(jana.SchemeToken, sb.Token)); err != nil {
		t.Errorf("Token user: %v", err)
	}

	backendHost := strings.TrimPrefix(backend, "http://")
	authHost := strings.TrimPrefix(auth, "http://")
	counts := map[string]int{}
	for _, s := range hosts.all() {
		name, rest, _ := strings.Cut(s, " ")
		path, host, _ := strings.Cut(rest, " ")
		switch {
		case name == "backend" && host != "localhost":
			t.Errorf("backend request %s with Host %q, want JANA_HOST_HEADER", path, host)
		case name == "auth" && host != authHost:
			t.Errorf("auth request %s with Host %q, want the auth URL's own %q (not %q)", path, host, authHost, backendHost)
		}
		counts[name+" "+strings.TrimSuffix(path, "/")]++
	}
	for _, want := range []string{"auth /api/auth/login", "auth /api/auth/refresh", "auth /api/auth/user", "backend /api/auth/user", "backend /api/v1/esg/health"} {
		if counts[want] == 0 {
			t.Errorf("no request %q; saw %v", want, counts)
		}
	}
	for k := range counts {
		if strings.HasPrefix(k, "auth /api/v1/") || k == "backend /api/auth/login" || k == "backend /api/auth/refresh" {
			t.Errorf("request on the wrong host: %s", k)
		}
	}
}
