package testimage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
)

// pushReferrer attaches a referrer of artifactType to subject: an artifact
// manifest with the empty config and one layer of layerType holding doc
// (JSON) with layerAnnotations. Its created annotation is the current time
// in nanoseconds, so that two referrers of one subject made within a second
// still differ. what names it in errors.
func pushReferrer(ctx context.Context, t oras.Target, subject ocispec.Descriptor, what, artifactType, layerType string, doc any, layerAnnotations map[string]string, created time.Time) (ocispec.Descriptor, error) {
	data, err := json.Marshal(doc)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	layer, err := pushBlob(ctx, t, layerType, data)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	layer.Annotations = layerAnnotations
	subj := ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	desc, err := oras.PackManifest(ctx, t, oras.PackManifestVersion1_1, artifactType, oras.PackManifestOptions{
		Subject: &subj, Layers: []ocispec.Descriptor{layer},
		ManifestAnnotations: map[string]string{ocispec.AnnotationCreated: created.Format(time.RFC3339Nano)},
	})
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("testimage: pack %s: %w", what, err)
	}
	return desc, nil
}

// Foreign is what stands next to a compat artifact without being one:
// another image, and a signature and an SBOM of the subject.
type Foreign struct {
	Other, Signature, SBOM ocispec.Descriptor
}

// PushForeign pushes otherTag (another image) and a signature and an SBOM
// of subject, for tests that nothing but compat artifacts is touched.
func PushForeign(ctx context.Context, t oras.Target, subject ocispec.Descriptor, otherTag string) (Foreign, error) {
	var f Foreign
	var err error
	if f.Other, err = Push(ctx, t, otherTag, WithContent([]byte("another image\n"))); err != nil {
		return f, err
	}
	if f.Signature, err = PushSignature(ctx, t, subject); err != nil {
		return f, err
	}
	f.SBOM, err = PushSBOM(ctx, t, subject)
	return f, err
}
