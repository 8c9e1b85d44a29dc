package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/internal/testproc"
)

func TestBlobsVerifyOnRead(t *testing.T) {
	b := &Blobs{Dir: t.TempDir()}
	data := []byte(`{"hello":"world"}`)
	desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, data)
	if _, err := b.Get(desc); !errors.Is(err, errdef.ErrNotFound) {
		t.Fatalf("empty cache: %v", err)
	}
	if err := b.Put(desc, []byte("other")); err == nil {
		t.Fatal("stored content that does not match its descriptor")
	}
	if err := b.Put(desc, data); err != nil {
		t.Fatal(err)
	}
	got, err := b.Get(desc)
	if err != nil || string(got) != string(data) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	// Tamper: same size, other bytes. The read fails and the entry goes.
	p := filepath.Join(b.Dir, "blobs", "sha256", desc.Digest.Encoded())
	if err := os.WriteFile(p, []byte(`{"hello":"WORLD"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(desc); !errors.Is(err, errdef.ErrNotFound) {
		t.Fatalf("tampered blob: %v", err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Error("tampered blob not removed")
	}
}

func features(n int) *nfdv1alpha1.Features {
	f := nfdv1alpha1.NewFeatures()
	elems := map[string]string{}
	// Big enough that a torn write would show.
	for i := range 2000 {
		elems["k"+strconv.Itoa(i)] = strconv.Itoa(n)
	}
	f.Attributes["kernel.version"] = nfdv1alpha1.AttributeFeatureSet{Elements: elems}
	return f
}

func checkFeatures(f *nfdv1alpha1.Features) error {
	elems := f.Attributes["kernel.version"].Elements
	if len(elems) != 2000 {
		return fmt.Errorf("entry has %d elements, want 2000", len(elems))
	}
	v := elems["k0"]
	for k, e := range elems {
		if e != v {
			return fmt.Errorf("entry mixes writers: %s=%s, k0=%s", k, e, v)
		}
	}
	return nil
}

// TestFeaturesTTLAndBoot holds for the files alone and with the memory in
// front of them (a long-lived verifier).
func TestFeaturesTTLAndBoot(t *testing.T) {
	for _, memory := range []bool{false, true} {
		testFeaturesTTLAndBoot(t, memory)
	}
}

func testFeaturesTTLAndBoot(t *testing.T, memory bool) {
	now := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	c := &Features{Dir: t.TempDir(), TTL: 10 * time.Minute, BootID: "boot-1", Now: func() time.Time { return now }, Memory: memory}
	k := FeaturesKey{Sources: []string{"kernel", "cpu"}}
	if c.Get(k) != nil {
		t.Fatal("hit on empty cache")
	}
	if err := c.Put(k, features(1)); err != nil {
		t.Fatal(err)
	}
	if c.Get(FeaturesKey{Sources: []string{"cpu", "kernel"}}) == nil {
		t.Error("source order changed the key")
	}
	if c.Get(FeaturesKey{Sources: []string{"cpu"}}) != nil {
		t.Error("other sources hit")
	}
	if memory {
		if err := os.RemoveAll(filepath.Join(c.Dir, "features")); err != nil {
			t.Fatal(err)
		}
		if c.Get(k) == nil {
			t.Error("memory: entry not kept in memory (the file was needed)")
		}
	}
	now = now.Add(11 * time.Minute)
	if c.Get(k) != nil {
		t.Error("expired entry used")
	}
	now = now.Add(-11 * time.Minute)
	c.BootID = "boot-2"
	if c.Get(k) != nil {
		t.Error("entry of another boot used")
	}
	if _, err := os.ReadFile(BootIDFile); err == nil {
		c2 := &Features{Dir: t.TempDir(), TTL: time.Minute}
		if err := c2.Put(k, features(2)); err != nil || c2.Get(k) == nil {
			t.Errorf("real boot id: %v", err)
		}
	}
}

// TestConcurrentGoroutines: 50 writers and readers of the same entries.
func TestConcurrentGoroutines(t *testing.T) {
	dir := t.TempDir()
	hammer(t, dir, 50, 0)
}

// TestConcurrentProcesses: 50 processes, as 50 verifiers started at once.
func TestConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	testproc.Run(t, "TestHelperProcess", 50, func(i int) []string {
		return []string{"NFDCACHE_HELPER_DIR=" + dir, "NFDCACHE_HELPER_N=" + strconv.Itoa(i)}
	})
	matches, _ := filepath.Glob(filepath.Join(dir, "*", ".*tmp-*"))
	if len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("NFDCACHE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper for TestConcurrentProcesses")
	}
	n, _ := strconv.Atoi(os.Getenv("NFDCACHE_HELPER_N"))
	hammer(t, dir, 1, n)
}

func hammer(t *testing.T, dir string, workers, base int) {
	c := &Features{Dir: dir, TTL: time.Hour, BootID: "boot"}
	b := &Blobs{Dir: dir}
	k := FeaturesKey{Sources: []string{"kernel"}}
	blob := []byte(`{"schemaVersion":2,"note":"the same blob from every writer"}`)
	desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, blob)
	var wg sync.WaitGroup
	errs := make(chan error, workers*40)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				if err := c.Put(k, features(base+w)); err != nil {
					errs <- err
				}
				if f := c.Get(k); f == nil {
					errs <- errors.New("miss after put")
				} else if err := checkFeatures(f); err != nil {
					errs <- err
				}
				if err := b.Put(desc, blob); err != nil {
					errs <- err
				}
				if got, err := b.Get(desc); err != nil || string(got) != string(blob) {
					errs <- fmt.Errorf("blob read %d: %q %v", i, got, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
