package artifact_test

import (
	"context"
	"errors"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content/memory"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
)

func TestFind(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	index, manifests, err := testimage.PushIndex(ctx, store, "multi", []string{"linux/amd64", "linux/arm64"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := artifact.Find(ctx, store, index, &ocispec.Platform{OS: "linux", Architecture: "arm64"}, ""); !errors.Is(err, artifact.ErrNoArtifact) {
		t.Fatalf("Find without artifacts: %v, want ErrNoArtifact", err)
	}
	onIndex, err := artifact.Attach(ctx, store, index, []byte(specYAML), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	onArm, err := artifact.Attach(ctx, store, manifests[1], []byte(specYAML+"  # arm\n"), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		platform   *ocispec.Platform
		want, subj ocispec.Descriptor
	}{
		{"platform manifest first", &ocispec.Platform{OS: "linux", Architecture: "arm64"}, onArm, manifests[1]},
		{"arm64 v8 is arm64", &ocispec.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, onArm, manifests[1]},
		{"falls back to the index", &ocispec.Platform{OS: "linux", Architecture: "amd64"}, onIndex, index},
		{"platform not in index", &ocispec.Platform{OS: "linux", Architecture: "s390x"}, onIndex, index},
		{"no platform", nil, onIndex, index},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := artifact.Find(ctx, store, index, tc.platform, "")
			if err != nil {
				t.Fatal(err)
			}
			if f.Artifact.Digest != tc.want.Digest || f.Subject.Digest != tc.subj.Digest {
				t.Fatalf("Find = artifact %s subject %s, want %s on %s", f.Artifact.Digest, f.Subject.Digest, tc.want.Digest, tc.subj.Digest)
			}
		})
	}
	// A single-platform image: its own artifacts, platform irrelevant.
	f, err := artifact.Find(ctx, store, manifests[1], &ocispec.Platform{OS: "linux", Architecture: "amd64"}, "")
	if err != nil || f.Artifact.Digest != onArm.Digest {
		t.Fatalf("Find on a manifest = %+v, %v", f, err)
	}
}
