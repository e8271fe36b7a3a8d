package views_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/janaplatform/jana-mcp/internal/sandbox"
	"github.com/janaplatform/jana-mcp/internal/testenv"
	"github.com/janaplatform/jana-mcp/internal/views"
)

// hostCase is what the test host page plays: one tool call, the view its definition links
// to, and how the host behaves.
type hostCase struct {
	Tool      string          `json:"tool"`
	HTML      string          `json:"html"`
	Input     map[string]any  `json:"input"`
	Result    json.RawMessage `json:"result"`
	Theme     string          `json:"theme"`
	Order     string          `json:"order"` // "spec" or "vscode"
	Width     int             `json:"width"`
	MaxHeight int             `json:"maxHeight"`
	Sandbox   string          `json:"sandbox"`
}

// testHost serves the test host page on 127.0.0.1 and its sandbox proxy on localhost: two
// sites, as a web host and its sandbox origin are.
type testHost struct {
	URL, SandboxURL string
	mu              sync.Mutex
	cases           map[string]hostCase
}

func startHost(t *testing.T) *testHost {
	t.Helper()
	h := &testHost{cases: map[string]hostCase{}}
	page := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	host, sandboxPage := page("host.html"), page("sandbox.html")
	hostMux := http.NewServeMux()
	hostMux.HandleFunc("GET /host.html", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(host)
	})
	hostMux.HandleFunc("GET /case/{name}", func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		c, ok := h.cases[strings.TrimSuffix(r.PathValue("name"), ".json")]
		h.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(c)
	})
	sandboxMux := http.NewServeMux()
	sandboxMux.HandleFunc("GET /sandbox.html", func(w http.ResponseWriter, _ *http.Request) {
		// The specification's default for a view that declares no domains.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self' data:; connect-src 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(sandboxPage)
	})
	h.URL = testenv.Serve(t, hostMux)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(testenv.Serve(t, sandboxMux), "http://"))
	h.SandboxURL = "http://localhost:" + port + "/sandbox.html"
	return h
}

// viewState is what the view drew, read from inside its iframe.
type viewState struct {
	State     string    `json:"state"`
	Theme     string    `json:"theme"`
	Title     string    `json:"title"`
	Badges    []string  `json:"badges"`
	Tabs      []string  `json:"tabs"`
	Points    []float64 `json:"points"`
	Markers   []string  `json:"markers"` // kind:id
	Land      int       `json:"land"`    // length of the outline's path data
	Radius    bool      `json:"radius"`
	Info      string    `json:"info"`
	Errors    []string  `json:"errors"`
	Overflow  bool      `json:"overflow"`
	Height    float64   `json:"height"`
	Attribute string    `json:"attribution"`
}

const readView = `(() => {
	const w = document.querySelector("iframe").contentWindow, d = w.document;
	const all = (s) => [...d.querySelectorAll(s)];
	return {
		state: d.body ? d.body.dataset.state || "" : "",
		theme: d.documentElement.dataset.theme || "",
		title: (d.querySelector("h1") || {}).textContent || "",
		badges: all(".badge").map(b => b.textContent),
		tabs: all(".tabs:not([hidden]) button").map(b => b.textContent),
		points: all("circle.point").map(c => Number(c.dataset.value)),
		markers: all(".marker").map(m => m.dataset.kind + ":" + m.dataset.id),
		land: all("path.land").reduce((n, p) => n + (p.getAttribute("d") || "").length, 0),
		radius: !!d.querySelector("circle.radius"),
		info: (d.querySelector(".info") || {}).textContent || "",
		errors: w.__viewErrors || ["no error recorder"],
		overflow: d.documentElement.scrollWidth > w.innerWidth + 1,
		height: d.documentElement.getBoundingClientRect().height,
		attribution: (d.querySelector(".attribution") || {}).textContent || "",
	};
})()`

// hostLog is what the host page saw of the view.
type hostLog struct {
	Messages []string `json:"messages"`
	Sizes    []struct {
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
	} `json:"sizes"`
	Errors      []string `json:"errors"`
	Initialized bool     `json:"initialized"`
	FrameHeight float64  `json:"frameHeight"`
}

// show loads a case in the host page and waits until the view has drawn it (or said it
// cannot), then returns the view's tab (its sandbox iframe, attached as its own target).
func (h *testHost) show(t *testing.T, tab *testenv.Tab, name string, c hostCase) *testenv.Tab {
	t.Helper()
	c.Sandbox = h.SandboxURL + "?case=" + name
	h.mu.Lock()
	h.cases[name] = c
	h.mu.Unlock()
	if err := chromedp.Do(tab.Ctx, chromedp.Navigate(h.URL+"/host.html?case="+name)); err != nil {
		t.Fatal(err)
	}
	frame := testenv.FrameTab(t, tab, c.Sandbox)
	ctx, cancel := context.WithTimeout(frame.Ctx, time.Minute)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const f = document.querySelector("iframe"); const b = f && f.contentDocument && f.contentDocument.body; return !!b && (b.dataset.state === "rendered" || b.dataset.state === "status"); })()`,
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		lg := h.log(t, tab)
		t.Fatalf("%s: the view did not draw: %v (host saw %v, errors %v)", name, err, lg.Messages, lg.Errors)
	}
	// The host sizes the iframe from the view's size-changed: wait until the frame is as high
	// as the view's document (or the host's maximum), and painted at that size.
	deadline := time.Now().Add(time.Minute)
	for {
		lg := h.log(t, tab)
		v := read(t, frame)
		if n := len(lg.Sizes); n > 0 && math.Abs(lg.Sizes[n-1].Height-v.Height) <= 1 && math.Abs(lg.FrameHeight-math.Min(v.Height, float64(c.MaxHeight))) <= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the frame is %v high, the view %v, its reports %v", name, lg.FrameHeight, v.Height, lg.Sizes)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, ctx := range []context.Context{frame.Ctx, tab.Ctx} {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
	}
	return frame
}

func (h *testHost) log(t *testing.T, tab *testenv.Tab) hostLog {
	t.Helper()
	lg, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[hostLog](`Object.assign({}, window.hostLog, {frameHeight: document.getElementById("view").getBoundingClientRect().height})`))
	if err != nil {
		t.Fatal(err)
	}
	return lg
}

func read(t *testing.T, frame *testenv.Tab) viewState {
	t.Helper()
	v, err := chromedp.Run(frame.Ctx, chromedp.Evaluate[viewState](readView))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func screenshot(t *testing.T, tab *testenv.Tab, name string) {
	t.Helper()
	png, err := chromedp.Run(tab.Ctx, chromedp.Screenshot(chromedp.ID("panel")))
	if err != nil {
		t.Fatal(err)
	}
	testenv.SaveScreenshot(t, name, png)
}

// call runs a tool over Streamable HTTP and returns its result as the host forwards it
// (the JSON of the CallToolResult) and decoded.
func call(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) (json.RawMessage, *mcp.CallToolResult, map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if res.IsError {
		t.Fatalf("%s: %s", tool, testenv.Text(res))
	}
	if strings.TrimSpace(testenv.Text(res)) == "" {
		t.Fatalf("%s has no text answer for hosts without MCP Apps", tool)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var sc map[string]any
	data, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(data, &sc); err != nil {
		t.Fatal(err)
	}
	return raw, res, sc
}

// viewOf returns the HTML of the view a tool links to, read as a host reads it.
func viewOf(t *testing.T, cs *mcp.ClientSession, tool string) string {
	t.Helper()
	ctx := context.Background()
	var uri string
	for def, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if def.Name == tool {
			uri = views.ResourceURI(def.Meta)
			if legacy, _ := def.Meta["ui/resourceUri"].(string); legacy != uri {
				t.Errorf("%s: ui/resourceUri %q, _meta.ui.resourceUri %q", tool, legacy, uri)
			}
		}
	}
	if !strings.HasPrefix(uri, "ui://") {
		t.Fatalf("%s links to no ui:// view (%q)", tool, uri)
	}
	res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		t.Fatalf("reading %s: %v", uri, err)
	}
	if len(res.Contents) != 1 || res.Contents[0].MIMEType != views.MIMEType || !strings.HasPrefix(res.Contents[0].Text, "<!doctype html>") {
		t.Fatalf("%s: %+v", uri, res.Contents)
	}
	return res.Contents[0].Text
}

func values(items []any, field string, keep func(map[string]any) bool) []float64 {
	var out []float64
	for _, it := range items {
		m, _ := it.(map[string]any)
		if v, ok := m[field].(float64); ok && (keep == nil || keep(m)) {
			out = append(out, v)
		}
	}
	return out
}

func sameValues(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the tool result has nothing to draw", what)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: the view drew %d points, the result has %d", what, len(got), len(want))
	}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: point %d is %v, the result says %v", what, i, got[i], want[i])
		}
	}
}

func checkClean(t *testing.T, name string, v viewState, lg hostLog, tabs ...*testenv.Tab) {
	t.Helper()
	if len(v.Errors) > 0 {
		t.Errorf("%s: the view reported errors: %v", name, v.Errors)
	}
	for _, tab := range tabs {
		if errs := tab.Errors(); len(errs) > 0 {
			t.Errorf("%s: the browser reported errors:\n%s", name, strings.Join(errs, "\n"))
		}
	}
	if len(lg.Errors) > 0 {
		t.Errorf("%s: the host saw protocol errors: %v", name, lg.Errors)
	}
	if !lg.Initialized {
		t.Errorf("%s: the view never sent ui/notifications/initialized (host saw %v)", name, lg.Messages)
	}
	if v.Overflow {
		t.Errorf("%s: the view is wider than its panel", name)
	}
	last := lg.Sizes[len(lg.Sizes)-1]
	if last.Height < v.Height-1 || last.Height > v.Height+1 {
		t.Errorf("%s: the view last reported height %v, it is %v high", name, last.Height, v.Height)
	}
	if !strings.Contains(v.Attribute, "via Jana") {
		t.Errorf("%s: no attribution (%q)", name, v.Attribute)
	}
}

// TestViewsInABrowserHost loads each ui:// view, as the server serves it, in the test host
// page in headless chromium, feeds it a real tool result from the sandbox through the MCP
// Apps bridge, and checks what it drew against the result: the chart's points are the
// series' values, the map's markers are the places; the theme follows the host, the panel's
// width holds, the host sizes the frame from the view's reports, and nothing logs an error.
// Screenshots are kept as artifacts (docs/images with UPDATE_SCREENSHOTS=1).
func TestViewsInABrowserHost(t *testing.T) {
	sb := testenv.StartSandbox(t, sandbox.Config{})
	srv := testenv.StartServer(t, testenv.Config(t, sb.URL, nil))
	cs := testenv.MustConnect(context.Background(), t, srv.URL, testenv.Streamable, sb.Token, "header")
	host := startHost(t)
	tab := testenv.NewTab(t, 900, 900)
	chartHTML, mapHTML := viewOf(t, cs, "get_trends"), viewOf(t, cs, "find_nearby")
	if got := viewOf(t, cs, "station_means"); got != chartHTML {
		t.Error("station_means and get_trends link to different charts")
	}

	t.Run("trend chart", func(t *testing.T) {
		input := map[string]any{"parameter": "pm25", "location_point": []float64{77.209, 28.6139}, "radius_km": 50}
		raw, _, sc := call(t, cs, "get_trends", input)
		series, _ := sc["series"].([]any)
		frame := host.show(t, tab, "trend", hostCase{Tool: "get_trends", HTML: chartHTML, Input: input, Result: raw,
			Theme: "dark", Order: "vscode", Width: 640, MaxHeight: 600})
		v := read(t, frame)
		sameValues(t, "trend", v.Points, values(series, "value", nil))
		stats, _ := sc["statistics"].(map[string]any)
		if dir, _ := stats["direction"].(string); len(v.Badges) == 0 || v.Badges[0] != strings.ReplaceAll(dir, "_", " ") {
			t.Errorf("badges %v, the result's direction is %q", v.Badges, dir)
		}
		if !strings.Contains(v.Title, "PM2.5") || v.Theme != "dark" {
			t.Errorf("title %q, theme %q", v.Title, v.Theme)
		}
		checkClean(t, "trend", v, host.log(t, tab), tab, frame)
		screenshot(t, tab, "chart-trend.png")
	})

	var stationIDs []float64
	t.Run("nearby map", func(t *testing.T) {
		input := map[string]any{"location_point": []float64{4.4777, 51.9244}, "radius_km": 30}
		raw, _, sc := call(t, cs, "find_nearby", input)
		places, _ := sc["places"].([]any)
		var want []string
		for _, p := range places {
			m := p.(map[string]any)
			kind := "facility"
			if m["source"] == "openaq" {
				kind = "station"
				stationIDs = append(stationIDs, m["id"].(float64))
			}
			want = append(want, fmt.Sprintf("%s:%v", kind, m["id"]))
		}
		frame := host.show(t, tab, "map", hostCase{Tool: "find_nearby", HTML: mapHTML, Input: input, Result: raw,
			Theme: "light", Order: "spec", Width: 360, MaxHeight: 800})
		v := read(t, frame)
		got := append([]string(nil), v.Markers...)
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") || len(want) == 0 {
			t.Errorf("markers %v, the result's places %v", got, want)
		}
		if !strings.Contains(strings.Join(want, ","), "station:") || !strings.Contains(strings.Join(want, ","), "facility:") {
			t.Errorf("pick a point with both stations and facilities: %v", want)
		}
		if v.Land < 1000 || !v.Radius || v.Theme != "light" {
			t.Errorf("outline %d bytes, radius %v, theme %q", v.Land, v.Radius, v.Theme)
		}
		checkClean(t, "map", v, host.log(t, tab), tab, frame)
		screenshot(t, tab, "map-nearby.png")

		// A marker shows its place; the host's theme change reaches the view.
		nearest := places[0].(map[string]any)
		if _, err := chromedp.Run(frame.Ctx, chromedp.Evaluate[bool](fmt.Sprintf(
			`(() => { const d = document.querySelector("iframe").contentDocument; d.querySelector('.marker[data-id="%v"]').dispatchEvent(new MouseEvent("click", {bubbles: true})); return true; })()`, nearest["id"]))); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[bool](`(window.setTheme("dark"), true)`)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(frame.Ctx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("iframe").contentDocument.documentElement.dataset.theme === "dark"`)); err != nil {
			t.Errorf("the view did not follow the host to the dark theme: %v", err)
		}
		if v := read(t, frame); !strings.Contains(v.Info, nearest["name"].(string)) {
			t.Errorf("after a click on %v the details say %q", nearest["name"], v.Info)
		}
	})

	t.Run("station means chart", func(t *testing.T) {
		// A station near the map's point that measures more than one pollutant, so that the
		// chart has a tab each.
		var input map[string]any
		var raw json.RawMessage
		var means []any
		var pollutants []string
		for _, id := range stationIDs {
			input = map[string]any{"station_id": id}
			var sc map[string]any
			raw, _, sc = call(t, cs, "station_means", input)
			means, _ = sc["means"].([]any)
			pollutants = pollutants[:0]
			for _, m := range means {
				p := m.(map[string]any)["pollutant"].(string)
				if len(pollutants) == 0 || pollutants[len(pollutants)-1] != p {
					pollutants = append(pollutants, p)
				}
			}
			if len(pollutants) > 1 {
				break
			}
		}
		if len(pollutants) < 2 {
			t.Fatalf("no station of %v measures two pollutants", stationIDs)
		}
		frame := host.show(t, tab, "means", hostCase{Tool: "station_means", HTML: chartHTML, Input: input, Result: raw,
			Theme: "light", Order: "spec", Width: 520, MaxHeight: 600})
		v := read(t, frame)
		first := func(p string) func(map[string]any) bool {
			return func(m map[string]any) bool { return m["pollutant"] == p }
		}
		sameValues(t, "means of "+pollutants[0], v.Points, values(means, "mean", first(pollutants[0])))
		if len(v.Tabs) != len(pollutants) {
			t.Errorf("tabs %v for pollutants %v", v.Tabs, pollutants)
		}
		checkClean(t, "means", v, host.log(t, tab), tab, frame)
		screenshot(t, tab, "chart-means.png")
		{
			// Another pollutant's tab draws that pollutant's means.
			if _, err := chromedp.Run(frame.Ctx, chromedp.Evaluate[bool](`(document.querySelector("iframe").contentDocument.querySelectorAll(".tabs button")[1].click(), true)`)); err != nil {
				t.Fatal(err)
			}
			sameValues(t, "means of "+pollutants[1], read(t, frame).Points, values(means, "mean", first(pollutants[1])))
		}
	})
}
