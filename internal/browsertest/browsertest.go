// Package browsertest gives tests a real headless Chromium (Debian's
// chromium, installed when missing and the test runs as root) driven
// through the DevTools protocol (chromedp), with every console error and
// uncaught exception of its pages recorded, and axe-core, installed from
// npm at the version npm/package-lock.json pins, to check the pages'
// accessibility. Under CI=true a missing browser or axe-core fails the
// test instead of skipping it.
package browsertest

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/maillage/maillage/internal/debinstall"
)

//go:embed npm/package.json npm/package-lock.json
var npmFiles embed.FS

// Browser is one headless Chromium with the console errors its pages
// raised.
type Browser struct {
	// Ctx is the browser's first tab: chromedp.Run(b.Ctx, …) drives it.
	Ctx    context.Context
	mu     sync.Mutex
	errors []string
}

// Start launches a headless Chromium for the test; it ends with it.
func Start(t testing.TB) *Browser {
	t.Helper()
	exe, err := chromium(context.Background())
	if err != nil {
		unavailable(t, "Chromium", err)
	}
	// the profile is removed once the browser's processes are gone (they
	// may write to it for a moment after it is told to stop)
	profile, err := os.MkdirTemp("", "browsertest-")
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900),
		// this machine's network is closed: no background connections
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-dev-shm-usage", true),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	b := &Browser{Ctx: ctx}
	chromedp.ListenTarget(ctx, b.listen)
	if err := chromedp.Run(ctx, cdplog.Enable()); err != nil {
		cancelTab()
		cancelAlloc()
		os.RemoveAll(profile)
		t.Fatalf("browsertest: start %s: %v", exe, err)
	}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return b
}

// listen records the console's errors and the pages' uncaught exceptions.
func (b *Browser) listen(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.APITypeError && e.Type != runtime.APITypeAssert {
			return
		}
		var parts []string
		for _, a := range e.Args {
			parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
		}
		msg = "console." + string(e.Type) + ": " + strings.Join(parts, " ")
	case *cdplog.EventEntryAdded:
		if e.Entry.Level != cdplog.LevelError {
			return
		}
		msg = "log." + string(e.Entry.Source) + ": " + e.Entry.Text + " " + e.Entry.URL
	case *runtime.EventExceptionThrown:
		msg = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
		msg += fmt.Sprintf(" (%s:%d)", e.ExceptionDetails.URL, e.ExceptionDetails.LineNumber)
	default:
		return
	}
	b.mu.Lock()
	b.errors = append(b.errors, msg)
	b.mu.Unlock()
}

// Errors returns the console errors and exceptions seen so far, and
// forgets them.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.errors
	b.errors = nil
	return out
}

// Screenshot saves the page as dir/name.png (the test's artefact).
func (b *Browser) Screenshot(t testing.TB, dir, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
}

// WaitVisible waits for a selector, within the context's deadline.
func WaitVisible(sel string) chromedp.Action { return chromedp.WaitVisible(sel, chromedp.ByQuery) }

// Nodes is the nodes a selector matches now (none: an empty slice).
func Nodes(sel string, nodes *[]*cdp.Node) chromedp.Action {
	return chromedp.Nodes(sel, nodes, chromedp.ByQueryAll, chromedp.AtLeast(0))
}

func chromium(ctx context.Context) (string, error) {
	find := func() (string, bool) {
		for _, name := range []string{"chromium", "chromium-browser"} {
			if p, err := exec.LookPath(name); err == nil {
				return p, true
			}
		}
		return "", false
	}
	if err := debinstall.Ensure(ctx, func() bool { _, ok := find(); return ok }, "chromium"); err != nil {
		return "", err
	}
	p, _ := find()
	return p, nil
}

// unavailable skips the test, or fails it under CI=true.
func unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true: %v", what, err)
	}
	t.Skipf("no %s (%v); with CI=true this is a failure", what, err)
}

// Axe returns axe-core's script (axe.min.js), installed from npm into the
// user's cache directory once per pinned version.
func Axe(t testing.TB) string {
	t.Helper()
	src, err := axe(context.Background())
	if err != nil {
		unavailable(t, "axe-core", err)
	}
	return src
}

func axe(ctx context.Context) (string, error) {
	lockJSON, err := npmFiles.ReadFile("npm/package-lock.json")
	if err != nil {
		return "", err
	}
	pkgJSON, err := npmFiles.ReadFile("npm/package.json")
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := fnv.New64a()
	sum.Write(lockJSON)
	dir := filepath.Join(cache, "maillage-browsertest", fmt.Sprintf("%x", sum.Sum64())) // a new lock file, a new directory
	script := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if b, err := os.ReadFile(script); err == nil {
		return string(b), nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("browsertest: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", fmt.Errorf("browsertest: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("browsertest: %w", err)
	}
	if b, err := os.ReadFile(script); err == nil {
		return string(b), nil // installed while we waited
	}
	for name, b := range map[string][]byte{"package.json": pkgJSON, "package-lock.json": lockJSON} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return "", fmt.Errorf("browsertest: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("browsertest: npm ci for axe-core in %s: %w\n%s", dir, err, out.String())
	}
	b, err := os.ReadFile(script)
	if err != nil {
		return "", fmt.Errorf("browsertest: npm installed axe-core but: %w", err)
	}
	return string(b), nil
}

// Violation is one rule axe-core found broken on a page.
type Violation struct {
	ID, Impact, Help string
	Nodes            []string // the offending elements' selectors
}

// axeRun runs axe-core on the document against WCAG 2.1 A and AA (the
// RGAA 4.1 criteria it can test) and returns its violations.
const axeRun = `(async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
  return r.violations.map(v => ({ID: v.id, Impact: v.impact || "", Help: v.help, Nodes: v.nodes.map(n => n.target.join(" "))}));
})()`

// Audit injects axe-core (its script: Axe) into the page shown now and
// returns the violations it reports.
func (b *Browser) Audit(t testing.TB, axeScript string) []Violation {
	t.Helper()
	var out []Violation
	await := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }
	err := chromedp.Run(b.Ctx,
		chromedp.Evaluate("window.axe ? true : (function(){"+axeScript+"\n; return true})()", nil),
		chromedp.Evaluate(axeRun, &out, await))
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	return out
}
