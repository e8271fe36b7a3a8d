package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/server"
	"github.com/janaplatform/jana-mcp/internal/testenv"
)

// refreshes counts the sandbox's token refreshes, by status.
type refreshes struct {
	mu       sync.Mutex
	byStatus map[int]int
}

func (r *refreshes) observe(e sandbox.Event) {
	if e.OperationID != "auth_refresh_create" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byStatus == nil {
		r.byStatus = map[int]int{}
	}
	r.byStatus[e.Status]++
}

func (r *refreshes) counts() (ok, refused int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for status, n := range r.byStatus {
		if status == http.StatusOK {
			ok += n
		} else {
			refused += n
		}
	}
	return ok, refused
}

// TestTypeScriptOAuthClient drives the official TypeScript SDK client's OAuth support
// (test/node/oauth-client.mjs: an OAuthClientProvider that signs in on the server's page as a
// user would) against a server in MCP_AUTH_MODE=oauth and the sandbox, with Jana access tokens
// of 5 s and the server's own of 4 s: the client discovers, registers, signs in (email and
// password over Streamable HTTP; Jana's device-code flow over legacy SSE), lists and calls
// tools for 16 s — the server refreshing the user's Jana tokens itself, the client refreshing
// its own on 401 — and after a revocation (of its refresh token at the server; of the sign-in
// at Jana) its calls are refused and it is sent back to sign in.
func TestTypeScriptOAuthClient(t *testing.T) {
	nodeBin := node(t)
	t.Parallel()
	for _, tc := range []struct{ name, transport, signin, revoke string }{
		{"streamable http, password, refresh token revoked", "http", "password", "token"},
		{"legacy sse, device code, revoked at Jana", "sse", "device", "jana"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &refreshes{}
			sb := testenv.StartSandbox(t, sandbox.Config{AccessTokenLifetime: 5 * time.Second, DeviceInterval: time.Second, Observer: rec.observe})
			// No response cache: every call reaches Jana with the token of the moment.
			srv := testenv.StartOAuthServer(t, sb, map[string]string{"MCP_OAUTH_ACCESS_TOKEN_TTL": "4s", "MCP_CACHE_ENABLED": "false"}, server.Options{})
			out, err := run(t, 4*time.Minute, nodeBin, "test/node/oauth-client.mjs", "--base", srv.URL, "--sandbox", sb.URL,
				"--transport", tc.transport, "--signin", tc.signin, "--duration", "16", "--revoke", tc.revoke)
			if err != nil {
				t.Fatalf("oauth-client.mjs: %v\n%s", err, out)
			}
			checks := map[string]map[string]any{}
			for _, line := range strings.Split(out, "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) == nil && m["check"] != nil {
					checks[m["check"].(string)] = m
				}
			}
			for _, c := range []string{"signin", "tools", "calls", "revoke", "refused after revocation"} {
				if checks[c]["ok"] != true {
					t.Errorf("check %q: %v", c, checks[c])
				}
			}
			if saves, _ := checks["calls"]["tokenSaves"].(float64); saves < 2 {
				t.Errorf("the client saved tokens %v times: it never refreshed the server's 4 s tokens", saves)
			}
			if ok, refused := rec.counts(); ok < 2 || refused > 1 {
				// One refusal is the revocation at Jana, noticed by the server's refresh.
				t.Errorf("Jana refreshes: %d accepted, %d refused; want the server to refresh the user's 5 s tokens several times", ok, refused)
			}
			if strings.Contains(srv.Logs.String(), "jmcp_at_") || strings.Contains(srv.Logs.String(), "jmcp_rt_") {
				t.Error("the server logged one of its tokens")
			}
			t.Logf("%s\n%v\n%v", tc.name, checks["calls"], checks["refused after revocation"])
		})
	}
}

var conformanceTotal = regexp.MustCompile(`Total: (\d+) passed, (\d+) failed`)

// TestAuthorizationServerConformance runs the conformance suite's authorization-server
// scenarios (the `authorization` command of @modelcontextprotocol/conformance 0.2.0-alpha.12;
// 0.1.16 has none, and the server scenarios of both send no credentials) against the server
// in MCP_AUTH_MODE=oauth: authorization-server-metadata-endpoint (the RFC 8414 document, with
// client ID metadata documents) and authorization-code-grant (PKCE, state, iss, the token
// answer's headers). The suite prints an authorization URL and waits for a browser: this test
// is that browser, signing in on the sign-in page, which sends it to the suite's callback.
func TestAuthorizationServerConformance(t *testing.T) {
	nodeBin := node(t)
	t.Parallel()
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartOAuthServer(t, sb, nil, server.Options{})
	port := testenv.FreePort(t)
	callback := fmt.Sprintf("http://127.0.0.1:%d/callback", port)
	reg, _ := json.Marshal(map[string]any{"redirect_uris": []string{callback}, "token_endpoint_auth_method": "none", "client_name": "conformance suite"})
	resp, err := http.Post(srv.URL+"/oauth/register", "application/json", bytes.NewReader(reg))
	if err != nil {
		t.Fatal(err)
	}
	var client struct {
		ClientID string `json:"client_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&client)
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, "test/node/node_modules/conformance-next/dist/index.js", "authorization",
		"--url", srv.URL, "--client-id", client.ClientID, "--resource", srv.URL+"/mcp", "--port", strconv.Itoa(port), "-o", t.TempDir())
	cmd.Dir = root
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	signedIn := make(chan error, 1)
	sc := bufio.NewScanner(stdout)
	var authURL string
	listening, started := false, false
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		switch {
		case strings.HasPrefix(line, srv.URL+"/oauth/authorize?"):
			authURL = line
		case strings.HasPrefix(line, "Callback server started"):
			listening = true
		}
		if authURL != "" && listening && !started {
			// The browser signs in once the suite listens for the callback.
			started = true
			go func() {
				err := signInAs(srv.URL, authURL, sandbox.DefaultEmail, sandbox.DefaultPassword)
				if err != nil {
					cancel() // the suite would wait minutes for a callback that will not come
				}
				signedIn <- err
			}()
		}
	}
	err = cmd.Wait()
	select {
	case serr := <-signedIn:
		if serr != nil {
			t.Errorf("signing in as the suite's browser: %v", serr)
		}
	default:
		t.Error("the suite never asked for a sign-in")
	}
	m := conformanceTotal.FindStringSubmatch(out.String())
	if err != nil || m == nil || m[1] != "3" || m[2] != "0" {
		t.Fatalf("authorization server conformance (%v):\n%s", err, out.String())
	}
	t.Log(m[0])
}

// signInAs is a browser on an authorization URL: it signs in with email and password and
// follows the redirect to the client's callback.
func signInAs(base, authURL, email, password string) error {
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := b.Get(authURL)
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	field := func(name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindSubmatch(page)
		if m == nil {
			return ""
		}
		return string(m[1])
	}
	form := url.Values{"request": {field("request")}, "csrf": {field("csrf")}, "method": {"password"}, "email": {email}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = b.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign-in: %d", resp.StatusCode)
	}
	resp, err = http.Get(resp.Header.Get("Location"))
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
