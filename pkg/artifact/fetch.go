package artifact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Artifact is a fetched, shape-checked compatibility artifact.
type Artifact struct {
	Descriptor ocispec.Descriptor
	Manifest   ocispec.Manifest
	// Spec is the raw spec blob, digest-verified but not parsed.
	Spec []byte
}

// Fetch fetches the artifact desc and checks that it is one: manifest and spec
// within spec.MaxSize, digests verified, artifactType ours, config the OCI empty
// descriptor, exactly one layer of the matching spec media type, and subject
// equal to subject (when subject.Digest is set). A manifest the store does
// not have is ErrDangling.
func Fetch(ctx context.Context, src content.Fetcher, desc ocispec.Descriptor, subject ocispec.Descriptor) (*Artifact, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s: %w", desc.Digest, fmt.Sprintf(format, args...), ErrInvalidArtifact)
	}
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return nil, fail("media type %q is not an OCI image manifest", desc.MediaType)
	}
	if desc.Size > spec.MaxSize {
		return nil, fail("manifest is %d bytes, over the %d byte limit", desc.Size, spec.MaxSize)
	}
	raw, err := content.FetchAll(ctx, src, desc)
	if errors.Is(err, errdef.ErrNotFound) {
		return nil, fmt.Errorf("%s: %w: %w", desc.Digest, ErrDangling, err)
	}
	if err != nil {
		return nil, fmt.Errorf("fetch manifest %s: %w", desc.Digest, err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fail("manifest is not valid JSON: %v", err)
	}
	if err := checkShape(&m, subject); err != nil {
		return nil, fail("%v", err)
	}
	layer := m.Layers[0]
	if layer.Size > spec.MaxSize {
		return nil, fail("spec layer is %d bytes, over the %d byte limit", layer.Size, spec.MaxSize)
	}
	blob, err := content.FetchAll(ctx, src, layer)
	if err != nil {
		return nil, fmt.Errorf("fetch spec %s of %s: %w", layer.Digest, desc.Digest, err)
	}
	return &Artifact{Descriptor: desc, Manifest: m, Spec: blob}, nil
}

func checkShape(m *ocispec.Manifest, subject ocispec.Descriptor) error {
	if m.MediaType != "" && m.MediaType != ocispec.MediaTypeImageManifest {
		return fmt.Errorf("mediaType %q is not an OCI image manifest", m.MediaType)
	}
	if !spec.IsArtifactType(m.ArtifactType) {
		return fmt.Errorf("artifactType %q is not a compatibility artifact (want %s or %s)", m.ArtifactType, spec.ArtifactType, spec.KEPArtifactType)
	}
	if m.Config.MediaType != ocispec.MediaTypeEmptyJSON || m.Config.Digest != ocispec.DescriptorEmptyJSON.Digest {
		return fmt.Errorf("config is %s %s, want the OCI empty descriptor (%s)", m.Config.MediaType, m.Config.Digest, ocispec.MediaTypeEmptyJSON)
	}
	if len(m.Layers) != 1 {
		return fmt.Errorf("has %d layers, want exactly one spec layer", len(m.Layers))
	}
	if want := spec.SpecMediaTypeFor(m.ArtifactType); m.Layers[0].MediaType != want {
		return fmt.Errorf("layer media type %q, want %q", m.Layers[0].MediaType, want)
	}
	if subject.Digest != "" {
		if m.Subject == nil {
			return fmt.Errorf("has no subject, want %s", subject.Digest)
		}
		if m.Subject.Digest != subject.Digest {
			return fmt.Errorf("subject is %s, want the image %s", m.Subject.Digest, subject.Digest)
		}
	}
	return nil
}
