package testenv

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// BrowserTimeout bounds a browser test: generous, it only catches hangs.
const BrowserTimeout = 3 * time.Minute

// Tab is one tab of a headless chromium of the test's own, with what its pages logged.
type Tab struct {
	Ctx context.Context // a chromedp context: run actions with chromedp.Run / chromedp.Do
	*Console
}

// Console collects the errors a page reports: uncaught exceptions, console.error and
// console.warn calls, and the browser's own error entries (CSP violations, failed loads).
type Console struct {
	mu     sync.Mutex
	errors []string
}

// Errors returns what was collected so far.
func (c *Console) Errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

func (c *Console) add(s string) {
	c.mu.Lock()
	c.errors = append(c.errors, s)
	c.mu.Unlock()
}

// listen is a chromedp listener that collects a target's errors.
func (c *Console) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		c.add(fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, text))
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeWarning && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			switch {
			case a.Value != nil:
				parts = append(parts, string(a.Value))
			case a.Description != "":
				parts = append(parts, a.Description)
			}
		}
		c.add(fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " ")))
	case *log.EventEntryAdded:
		if e := ev.Entry; e.Level == log.EntryLevelError || e.Level == log.EntryLevelWarning {
			c.add(fmt.Sprintf("%s %s: %s %s", e.Source, e.Level, e.Text, e.URL))
		}
	}
}

// chromium finds Debian's chromium, or fails the test saying how to install it: the browser
// tests must not pass without a browser.
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := lookTool(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: run scripts/browser-setup.sh (make browser-deps; make test does) to install Debian's chromium")
	return ""
}

// NewTab starts a headless chromium for the test (closed when it ends) and opens a tab whose
// errors its Console collects from the first event on. width and height set the window.
func NewTab(t testing.TB, width, height int) *Tab {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.DisableGPU,
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"), // screenshots alike across machines
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // chromium refuses its sandbox as root
	}
	ctx, cancel := context.WithTimeout(context.Background(), BrowserTimeout)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	console := &Console{}
	tctx, cancelTab := chromedp.NewContext(actx, chromedp.WithListener(console.listen))
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tctx, EnableLog); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &Tab{Ctx: tctx, Console: console}
}

// EnableLog turns on the Log domain of a target, so that the browser's own error entries (CSP
// violations among them) reach its listener.
var EnableLog = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	_, err := cdp.Call(ctx, t, log.Enable, cdp.Empty{})
	return err
})

// FrameTab attaches to the first cross-site iframe of the browser whose URL starts with
// prefix (Chrome runs it in its own process, as its own target), waiting for it to appear.
func FrameTab(t testing.TB, tab *Tab, prefix string) *Tab {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		infos, err := chromedp.Targets(tab.Ctx)
		if err != nil {
			t.Fatalf("listing targets: %v", err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, prefix) {
				console := &Console{}
				fctx, cancel := chromedp.NewContext(tab.Ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithListener(console.listen),
					chromedp.WithDetachOnCancel()) // the iframe belongs to the page: leave it be
				t.Cleanup(cancel)
				if err := chromedp.Do(fctx, EnableLog); err != nil {
					t.Fatalf("attaching to the iframe %s: %v", info.URL, err)
				}
				return &Tab{Ctx: fctx, Console: console}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no iframe target with URL %s… appeared", prefix)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SaveArtifact writes a test artifact (a screenshot) to the test's artifact directory (go test
// -artifacts keeps it) and returns its path.
func SaveArtifact(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("artifact: %s", path)
	return path
}

// SaveScreenshot keeps a screenshot as an artifact and, with UPDATE_SCREENSHOTS=1 (make
// screenshots), as docs/images/name in the repository, where the README shows it.
func SaveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	SaveArtifact(t, name, png)
	if os.Getenv("UPDATE_SCREENSHOTS") != "1" {
		return
	}
	dir := filepath.Join(RepoRoot(t), "docs", "images")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Serve serves h on a loopback port until the test ends and returns its base URL.
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	return serve(t, h)
}
