package testimage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
)

// Media types of the fake signature, as cosign's OCI 1.1 referrer signatures.
const (
	SignatureArtifactType = "application/vnd.dev.cosign.artifact.sig.v1+json"
	SignatureLayerType    = "application/vnd.dev.cosign.simplesigning.v1+json"
)

// PushSignature attaches a fake signature referrer to subject: an artifact manifest with
// SignatureArtifactType, the empty config and one small layer. Its created annotation is the current
// time, so every call makes a new referrer. It returns the signature manifest's descriptor.
func PushSignature(ctx context.Context, t oras.Target, subject ocispec.Descriptor) (ocispec.Descriptor, error) {
	payload, err := json.Marshal(map[string]any{
		"critical": map[string]any{
			"identity": map[string]string{"docker-reference": "testimage"},
			"image":    map[string]string{"docker-manifest-digest": subject.Digest.String()},
			"type":     "cosign container image signature",
		},
	})
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	layer, err := pushBlob(ctx, t, SignatureLayerType, payload)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	layer.Annotations = map[string]string{"dev.cosignproject.cosign/signature": "ZmFrZQ=="}
	subj := ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	desc, err := oras.PackManifest(ctx, t, oras.PackManifestVersion1_1, SignatureArtifactType, oras.PackManifestOptions{
		Subject: &subj, Layers: []ocispec.Descriptor{layer},
		// nanoseconds: two signatures of one subject made within a second still differ
		ManifestAnnotations: map[string]string{ocispec.AnnotationCreated: time.Now().UTC().Format(time.RFC3339Nano)},
	})
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("testimage: pack signature: %w", err)
	}
	return desc, nil
}
