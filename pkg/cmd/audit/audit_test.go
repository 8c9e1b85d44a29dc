package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func entry(i int, image, verdict, decision string, warn bool, by string) verifier.AuditEntry {
	return verifier.AuditEntry{Time: t0.Add(time.Duration(i) * time.Minute).Format(time.RFC3339Nano), Image: image,
		Digest: "sha256:" + strings.Repeat("a", 64), Verdict: verdict, Decision: decision, Warn: warn, By: by,
		Reason: fmt.Sprintf("nfd-compat: %s: %s #%d", image, verdict, i)}
}

func writeLog(t *testing.T, path string, lines ...any) {
	t.Helper()
	var b bytes.Buffer
	for _, l := range lines {
		switch l := l.(type) {
		case string:
			b.WriteString(l + "\n")
		default:
			j, err := json.Marshal(l)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(append(j, '\n'))
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// weekOfWarn is what a warn-mode week leaves: compatible pulls, an
// incompatible image pulled three times, a registry error allowed, torn
// and garbage lines.
func weekOfWarn(t *testing.T) string {
	dir := t.TempDir()
	log := filepath.Join(dir, verifier.AuditFile)
	writeLog(t, log+".1",
		entry(0, "reg/app:v1", "compatible", "allow", false, "mode=warn"),
		entry(1, "reg/gpu:v1", "incompatible", "allow", true, "mode=warn (mode=enforce would refuse)"),
	)
	writeLog(t, log,
		entry(2, "reg/gpu:v1", "incompatible", "allow", true, "mode=warn (mode=enforce would refuse)"),
		`{"time":"2026-01-02T03:07:05Z","image":"reg/torn:v1","verd`,
		"not json at all \x1b[2J",
		entry(3, "reg/none:v1", "missing", "allow", true, "mode=warn (on_missing=deny would refuse)"),
		entry(4, "reg/flaky:v1", "error", "allow", true, "on_error=allow"),
		`{"time":"yesterday","image":"x","decision":"allow","verdict":"compatible"}`,
		entry(5, "reg/gpu:v1", "incompatible", "allow", true, "mode=warn (mode=enforce would refuse)"),
		entry(6, "reg/app:v1", "compatible", "allow", false, "mode=warn"),
	)
	return dir
}

func TestSummary(t *testing.T) {
	s, err := Summarise(context.Background(), Options{CacheDir: weekOfWarn(t)})
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != 7 || s.Skipped != 3 || len(s.Files) != 2 {
		t.Fatalf("records %d skipped %d files %v", s.Records, s.Skipped, s.Files)
	}
	if s.SkippedLines[0].Line != 2 || !strings.Contains(s.SkippedLines[2].Why, "RFC 3339") {
		t.Fatalf("skipped lines: %+v", s.SkippedLines)
	}
	counts := fmt.Sprint(s.Counts)
	if counts != "[{warn error 1} {warn incompatible 3} {warn missing 1} {allow compatible 2}]" {
		t.Fatalf("counts %s", counts)
	}
	if len(s.WouldRefuse) != 2 || s.WouldRefuse[0].Image != "reg/gpu:v1" || s.WouldRefuse[0].Count != 3 ||
		!strings.HasSuffix(s.WouldRefuse[0].Reason, "#5") || s.WouldRefuse[1].Image != "reg/none:v1" {
		t.Fatalf("would refuse: %+v", s.WouldRefuse)
	}
	if len(s.RecentWarnings) != 5 || !strings.HasSuffix(s.RecentWarnings[0].Reason, "#5") || s.RecentWarnings[0].Decision != "warn" {
		t.Fatalf("recent warnings (newest first): %+v", s.RecentWarnings)
	}
	if len(s.Refused) != 0 || len(s.RecentRefusals) != 0 {
		t.Fatalf("nothing was refused: %+v %+v", s.Refused, s.RecentRefusals)
	}
}

func TestSinceAndRecent(t *testing.T) {
	s, err := Summarise(context.Background(), Options{CacheDir: weekOfWarn(t), Since: t0.Add(3 * time.Minute), Recent: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != 4 || len(s.RecentWarnings) != 2 || !strings.HasSuffix(s.RecentWarnings[1].Reason, "#4") {
		t.Fatalf("since: %d records, recent %+v", s.Records, s.RecentWarnings)
	}
	if s.WouldRefuse[0].Count != 1 {
		t.Fatalf("gpu before --since counted: %+v", s.WouldRefuse)
	}
	for _, c := range []struct {
		in   string
		want time.Time
	}{{"7d", t0.Add(-7 * 24 * time.Hour)}, {"36h", t0.Add(-36 * time.Hour)}, {"2026-01-01T00:00:00Z", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		got, err := ParseSince(c.in, t0)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if _, err := ParseSince("last week", t0); err == nil || !strings.Contains(err.Error(), "--since") {
		t.Errorf("ParseSince(last week): %v", err)
	}
}

// TestOutputEscaped: control characters and credentials from the log
// reach no output format.
func TestOutputEscaped(t *testing.T) {
	dir := t.TempDir()
	e := entry(0, "reg/\x1b]0;pwned\x07evil:v1", "incompatible", "deny", false, "mode=enforce")
	e.Reason = "refused \x1b[31m https://user:hunter2@reg/v2/ \u202e"
	writeLog(t, filepath.Join(dir, verifier.AuditFile), e)
	for _, f := range []output.Format{output.Table, output.JSON, output.YAML} {
		var b bytes.Buffer
		if err := Run(context.Background(), Options{CacheDir: dir, Output: f, Stdout: &b}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.ContainsAny(out, "\x1b\x07\u202e") || strings.Contains(out, "hunter2") || strings.Contains(out, `\u001b`) {
			t.Errorf("%s output not escaped:\n%s", f, out)
		}
		if !strings.Contains(out, "evil:v1") {
			t.Errorf("%s output lacks the image:\n%s", f, out)
		}
	}
}

func TestNoLog(t *testing.T) {
	err := Run(context.Background(), Options{CacheDir: t.TempDir(), Stdout: &bytes.Buffer{}})
	if !errors.Is(err, ErrNoLog) || !strings.Contains(err.Error(), "doctor") {
		t.Fatalf("err = %v", err)
	}
}

// TestLargeLogBoundedMemory: a log much larger than memory growth allowed,
// with more distinct refused images than kept, overlong lines and a last
// line torn by a crash.
func TestLargeLogBoundedMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), verifier.AuditFile)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	const n = 60000
	for i := 0; i < n; i++ {
		e := entry(i, fmt.Sprintf("reg/app%d:v1", i), "incompatible", "deny", false, "mode=enforce")
		e.Reason = strings.Repeat("r", 400)
		j, _ := json.Marshal(e)
		w.Write(append(j, '\n'))
		if i%10000 == 0 {
			w.WriteString(strings.Repeat("x", MaxLine+10) + "\n")
		}
	}
	w.WriteString(`{"time":"2026-`)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, _ := os.Stat(path)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s, err := Summarise(context.Background(), Options{Files: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if s.Records != n || s.Skipped != 7 || len(s.Refused) != MaxImages || s.OtherImages != n-MaxImages || len(s.RecentRefusals) != DefaultRecent {
		t.Fatalf("records %d skipped %d refused %d other %d recent %d", s.Records, s.Skipped, len(s.Refused), s.OtherImages, len(s.RecentRefusals))
	}
	if grew := after.HeapSys - before.HeapSys; after.HeapSys > before.HeapSys && grew > uint64(fi.Size())/2 {
		t.Fatalf("heap grew %d MiB reading a %d MiB log", grew>>20, fi.Size()>>20)
	}
	t.Logf("%d MiB log: heap %d -> %d MiB", fi.Size()>>20, before.HeapSys>>20, after.HeapSys>>20)
}

func TestContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Summarise(ctx, Options{CacheDir: weekOfWarn(t)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
