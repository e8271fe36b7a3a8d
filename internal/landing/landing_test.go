package landing

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestConfigs(t *testing.T) {
	for _, signIn := range []SignIn{WithToken, NoToken, OAuth} {
		withToken := signIn == WithToken
		configs := Configs("https://mcp.example.org", signIn)
		if len(configs) != 4 {
			t.Fatalf("%d configurations", len(configs))
		}
		for _, c := range configs {
			if !strings.Contains(c.Text, "https://mcp.example.org/mcp") {
				t.Errorf("%s: no URL:\n%s", c.Client, c.Text)
			}
			if has := strings.Contains(c.Text, "Authorization"); has != withToken {
				t.Errorf("%s (sign-in %v): Authorization %v:\n%s", c.Client, signIn, has, c.Text)
			}
			if strings.HasPrefix(c.Text, "{") {
				var v any
				if err := json.Unmarshal([]byte(c.Text), &v); err != nil {
					t.Errorf("%s: %v", c.Client, err)
				}
			}
		}
	}
}

// TestRenderEscapes: what comes from the request or from Jana is text on the page, never
// markup; the CSP's hash is the hash of the page's one style sheet.
func TestRenderEscapes(t *testing.T) {
	var b bytes.Buffer
	hostile := `<script>alert(1)</script>`
	err := Render(&b, Page{Version: "v1", Base: "https://x.example", JanaReason: hostile, HostWarning: hostile, AuthMode: "user",
		Tools: []Tool{{Name: "t", Title: hostile, Summary: hostile, View: "chart"}}, Apps: true})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script") {
		t.Error("markup from the page's data reached the page")
	}
	styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(page, -1)
	if len(styles) != 1 {
		t.Fatalf("%d style sheets", len(styles))
	}
	sum := sha256.Sum256([]byte(styles[0][1]))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; StyleHash != want || !strings.Contains(ContentSecurityPolicy, want) {
		t.Errorf("StyleHash %s, the style sheet's is %s", StyleHash, want)
	}
}

func TestSummary(t *testing.T) {
	for in, want := range map[string]string{
		"One. Two.":           "One.",
		"No stop":             "No stop",
		"PM2.5 e.g. here. X.": "PM2.5 e.g. here.",
	} {
		if got := Summary(in); got != want {
			t.Errorf("Summary(%q) = %q, want %q", in, got, want)
		}
	}
}
