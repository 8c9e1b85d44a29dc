package target

import (
	"context"
	"errors"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
)

// Store is what the commands need from a place that holds images: read and
// write content, find referrers, and delete manifests. Both
// *remote.Repository and *oci.Store satisfy it.
type Store interface {
	oras.GraphTarget
	content.Deleter
}

// Image is a reference opened for use.
type Image struct {
	// Store holds the image and its referrers.
	Store Store
	// Reference is the tag or digest inside Store.
	Reference string
	// Name is the reference as the user wrote it (for messages).
	Name string
	// Location names where Store lives, e.g. "registry 127.0.0.1:5000" or
	// "OCI layout ./demo"; used in error messages.
	Location string
}

// ErrImageNotFound is returned (wrapped) when the reference does not resolve.
var ErrImageNotFound = errors.New("image not found")

// Resolve returns the descriptor the reference points at. With a platform and
// an index, it returns that platform's manifest.
func (img *Image) Resolve(ctx context.Context, platform *ocispec.Platform) (ocispec.Descriptor, error) {
	desc, err := oras.Resolve(ctx, img.Store, img.Reference, oras.ResolveOptions{TargetPlatform: platform})
	if err != nil {
		if errors.Is(err, errdef.ErrNotFound) {
			if platform != nil {
				return ocispec.Descriptor{}, fmt.Errorf("%s: no manifest for platform %s in %s: %w", img.Name, FormatPlatform(platform), img.Location, ErrImageNotFound)
			}
			return ocispec.Descriptor{}, fmt.Errorf("%s: not found in %s: %w", img.Name, img.Location, ErrImageNotFound)
		}
		return ocispec.Descriptor{}, Explain(img, fmt.Errorf("resolve %s: %w", img.Name, err))
	}
	return desc, nil
}
