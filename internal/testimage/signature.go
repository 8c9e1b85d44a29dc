package testimage

import (
	"context"
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
	payload := map[string]any{
		"critical": map[string]any{
			"identity": map[string]string{"docker-reference": "testimage"},
			"image":    map[string]string{"docker-manifest-digest": subject.Digest.String()},
			"type":     "cosign container image signature",
		},
	}
	return pushReferrer(ctx, t, subject, "signature", SignatureArtifactType, SignatureLayerType, payload,
		map[string]string{"dev.cosignproject.cosign/signature": "ZmFrZQ=="}, time.Now().UTC())
}
