package artifact

import (
	"context"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Artifact is a fetched, shape-checked compatibility artifact.
type Artifact struct {
	Descriptor ocispec.Descriptor
	Manifest   ocispec.Manifest
	// Spec is the raw spec blob, digest-verified but not parsed.
	Spec []byte
}

// Fetch fetches the artifact desc and checks that it is one: the manifest's
// shape as VerifyShape checks it (subject included), then the spec layer
// within spec.MaxSize and digest-verified. Shape errors wrap
// ErrNotCompatArtifact (and so ErrInvalidArtifact); an oversized spec layer
// wraps ErrInvalidArtifact.
func Fetch(ctx context.Context, src content.Fetcher, desc ocispec.Descriptor, subject ocispec.Descriptor) (*Artifact, error) {
	m, err := VerifyShape(ctx, src, desc, subject)
	if err != nil {
		return nil, err
	}
	layer := m.Layers[0]
	if layer.Size > spec.MaxSize {
		return nil, fmt.Errorf("%s: spec layer is %d bytes, over the %d byte limit: %w", desc.Digest, layer.Size, spec.MaxSize, ErrInvalidArtifact)
	}
	blob, err := content.FetchAll(ctx, src, layer)
	if err != nil {
		return nil, fmt.Errorf("fetch spec %s of %s: %w", layer.Digest, desc.Digest, err)
	}
	return &Artifact{Descriptor: desc, Manifest: m, Spec: blob}, nil
}
