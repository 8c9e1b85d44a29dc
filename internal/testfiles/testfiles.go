package testfiles

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files (and regenerable fixtures) under testdata/")

// Update reports whether the test binary runs with -update.
func Update() bool { return *update }

// Write writes content to name under dir (creating name's directories) and
// returns the file's path.
func Write(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Golden compares got with the file at path, failing the test with both when
// they differ; with -update it (re)writes the file instead.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		Write(t, filepath.Dir(path), filepath.Base(path), string(got))
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
