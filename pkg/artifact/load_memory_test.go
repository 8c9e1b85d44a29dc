package artifact_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/cache"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestLoadStaleReferrersMemory: a host remembered without the referrers
// API now has it (an upgraded registry, or another one at that address, as
// test registries on reused ports are). The memory is a shortcut, never an
// answer: the tag-schema listing finds nothing, so Load forgets the host,
// lists again with fresh clients and finds the artifact.
func TestLoadStaleReferrersMemory(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	spec, err := os.ReadFile(filepath.Join("..", "..", "examples", "gpu-spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := testartifact.Attached(t, reg, "app", spec)
	mem := &cache.Registries{Dir: t.TempDir(), TTL: time.Hour}
	if err := mem.RememberNoReferrersAPI(reg.Host); err != nil {
		t.Fatal(err)
	}
	open := func(ctx context.Context) (*target.Image, error) {
		return target.Open(ctx, reg.Ref("app", "v1"), target.Options{PlainHTTP: true})
	}
	img, err := open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := artifact.Load(ctx, img, artifact.LoadOptions{Referrers: mem, Reopen: open})
	if err != nil {
		t.Fatalf("Load with a stale memory: %v", err)
	}
	if got := l.Artifact.Descriptor.Digest.String(); got != want {
		t.Errorf("loaded %s, want %s", got, want)
	}
	if mem.NoReferrersAPI(reg.Host) {
		t.Errorf("%s is still remembered without the referrers API", reg.Host)
	}
	if fresh := (&cache.Registries{Dir: mem.Dir, TTL: time.Hour}); fresh.NoReferrersAPI(reg.Host) {
		t.Errorf("%s is still remembered on disk", reg.Host)
	}
}
