package artifact

import (
	"context"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Remove deletes the compatibility artifact desc, a referrer of subject. It
// refuses any descriptor that is not a compatibility artifact, so a wrong
// digest can never delete an image, a signature or an SBOM. On registries
// without the referrers API it also drops desc from the sha256-<hex>
// referrers index, verified against concurrent writers (index.go), and
// removes a dangling entry (listed, manifest gone) from the index: then
// nothing is deleted and Remove reports dangling.
func Remove(ctx context.Context, dst content.Deleter, subject, desc ocispec.Descriptor) (dangling bool, err error) {
	if !spec.IsArtifactType(desc.ArtifactType) {
		return false, fmt.Errorf("%s has artifact type %q: refusing to delete what is not a compatibility artifact", desc.Digest, desc.ArtifactType)
	}
	ix, err := openIndex(ctx, dst, subject)
	if err != nil {
		return false, err
	}
	if ix != nil {
		return ix.remove(ctx, desc)
	}
	if err := dst.Delete(ctx, desc); err != nil {
		return false, fmt.Errorf("delete %s: %w", desc.Digest, err)
	}
	return false, nil
}
