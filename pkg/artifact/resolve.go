package artifact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"

	"github.com/nfd-compat/nfd-compat/pkg/cache"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// resolveRoot resolves the image's reference and returns the descriptor and
// the store to look for artifacts in. On a registry (a
// registry.ReferenceFetcher) it GETs the manifest by reference instead of
// HEADing it: still one request, but it brings the content, which the
// returned store serves from memory. Find reads an index right after to
// pick the platform's manifest, so an index costs one request less
// (upstream's nfd never reads the index, so without this we made two more
// requests than it on an index, one more with it). Other stores (OCI
// layouts, hosts.toml mirror sets) resolve as Image.Resolve does.
func resolveRoot(ctx context.Context, img *target.Image) (ocispec.Descriptor, content.ReadOnlyGraphStorage, error) {
	rf, ok := img.Store.(registry.ReferenceFetcher)
	if !ok {
		root, err := img.Resolve(ctx, nil)
		return root, img.Store, err
	}
	desc, rc, err := rf.FetchReference(ctx, img.Reference)
	if err != nil {
		// The messages of Image.Resolve.
		if errors.Is(err, errdef.ErrNotFound) {
			return ocispec.Descriptor{}, nil, fmt.Errorf("%s: not found in %s: %w", img.Name, img.Location, target.ErrImageNotFound)
		}
		return ocispec.Descriptor{}, nil, target.Explain(img, fmt.Errorf("resolve %s: %w", img.Name, err))
	}
	defer rc.Close()
	if desc.Size > spec.MaxSize {
		return ocispec.Descriptor{}, nil, fmt.Errorf("%s: manifest %s is %d bytes, over the %d byte limit", img.Name, desc.Digest, desc.Size, spec.MaxSize)
	}
	data, err := content.ReadAll(rc, desc) // verifies size and digest
	if err != nil {
		return ocispec.Descriptor{}, nil, fmt.Errorf("%s: read manifest %s: %w", img.Name, desc.Digest, err)
	}
	return desc, &rootStore{ReadOnlyGraphStorage: img.Store, root: desc, data: data}, nil
}

// rootStore is a store whose root manifest is already in memory.
type rootStore struct {
	content.ReadOnlyGraphStorage
	root ocispec.Descriptor
	data []byte
}

func (s *rootStore) Fetch(ctx context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
	if d.Digest == s.root.Digest && d.Size == s.root.Size {
		return io.NopCloser(bytes.NewReader(s.data)), nil
	}
	return s.ReadOnlyGraphStorage.Fetch(ctx, d)
}

// Referrers keeps the store's referrers API visible to registry.Referrers
// (content.ReadOnlyGraphStorage does not name it, so embedding alone would
// hide it).
func (s *rootStore) Referrers(ctx context.Context, d ocispec.Descriptor, artifactType string, fn func([]ocispec.Descriptor) error) error {
	return cache.ListReferrers(ctx, s.ReadOnlyGraphStorage, d, artifactType, fn)
}
