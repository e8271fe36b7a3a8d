package server_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/janaplatform/jana-mcp/internal/landing"
	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/tools"
)

// TestLandingPageInABrowser opens / in headless chromium as a person would: the page renders
// with no console error (no CSP violation either), says Jana is reachable, shows the four
// clients' configurations with this server's URL and a placeholder (never a real token), lists
// every tool, marks the ones with a chart or a map, has no script, and fits a phone.
func TestLandingPageInABrowser(t *testing.T) {
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	tab := testenv.NewTab(t, 1000, 1250)

	resp, err := chromedp.Run(tab.Ctx, chromedp.NavigateResponse(srv.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.MimeType, "text/html") {
		t.Fatalf("a browser got %d %s", resp.Status, resp.MimeType)
	}
	if csp, _ := resp.Headers["Content-Security-Policy"].(string); csp != landing.ContentSecurityPolicy {
		t.Errorf("Content-Security-Policy %q", csp)
	}

	type card struct {
		Client string `json:"client"`
		Where  string `json:"where"`
		Text   string `json:"text"`
	}
	type seen struct {
		Status   string            `json:"status"`
		Configs  []card            `json:"configs"`
		Tools    map[string]string `json:"tools"` // name → tag
		Scripts  int               `json:"scripts"`
		Body     string            `json:"body"`
		Overflow bool              `json:"overflow"`
	}
	read := chromedp.Evaluate[seen](`(() => ({
		status: document.getElementById("jana-status").textContent.trim(),
		configs: [...document.querySelectorAll(".config")].map(c => ({client: c.querySelector("h3").textContent, where: c.querySelector(".where").textContent, text: c.querySelector("pre").textContent})),
		tools: Object.fromEntries([...document.querySelectorAll("#tools ~ .card tbody tr")].map(r => [r.querySelector("code").textContent, (r.querySelector(".tag") || {}).textContent || ""])),
		scripts: document.scripts.length,
		body: document.body.innerText,
		overflow: document.documentElement.scrollWidth > window.innerWidth,
	}))()`)
	got, err := chromedp.Run(tab.Ctx, read)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "reachable" {
		t.Errorf("Jana status %q, want reachable", got.Status)
	}
	if got.Scripts != 0 {
		t.Errorf("the page has %d scripts; it needs none", got.Scripts)
	}
	wantClients := []string{"Cursor", "Claude Code", "Claude Desktop", "VS Code"}
	if len(got.Configs) != len(wantClients) {
		t.Fatalf("configurations %+v, want %v", got.Configs, wantClients)
	}
	for i, c := range got.Configs {
		if c.Client != wantClients[i] {
			t.Errorf("configuration %d is for %q, want %q", i, c.Client, wantClients[i])
		}
		if !strings.Contains(c.Text, srv.URL+"/mcp") {
			t.Errorf("%s's configuration does not name %s/mcp:\n%s", c.Client, srv.URL, c.Text)
		}
		if !strings.Contains(c.Text, landing.TokenPlaceholder) && !strings.Contains(c.Text, "${input:jana-token}") {
			t.Errorf("%s's configuration has no token placeholder:\n%s", c.Client, c.Text)
		}
		if strings.HasPrefix(strings.TrimSpace(c.Text), "{") {
			var v any
			if err := json.Unmarshal([]byte(c.Text), &v); err != nil {
				t.Errorf("%s's configuration is not valid JSON: %v\n%s", c.Client, err, c.Text)
			}
		}
	}
	if strings.Contains(got.Body, sb.Token) {
		t.Error("the page shows the demo user's real token")
	}
	list, err := tools.Listed(tab.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range list {
		if _, ok := got.Tools[tool.Name]; !ok {
			t.Errorf("tool %s is not listed", tool.Name)
		}
	}
	for name, tag := range map[string]string{"get_trends": "chart", "station_means": "chart", "find_nearby": "map", "get_air_quality": ""} {
		if got.Tools[name] != tag {
			t.Errorf("%s is tagged %q, want %q", name, got.Tools[name], tag)
		}
	}
	if got.Overflow {
		t.Error("the page is wider than a desktop window")
	}
	shot, err := chromedp.Run(tab.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	testenv.SaveScreenshot(t, "landing.png", shot)

	// A phone: 390 px wide, nothing sticks out sideways.
	if err := chromedp.Do(tab.Ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	phone, err := chromedp.Run(tab.Ctx, read)
	if err != nil {
		t.Fatal(err)
	}
	if phone.Overflow {
		t.Error("on a 390 px phone the page scrolls sideways")
	}
	full, err := chromedp.Run(tab.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	testenv.SaveArtifact(t, "landing-phone.png", full)

	if errs := tab.Errors(); len(errs) > 0 {
		t.Errorf("the browser reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestLandingNegotiation: browsers get the page; JSON clients, curl and event-stream clients
// keep the JSON 404 that / always answered.
func TestLandingNegotiation(t *testing.T) {
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	for _, tc := range []struct {
		accept string
		html   bool
	}{
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true}, // Chrome, Firefox
		{"text/html", true},
		{"application/json", false},
		{"application/json, text/event-stream", false},
		{"text/event-stream", false},
		{"*/*", false}, // curl
		{"", false},
		{"application/json;q=1, text/html;q=0.5", false},
		{"text/html;q=0", false},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ctype := resp.Header.Get("Content-Type")
		if !strings.Contains(resp.Header.Get("Vary"), "Accept") {
			t.Errorf("Accept %q: no Vary: Accept", tc.accept)
		}
		if tc.html {
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(string(body), "Jana MCP server") {
				t.Errorf("Accept %q: %d %s, want the HTML page", tc.accept, resp.StatusCode, ctype)
			}
			continue
		}
		var e struct{ Code string }
		if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(ctype, "application/json") || json.Unmarshal(body, &e) != nil || e.Code != "not_found" {
			t.Errorf("Accept %q: %d %s %s, want the JSON 404", tc.accept, resp.StatusCode, ctype, body)
		}
	}
}

// TestLandingURLs: the configurations use MCP_PUBLIC_URL when set, else the scheme and Host
// of the request; a Host the MCP endpoints refuse gets a warning, a malformed one a
// placeholder; Jana down is said so; a service-account server shows configurations without a
// token.
func TestLandingURLs(t *testing.T) {
	sb := testenv.StartSandbox(t, sandbox.Config{})
	get := func(t *testing.T, url, host string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Accept", "text/html")
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		return string(body)
	}
	t.Run("public URL", func(t *testing.T) {
		srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_PUBLIC_URL": "https://mcp.jana.example/"}))
		page := get(t, srv.URL+"/", "")
		if !strings.Contains(page, "https://mcp.jana.example/mcp") || strings.Contains(page, srv.URL) {
			t.Errorf("the configurations do not use MCP_PUBLIC_URL:\n%s", excerpt(page, "/mcp"))
		}
	})
	t.Run("request host", func(t *testing.T) {
		srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_ALLOWED_HOSTS": "mcp.internal.example"}))
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
		page := get(t, srv.URL+"/", "mcp.internal.example:"+port)
		if !strings.Contains(page, "http://mcp.internal.example:"+port+"/mcp") || strings.Contains(page, `id="host-warning"`) {
			t.Errorf("an allowed Host: %s", excerpt(page, "/mcp"))
		}
		page = get(t, srv.URL+"/", "rebind.attacker.example:"+port)
		if !strings.Contains(page, `id="host-warning"`) || !strings.Contains(page, "MCP_ALLOWED_HOSTS") {
			t.Errorf("a Host the MCP endpoints refuse has no warning")
		}
		page = get(t, srv.URL+"/", "evil.example;rm -rf ~")
		if strings.Contains(page, "rm -rf") || !strings.Contains(page, "https://YOUR-SERVER/mcp") {
			t.Errorf("a malformed Host reached the commands")
		}
	})
	t.Run("oauth", func(t *testing.T) {
		srv := testenv.StartServer(t, testenv.Config(t, sb.URL, map[string]string{"MCP_AUTH_MODE": "oauth",
			"MCP_PUBLIC_URL": "http://127.0.0.1:8080", "MCP_OAUTH_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}))
		page := get(t, srv.URL+"/", "")
		if !strings.Contains(page, "http://127.0.0.1:8080/mcp") || strings.Contains(page, landing.TokenPlaceholder) || strings.Contains(page, "Authorization") {
			t.Errorf("in OAuth mode the configurations are the URL alone:\n%s", excerpt(page, "Connect your assistant"))
		}
		if !strings.Contains(page, "sign in to Jana when your client asks") {
			t.Errorf("the sign-in line does not say OAuth:\n%s", excerpt(page, "Sign-in"))
		}
	})
	t.Run("jana down, service account", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := "http://" + ln.Addr().String()
		ln.Close()
		srv := testenv.StartServer(t, testenv.Config(t, dead, map[string]string{"MCP_AUTH_MODE": "service", "JANA_TOKEN": "Token 0123456789abcdef0123456789abcdef01234567", "JANA_RETRIES": "0"}))
		page := get(t, srv.URL+"/", "")
		if !strings.Contains(page, "unavailable") {
			t.Errorf("Jana down is not said:\n%s", excerpt(page, "jana-status"))
		}
		if strings.Contains(page, landing.TokenPlaceholder) || strings.Contains(page, "Authorization") {
			t.Errorf("a service-account server asks for a token:\n%s", excerpt(page, "Authorization"))
		}
		if strings.Contains(page, "0123456789abcdef") {
			t.Error("the page shows the service token")
		}
	})
}

func excerpt(s, near string) string {
	i := strings.Index(s, near)
	if i < 0 {
		return "(" + near + " not found)"
	}
	return s[max(0, i-300):min(len(s), i+300)]
}
