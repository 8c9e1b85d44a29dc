package artifact_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/memory"
	"oras.land/oras-go/v2/errdef"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// recordingStore is a memory store whose deletes are recorded (memory.Store
// cannot delete).
type recordingStore struct {
	*memory.Store
	deleted []ocispec.Descriptor
}

func (s *recordingStore) Delete(_ context.Context, d ocispec.Descriptor) error {
	s.deleted = append(s.deleted, d)
	return nil
}

// relabel is d as a rewritten referrers list would show it: with our artifactType.
func relabel(d ocispec.Descriptor) ocispec.Descriptor {
	d.ArtifactType = spec.ArtifactType
	d.Platform = nil
	return d
}

// TestRemoveVerifiesBeforeDelete: Remove trusts no label. The image itself, a
// signature, an SBOM and another image's compat artifact, each labelled as a
// compat artifact of the image, are never deleted; a descriptor whose media
// type or size lies, or whose manifest is gone, is not deleted either; a
// genuine artifact is.
func TestRemoveVerifiesBeforeDelete(t *testing.T) {
	ctx, mem, img := setup(t)
	store := &recordingStore{Store: mem}
	f, err := testimage.PushForeign(ctx, store, img, "other")
	if err != nil {
		t.Fatal(err)
	}
	other, sig, sbom := f.Other, f.Signature, f.SBOM
	othersSpec, err := artifact.Attach(ctx, store, other, []byte(specYAML), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	genuine, err := artifact.Attach(ctx, store, img, []byte(specYAML), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	asIndex := relabel(genuine)
	asIndex.MediaType = ocispec.MediaTypeImageIndex
	wrongSize := relabel(genuine)
	wrongSize.Size++
	gone := relabel(content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, []byte(`{"gone":true}`)))

	notOurs := map[string]ocispec.Descriptor{
		"the image":                    relabel(img),
		"a signature":                  relabel(sig),
		"an SBOM":                      relabel(sbom),
		"another image's artifact":     othersSpec,
		"artifact labelled as index":   asIndex,
		"the image with a digest typo": relabel(ocispec.Descriptor{MediaType: img.MediaType, Digest: "sha256:zz", Size: img.Size}),
	}
	for name, d := range notOurs {
		t.Run(name, func(t *testing.T) {
			_, err := artifact.Remove(ctx, store, d, img)
			if !errors.Is(err, artifact.ErrNotCompatArtifact) {
				t.Fatalf("Remove: %v, want ErrNotCompatArtifact", err)
			}
			if len(store.deleted) != 0 {
				t.Fatalf("Remove deleted %v", store.deleted)
			}
		})
	}
	unverifiable := map[string]struct {
		d    ocispec.Descriptor
		want error
	}{
		"size that lies": {wrongSize, nil},
		"manifest gone":  {gone, errdef.ErrNotFound},
	}
	for name, c := range unverifiable {
		t.Run(name, func(t *testing.T) {
			_, err := artifact.Remove(ctx, store, c.d, img)
			if err == nil || errors.Is(err, artifact.ErrNotCompatArtifact) || (c.want != nil && !errors.Is(err, c.want)) {
				t.Fatalf("Remove: %v, want a fetch error (%v)", err, c.want)
			}
			if len(store.deleted) != 0 {
				t.Fatalf("Remove deleted %v", store.deleted)
			}
		})
	}
	if _, err := artifact.Remove(ctx, store, genuine, img); err != nil {
		t.Fatalf("Remove of a genuine artifact: %v", err)
	}
	if len(store.deleted) != 1 || store.deleted[0].Digest != genuine.Digest || store.deleted[0].MediaType != ocispec.MediaTypeImageManifest {
		t.Fatalf("deleted %v, want only %s", store.deleted, genuine.Digest)
	}
	// A KEP-format artifact is ours too.
	kep, err := artifact.Attach(ctx, store, img, []byte(specYAML), artifact.AttachOptions{Format: artifact.FormatKEP})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := artifact.Remove(ctx, store, kep, img); err != nil {
		t.Fatalf("Remove of a KEP-format artifact: %v", err)
	}
	// A genuine artifact of another subject is refused with the reason.
	_, err = artifact.Remove(ctx, store, othersSpec, img)
	if !strings.Contains(err.Error(), "subject is "+other.Digest.String()) {
		t.Fatalf("Remove of another image's artifact: %v, want the subject named", err)
	}
}

// TestRemoveDeleteError: a failing delete after verification is a
// *DeleteError, so callers can tell it from a failed verification.
func TestRemoveDeleteError(t *testing.T) {
	ctx, mem, img := setup(t)
	genuine, err := artifact.Attach(ctx, mem, img, []byte(specYAML), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	refused := errors.New("405 method not allowed")
	_, err = artifact.Remove(ctx, failingDeleter{mem, refused}, genuine, img)
	var de *artifact.DeleteError
	if !errors.As(err, &de) || !errors.Is(err, refused) || de.Digest != genuine.Digest.String() {
		t.Fatalf("Remove: %v, want a DeleteError wrapping the store's error", err)
	}
}

type failingDeleter struct {
	*memory.Store
	err error
}

func (f failingDeleter) Delete(context.Context, ocispec.Descriptor) error { return f.err }
