package artifact

import (
	"context"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Remove deletes the compatibility artifact desc. It refuses any descriptor
// that is not a compatibility artifact, so a wrong digest can never delete
// an image, a signature or an SBOM. On registries without the referrers API,
// oras-go also rewrites the sha256-<hex> referrers index so the artifact is
// no longer listed.
func Remove(ctx context.Context, dst content.Deleter, desc ocispec.Descriptor) error {
	if !spec.IsArtifactType(desc.ArtifactType) {
		return fmt.Errorf("%s has artifact type %q: refusing to delete what is not a compatibility artifact", desc.Digest, desc.ArtifactType)
	}
	if err := dst.Delete(ctx, desc); err != nil {
		return fmt.Errorf("delete %s: %w", desc.Digest, err)
	}
	return nil
}
