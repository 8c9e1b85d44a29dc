package target

import (
	"context"
	"errors"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/oci"
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
	// Repository is REGISTRY/NAME of a registry image, "" for an OCI
	// layout: the key of what is kept per repository.
	Repository string
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
	// A layout's index.json can name a manifest whose blob is gone (a
	// partial copy); a registry's resolve has fetched the manifest already.
	if layout, ok := img.Store.(*oci.Store); ok {
		exists, err := layout.Exists(ctx, desc)
		if err != nil {
			return ocispec.Descriptor{}, fmt.Errorf("%s: check manifest %s in %s: %w", img.Name, desc.Digest, img.Location, err)
		}
		if !exists {
			return ocispec.Descriptor{}, fmt.Errorf("%s: %s names manifest %s but its blob (blobs/%s/%s) is missing: the layout is incomplete; copy the image again: %w",
				img.Name, img.Location, desc.Digest, desc.Digest.Algorithm(), desc.Digest.Encoded(), ErrIncompleteLayout)
		}
	}
	return desc, nil
}

// ErrIncompleteLayout is returned (wrapped) when an OCI layout names a
// manifest it does not hold.
var ErrIncompleteLayout = errors.New("incomplete OCI layout")
