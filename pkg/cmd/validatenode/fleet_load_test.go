package validatenode_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/features"
)

// The fleet path's loader, features.LoadPathsKeeping, decodes files
// concurrently and drops what the spec does not name; these tests pin what
// loading one by one guaranteed. (They live here because pkg/features is
// another engineer's; move them there at will.)

// TestFleetLoadFirstErrorInOrder: with several broken files, the error is
// always the first broken file's in load order, however the workers race.
func TestFleetLoadFirstErrorInOrder(t *testing.T) {
	dir := t.TempDir()
	for i := range 300 {
		content := fmt.Sprintf(`{"attributes": {"kernel.version": {"elements": {"major": "%d"}}}}`, 5+i%3)
		if i == 57 || i == 58 || i == 250 {
			content = `{"attributes": {"kernel.version": {"elements": {"major": 6}}}}` // a number: invalid
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("n%03d.json", i)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for range 20 {
		_, err := features.LoadPaths([]string{dir})
		if err == nil || !strings.Contains(err.Error(), "n057.json") {
			t.Fatalf("err = %v, want the first broken file, n057.json", err)
		}
	}
	// A missing path after good files fails on the path; a broken file
	// before it fails first, as loading one by one would.
	if _, err := features.LoadPaths([]string{"../../features/testdata/arm64.json", filepath.Join(dir, "nosuch")}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("missing path: err = %v", err)
	}
	if _, err := features.LoadPaths([]string{filepath.Join(dir, "n057.json"), filepath.Join(dir, "nosuch")}); err == nil || !strings.Contains(err.Error(), "n057.json") {
		t.Errorf("broken file before a missing path: err = %v, want n057.json's", err)
	}
}

// TestFleetLoadKeeping: order and names as LoadPaths, only the kept
// features, and NodeFeature objects of one node still merged.
func TestFleetLoadKeeping(t *testing.T) {
	paths := []string{"../../features/testdata"}
	all, err := features.LoadPaths(paths)
	if err != nil {
		t.Fatal(err)
	}
	keep := map[string]bool{"cpu.model": true, "pci.device": true}
	kept, err := features.LoadPathsKeeping(paths, func(f string) bool { return keep[f] })
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != len(all) {
		t.Fatalf("%d nodes kept, %d loaded", len(kept), len(all))
	}
	for i, n := range kept {
		if n.Name != all[i].Name || n.Source != all[i].Source {
			t.Errorf("node %d: %s from %s, want %s from %s", i, n.Name, n.Source, all[i].Name, all[i].Source)
		}
		for name := range n.Features.Flags {
			t.Errorf("%s: flag feature %s kept", n.Name, name)
		}
		for name, set := range n.Features.Attributes {
			if !keep[name] {
				t.Errorf("%s: attribute feature %s kept", n.Name, name)
			} else if fmt.Sprint(set) != fmt.Sprint(all[i].Features.Attributes[name]) {
				t.Errorf("%s: %s = %v, want %v", n.Name, name, set, all[i].Features.Attributes[name])
			}
		}
		for name, set := range n.Features.Instances {
			if !keep[name] {
				t.Errorf("%s: instance feature %s kept", n.Name, name)
			} else if len(set.Elements) != len(all[i].Features.Instances[name].Elements) {
				t.Errorf("%s: %s has %d instances, want %d", n.Name, name, len(set.Elements), len(all[i].Features.Instances[name].Elements))
			}
		}
	}
}
