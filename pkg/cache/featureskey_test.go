package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestFeaturesKeyFields: host root and host prefix are separate fields of
// the key: features read under one are never served for the other, nor for
// a root or prefix that only joined together spell the same.
func TestFeaturesKeyFields(t *testing.T) {
	c := &Features{Dir: t.TempDir(), TTL: time.Hour, BootID: "boot"}
	src := []string{"kernel"}
	keys := []FeaturesKey{
		{Sources: src},
		{Sources: src, HostRoot: "/host"},
		{Sources: src, HostPrefix: "/host"},
		{Sources: src, HostRoot: "/a|b"},
		{Sources: src, HostRoot: "/a", HostPrefix: "b"},
		{Sources: src, HostRoot: "|"},
	}
	for i, k := range keys {
		if err := c.Put(k, features(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i, k := range keys {
		f := c.Get(k)
		if f == nil {
			t.Errorf("%+v: miss", k)
			continue
		}
		if got := f.Attributes["kernel.version"].Elements["k0"]; got != string(rune('0'+i)) {
			t.Errorf("%+v: got the entry of %s, want its own (%d)", k, keys[got[0]-'0'], i)
		}
	}
}

// TestFeaturesOldKeyMisses: an entry written under the old key (root and
// prefix joined by "|", the verifier's "|" for neither) is a miss, not an
// error, and is replaced by a new entry.
func TestFeaturesOldKeyMisses(t *testing.T) {
	dir := t.TempDir()
	c := &Features{Dir: dir, TTL: time.Hour, BootID: "boot"}
	created := time.Now().UTC()
	old, err := json.Marshal(featuresEntry{BootID: "boot", Sources: []string{"kernel"}, HostRoot: "|", Created: created, Features: features(7)})
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte("boot\x00kernel\x00|"))
	oldPath := filepath.Join(dir, "features", hex.EncodeToString(h[:12])+".json")
	if err := os.MkdirAll(filepath.Dir(oldPath), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(oldPath, old, 0o600); err != nil {
		t.Fatal(err)
	}
	k := FeaturesKey{Sources: []string{"kernel"}}
	if c.path("boot", k) == oldPath {
		t.Fatal("the new key names the old entry's file")
	}
	if f := c.Get(k); f != nil {
		t.Fatal("the old entry was used")
	}
	if err := c.Put(k, features(1)); err != nil {
		t.Fatal(err)
	}
	if f := c.Get(k); f == nil || f.Attributes["kernel.version"].Elements["k0"] != "1" {
		t.Errorf("new entry: %v", f)
	}
}
