package artifact

import (
	"context"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

// RemoveStore is what Remove needs: read the manifest to verify it, then
// delete it.
type RemoveStore interface {
	content.Fetcher
	content.Deleter
}

// Remove deletes the compatibility artifact desc of subject. It trusts no
// label: a referrers list (on registries without the referrers API, the
// sha256-<hex> tag index that anyone with push rights can rewrite) may call
// an image, a signature or another image's artifact a compat artifact.
// Remove first fetches the manifest by digest and checks its full shape and
// subject with VerifyShape; anything that fails is not deleted and the error
// wraps ErrNotCompatArtifact. Because the manifest is content-addressed, what
// is deleted is exactly what was verified.
//
// On registries without the referrers API it also drops desc from the
// sha256-<hex> referrers index, verified against concurrent writers
// (index.go), and a dangling entry (listed, manifest gone) is only dropped
// from the index: nothing is deleted and Remove reports dangling. A delete
// the store refuses or fails is a *DeleteError.
func Remove(ctx context.Context, store RemoveStore, desc ocispec.Descriptor, subject ocispec.Descriptor) (dangling bool, err error) {
	ix, err := openIndex(ctx, store, subject)
	if err != nil {
		return false, err
	}
	if ix != nil {
		return ix.remove(ctx, desc)
	}
	if _, err := VerifyShape(ctx, store, desc, subject); err != nil {
		return false, err
	}
	verified := ocispec.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}
	if err := store.Delete(ctx, verified); err != nil {
		return false, &DeleteError{Digest: desc.Digest.String(), Err: err}
	}
	return false, nil
}

// DeleteError is a delete the store refused or failed after the manifest was
// verified, as opposed to a failure to verify it.
type DeleteError struct {
	Digest string
	Err    error
}

func (e *DeleteError) Error() string { return fmt.Sprintf("delete %s: %v", e.Digest, e.Err) }

// Unwrap returns the store's error.
func (e *DeleteError) Unwrap() error { return e.Err }
