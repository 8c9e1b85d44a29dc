package cache

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
)

const nobody = 65534

func requireRoot(t *testing.T) {
	t.Helper()
	testenv.Root(t, "chowning to nobody")
}

func TestOpenRefusesWritableByOthers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"mode 0777", func(t *testing.T, dir string) { chmod(t, dir, 0o777) }, "writable by group or others"},
		{"mode 0770", func(t *testing.T, dir string) { chmod(t, dir, 0o770) }, "mode 0770"},
		{"blobs 0777", func(t *testing.T, dir string) {
			mkdir(t, filepath.Join(dir, "blobs", "sha256"))
			chmod(t, filepath.Join(dir, "blobs"), 0o777)
		}, "blobs has mode 0777"},
		{"blobs/sha256 0757", func(t *testing.T, dir string) {
			mkdir(t, filepath.Join(dir, "blobs", "sha256"))
			chmod(t, filepath.Join(dir, "blobs", "sha256"), 0o757)
		}, "sha256 has mode 0757"},
		{"features is a link", func(t *testing.T, dir string) {
			if err := os.Symlink(t.TempDir(), filepath.Join(dir, "features")); err != nil {
				t.Fatal(err)
			}
		}, "features is a symbolic link"},
		{"a planted link to a blob", func(t *testing.T, dir string) {
			mkdir(t, filepath.Join(dir, "blobs", "sha256"))
			if err := os.Symlink("/etc/shadow", filepath.Join(dir, "blobs", "sha256", "00")); err != nil {
				t.Fatal(err)
			}
		}, "00 is a symbolic link"},
		{"parent 0777", func(t *testing.T, dir string) { chmod(t, filepath.Dir(dir), 0o777) }, "writable by group or others"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cache")
			mkdir(t, dir)
			tc.setup(t, dir)
			err := Open(dir)
			if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want ErrUntrusted saying %q", err, tc.want)
			}
		})
	}
	// A fresh directory and one with our own 0750 (older releases) are fine;
	// Open creates missing ones 0700.
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("created with mode %04o, want 0700", fi.Mode().Perm())
	}
	old := t.TempDir()
	chmod(t, old, 0o750)
	if err := Open(old); err != nil {
		t.Errorf("0750 dir: %v", err)
	}
}

func TestOpenRefusesOtherOwner(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	sub := filepath.Join(dir, "features")
	mkdir(t, sub)
	if err := os.Chown(sub, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if err := Open(dir); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Errorf("subdir owned by nobody: %v", err)
	}
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if err := Open(dir); !errors.Is(err, ErrUntrusted) {
		t.Errorf("dir owned by nobody: %v", err)
	}
}

func TestWrittenModes(t *testing.T) {
	dir := t.TempDir()
	c := &Features{Dir: dir, TTL: time.Hour, BootID: "b"}
	if err := c.Put(FeaturesKey{Sources: []string{"cpu"}}, features(1)); err != nil {
		t.Fatal(err)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "features", "*.json"))
	if len(m) != 1 {
		t.Fatalf("features files: %v", m)
	}
	for p, want := range map[string]os.FileMode{m[0]: 0o600, filepath.Join(dir, "features"): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %04o (%v)", p, fi.Mode().Perm(), want, err)
		}
	}
}

// TestStaleTempsCleaned: a writer killed between create and rename (kill
// -9) leaves .NAME.tmp-* files; Open removes those older than StaleTempAge
// and leaves fresh ones (a live writer's) alone.
func TestStaleTempsCleaned(t *testing.T) {
	dir := t.TempDir()
	mkdir(t, filepath.Join(dir, "blobs", "sha256"))
	mkdir(t, filepath.Join(dir, "features"))
	old := []string{filepath.Join(dir, "blobs", "sha256", ".abc.tmp-123"), filepath.Join(dir, "features", ".k.json.tmp-9")}
	fresh := filepath.Join(dir, "features", ".k.json.tmp-10")
	for _, p := range append(old, fresh) {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-StaleTempAge - time.Minute)
	for _, p := range old {
		if err := os.Chtimes(p, past, past); err != nil {
			t.Fatal(err)
		}
	}
	if r := Check(dir); len(r.StaleTemps) != 2 || r.Err() != nil {
		t.Errorf("Check: %+v", r)
	}
	if err := Open(dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range old {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s not removed", p)
		}
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp file removed: %v", err)
	}
	// The next sweep is due StaleTempAge later: Open lists no files until
	// then (a verifier exec per pull must not read a big blobs directory).
	if err := os.Chtimes(fresh, past, past); err != nil {
		t.Fatal(err)
	}
	if err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("swept again before StaleTempAge: %v", err)
	}
	marker := filepath.Join(dir, sweepMarker)
	if err := os.Chtimes(marker, past, past); err != nil {
		t.Fatal(err)
	}
	if err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("not swept once due: %v", err)
	}
}

func TestAppendAndReadNoFollow(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("root only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "audit.jsonl")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	if err := AppendFile(link, []byte("line\n")); err == nil {
		t.Error("appended through a symbolic link")
	}
	if _, err := ReadFile(link); err == nil {
		t.Error("read through a symbolic link")
	}
	hard := filepath.Join(dir, "hard")
	if err := os.Link(secret, hard); err != nil {
		t.Fatal(err)
	}
	if err := AppendFile(hard, []byte("line\n")); !errors.Is(err, ErrUntrusted) {
		t.Errorf("appended to a hard link: %v", err)
	}
	if b, _ := os.ReadFile(secret); string(b) != "root only\n" {
		t.Errorf("secret changed: %q", b)
	}
	p := filepath.Join(dir, "own")
	for range 2 {
		if err := AppendFile(p, []byte("x\n")); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := ReadFile(p); err != nil || string(b) != "x\nx\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("created with mode %04o", fi.Mode().Perm())
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o700); err != nil {
		t.Fatal(err)
	}
}

func chmod(t *testing.T, p string, m os.FileMode) {
	t.Helper()
	if err := os.Chmod(p, m); err != nil {
		t.Fatal(err)
	}
}
