package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRegistriesRemembersPerHostForTTL(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a := &Registries{Dir: dir, TTL: time.Hour, Now: clock}
	if a.NoReferrersAPI("127.0.0.1:5000") {
		t.Fatal("unknown host remembered")
	}
	if err := a.RememberNoReferrersAPI("127.0.0.1:5000"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "registries", "127.0.0.1:5000.json")); err != nil {
		t.Fatalf("no file per host: %v", err)
	}
	// Another process (a new Registries) reads the file.
	b := &Registries{Dir: dir, TTL: time.Hour, Now: clock}
	if !b.NoReferrersAPI("127.0.0.1:5000") || b.NoReferrersAPI("registry.example:5000") {
		t.Fatal("remembered host not seen by another instance, or another host taken for it")
	}
	now = now.Add(time.Hour)
	if a.NoReferrersAPI("127.0.0.1:5000") || b.NoReferrersAPI("127.0.0.1:5000") {
		t.Fatal("entry used past its TTL: a registry that gained the referrers API would never be seen")
	}
}

func TestRegistriesMemoryOnlyAndHostNames(t *testing.T) {
	m := &Registries{TTL: time.Hour}
	if err := m.RememberNoReferrersAPI("mirror.local"); err != nil || !m.NoReferrersAPI("mirror.local") {
		t.Fatalf("memory-only Registries forgot: %v", err)
	}
	dir := t.TempDir()
	f := &Registries{Dir: dir, TTL: time.Hour}
	for _, host := range []string{"../evil", "a/b", ".hidden", ""} {
		if err := f.RememberNoReferrersAPI(host); err != nil || f.NoReferrersAPI(host) {
			t.Errorf("host %q: remembered (%v)", host, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bad host names wrote files: %v", entries)
	}
	off := &Registries{Dir: dir}
	if err := off.RememberNoReferrersAPI("x.example"); err != nil || off.NoReferrersAPI("x.example") {
		t.Error("TTL 0 remembers")
	}
}
