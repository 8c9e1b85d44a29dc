package testcontrolplane

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadObjects: every document in order, empty ones left out; a broken
// document is an error naming the file.
func TestReadObjects(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("kind: A\nmetadata: {name: a}\n---\n---\nkind: B\nmetadata: {name: b}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("kind: A\n---\nkind: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	objs, err := ReadObjects(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].GetKind() != "A" || objs[1].GetName() != "b" {
		t.Fatalf("objects %v", objs)
	}
	if _, err := ReadObjects(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("broken document: %v, want an error naming %s", err, bad)
	}
}
