package pathtrust

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProblem: owner and mode rules, with and without root allowed.
func TestProblem(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	me := EUID()
	stat := func() os.FileInfo {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	if pr := Problem(p, stat(), me, false, "else"); pr != "" {
		t.Errorf("own 0755 dir: %q", pr)
	}
	if err := os.Chmod(p, 0o777); err != nil {
		t.Fatal(err)
	}
	if pr := Problem(p, stat(), me, true, "else"); !strings.Contains(pr, "writable by group or others (fix: chmod go-w "+p+")") {
		t.Errorf("0777: %q", pr)
	}
	if err := os.Chmod(p, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	// Sticky and world-writable is fine only when root owns it.
	if pr := Problem(p, stat(), me, true, "else"); (me == 0) != (pr == "") {
		t.Errorf("sticky 1777 owned by uid %d: %q", me, pr)
	}
	if pr := Problem(p, stat(), me+1, false, "set another thing"); !strings.Contains(pr, "not the effective user (uid ") || !strings.Contains(pr, "or set another thing)") {
		t.Errorf("other owner: %q", pr)
	}
	if pr := Problem(p, stat(), me+1, true, "x"); me != 0 && !strings.Contains(pr, "or root") {
		t.Errorf("other owner, root allowed: %q", pr)
	}
}

// TestParents: a group-writable parent is named.
func TestParents(t *testing.T) {
	base := t.TempDir()
	mid := filepath.Join(base, "mid")
	leaf := filepath.Join(mid, "leaf")
	if err := os.MkdirAll(leaf, 0o755); err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(leaf)
	if err != nil {
		t.Fatal(err)
	}
	if pr := Parents(real, EUID(), "x"); len(pr) != 0 {
		t.Errorf("clean parents: %q", pr)
	}
	if err := os.Chmod(mid, 0o775); err != nil {
		t.Fatal(err)
	}
	pr := Parents(real, EUID(), "x")
	if len(pr) != 1 || !strings.Contains(pr[0], "mid has mode 0775") {
		t.Errorf("group-writable parent: %q", pr)
	}
}
