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

// VerifyShape fetches the manifest desc by digest (size-limited to
// spec.MaxSize, digest and size verified) and checks that it is a
// compatibility artifact of subject: an OCI image manifest (descriptor media
// type, and the mediaType field when present; schemaVersion 2),
// one of our artifactTypes, the OCI empty descriptor as config, exactly one
// layer of the spec media type that goes with the artifactType, and
// subject.digest equal to subject.Digest.
//
// Only the manifest is read, not the spec layer: this is what may be deleted,
// and what Fetch reads before it trusts the spec. A manifest that breaks the
// shape gives an error wrapping ErrNotCompatArtifact with the reason; a fetch
// failure (not found, digest mismatch, network) is returned as it is, so
// callers can tell "not ours" from "could not tell".
func VerifyShape(ctx context.Context, src content.Fetcher, desc ocispec.Descriptor, subject ocispec.Descriptor) (ocispec.Manifest, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s: %w", desc.Digest, fmt.Sprintf(format, args...), ErrNotCompatArtifact)
	}
	if subject.Digest == "" {
		return ocispec.Manifest{}, fmt.Errorf("verify %s: no subject given to check it against", desc.Digest)
	}
	if err := desc.Digest.Validate(); err != nil {
		return ocispec.Manifest{}, fmt.Errorf("%q: invalid digest (%v): %w", desc.Digest, err, ErrNotCompatArtifact)
	}
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return ocispec.Manifest{}, fail("media type %q is not an OCI image manifest", desc.MediaType)
	}
	if desc.Size > spec.MaxSize {
		return ocispec.Manifest{}, fail("manifest is %d bytes, over the %d byte limit", desc.Size, spec.MaxSize)
	}
	raw, err := content.FetchAll(ctx, src, desc)
	if errors.Is(err, errdef.ErrNotFound) {
		return ocispec.Manifest{}, fmt.Errorf("%s: %w: %w", desc.Digest, ErrDangling, err)
	}
	if err != nil {
		return ocispec.Manifest{}, fmt.Errorf("fetch manifest %s: %w", desc.Digest, err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return ocispec.Manifest{}, fail("manifest is not valid JSON: %v", err)
	}
	if err := checkShape(&m, subject); err != nil {
		return ocispec.Manifest{}, fail("%v", err)
	}
	return m, nil
}

// checkShape checks a decoded manifest against the artifact format.
func checkShape(m *ocispec.Manifest, subject ocispec.Descriptor) error {
	if m.SchemaVersion != 2 {
		return fmt.Errorf("schemaVersion is %d, want 2", m.SchemaVersion)
	}
	// The field is a SHOULD in image-spec v1.1; the descriptor's media type
	// (what the registry served it as) was checked already.
	if m.MediaType != "" && m.MediaType != ocispec.MediaTypeImageManifest {
		return fmt.Errorf("mediaType %q is not an OCI image manifest (%s)", m.MediaType, ocispec.MediaTypeImageManifest)
	}
	if m.ArtifactType == "" {
		return fmt.Errorf("has no artifactType (want %s or %s)", spec.ArtifactType, spec.KEPArtifactType)
	}
	if !spec.IsArtifactType(m.ArtifactType) {
		return fmt.Errorf("artifactType %q is not one of ours (want %s or %s)", m.ArtifactType, spec.ArtifactType, spec.KEPArtifactType)
	}
	empty := ocispec.DescriptorEmptyJSON
	if m.Config.MediaType != empty.MediaType {
		return fmt.Errorf("config media type %q, want %s (the OCI empty descriptor)", m.Config.MediaType, empty.MediaType)
	}
	if m.Config.Digest != empty.Digest || m.Config.Size != empty.Size {
		return fmt.Errorf("config is %s (%d bytes), want the OCI empty descriptor %s (%d bytes)", m.Config.Digest, m.Config.Size, empty.Digest, empty.Size)
	}
	if len(m.Layers) != 1 {
		return fmt.Errorf("has %d layers, want exactly one spec layer", len(m.Layers))
	}
	if want := spec.SpecMediaTypeFor(m.ArtifactType); m.Layers[0].MediaType != want {
		return fmt.Errorf("layer media type %q, want %q", m.Layers[0].MediaType, want)
	}
	if m.Subject == nil {
		return fmt.Errorf("has no subject, want %s", subject.Digest)
	}
	if m.Subject.Digest != subject.Digest {
		return fmt.Errorf("subject is %s, want the image %s", m.Subject.Digest, subject.Digest)
	}
	return nil
}
