package testfiles_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := testfiles.Write(t, dir, "a/b/c.yaml", "x: 1\n")
	if p != filepath.Join(dir, "a", "b", "c.yaml") {
		t.Fatalf("path = %s", p)
	}
	if got, err := os.ReadFile(p); err != nil || string(got) != "x: 1\n" {
		t.Fatalf("read back %q, %v", got, err)
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.failed = append(r.failed, f) }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = append(r.failed, f) }

func TestGolden(t *testing.T) {
	p := testfiles.Write(t, t.TempDir(), "out.golden", "same\n")
	r := &recorder{TB: t}
	testfiles.Golden(r, p, []byte("same\n"))
	if len(r.failed) != 0 {
		t.Errorf("equal output failed: %v", r.failed)
	}
	testfiles.Golden(r, p, []byte("other\n"))
	if len(r.failed) != 1 || !strings.Contains(r.failed[0], "differs") {
		t.Errorf("different output: %v", r.failed)
	}
	r.failed = nil
	testfiles.Golden(r, p+".missing", []byte("x"))
	if len(r.failed) != 1 || !strings.Contains(r.failed[0], "-update writes it") {
		t.Errorf("missing golden file: %v", r.failed)
	}
}
