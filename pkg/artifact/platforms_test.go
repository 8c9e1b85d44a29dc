package artifact_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestLoadPlatform: one resolve, then each platform of an index loads its
// own manifest's artifact, else the index's; Platforms lists each
// platform once; without the index's artifact, a platform with none has
// no artifact; a single manifest has no platforms.
func TestLoadPlatform(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	repo := reg.Repo(t, "multi")
	idx, ms, err := testimage.PushIndex(ctx, repo, "v1", []string{"linux/amd64", "linux/arm64", "linux/amd64", "linux/arm/v7"})
	if err != nil {
		t.Fatal(err)
	}
	specYAML, err := os.ReadFile("../../examples/gpu-spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	own, err := artifact.Attach(ctx, repo, ms[0], specYAML, artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := target.Open(ctx, reg.Ref("multi", "v1"), target.Options{PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := artifact.Resolve(ctx, img, artifact.LoadOptions{SubjectOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	plats, err := r.Platforms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(plats); !r.IsIndex() || got != "[{amd64 linux  [] } {arm64 linux  [] } {arm linux  [] v7}]" {
		t.Fatalf("platforms %s (index %v)", got, r.IsIndex())
	}
	before := reg.Requests()
	l, err := r.LoadPlatform(ctx, artifact.LoadOptions{Platform: &plats[0]})
	if err != nil || l.Descriptor.Digest != own.Digest || l.Subject.Digest != ms[0].Digest || l.Spec == nil {
		t.Fatalf("amd64: %v, loaded %s of %s", err, l.Descriptor.Digest, l.Subject.Digest)
	}
	if n := reg.Requests() - before; n != 3 {
		t.Errorf("amd64 cost %d registry requests, want 3 (referrers, artifact manifest, spec): the index is not fetched again", n)
	}
	if _, err := r.LoadPlatform(ctx, artifact.LoadOptions{Platform: &plats[1]}); !errors.Is(err, artifact.ErrNoArtifact) {
		t.Fatalf("arm64 without an artifact, nor the index: %v", err)
	}
	onIndex, err := artifact.Attach(ctx, repo, idx, specYAML, artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l, err = r.LoadPlatform(ctx, artifact.LoadOptions{Platform: &ocispec.Platform{OS: "linux", Architecture: "arm64"}})
	if err != nil || l.Descriptor.Digest != onIndex.Digest || l.Subject.Digest != idx.Digest {
		t.Fatalf("arm64 falls back to the index's artifact: %v, loaded %s of %s", err, l.Descriptor.Digest, l.Subject.Digest)
	}

	single, err := testimage.Push(ctx, reg.Repo(t, "single"), "v1")
	if err != nil {
		t.Fatal(err)
	}
	simg, err := target.Open(ctx, reg.Ref("single", "v1"), target.Options{PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	sr, err := artifact.Resolve(ctx, simg, artifact.LoadOptions{SubjectOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := sr.Platforms(ctx); err != nil || p != nil || sr.IsIndex() || sr.Root.Digest != single.Digest {
		t.Fatalf("single manifest: platforms %v, %v", p, err)
	}
}
