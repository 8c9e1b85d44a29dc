package verifier

import (
	"bytes"
	"context"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry"

	"github.com/nfd-compat/nfd-compat/pkg/cache"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// cachedStore reads content by digest through the blob cache (an index, the
// artifact manifest, the spec) and passes referrer listings through to the
// registry: content addressed by digest never changes, referrer lists do.
type cachedStore struct {
	remote content.ReadOnlyGraphStorage
	blobs  *cache.Blobs // nil: no caching
	log    logrus.FieldLogger
}

var (
	_ content.ReadOnlyGraphStorage = (*cachedStore)(nil)
	_ registry.ReferrerLister      = (*cachedStore)(nil)
)

func (s *cachedStore) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if s.blobs == nil || desc.Size <= 0 || desc.Size > spec.MaxSize {
		return s.remote.Fetch(ctx, desc)
	}
	if data, err := s.blobs.Get(desc); err == nil {
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	// FetchAll verifies size and digest before anything is cached.
	data, err := content.FetchAll(ctx, s.remote, desc)
	if err != nil {
		return nil, err
	}
	if err := s.blobs.Put(desc, data); err != nil {
		s.log.WithError(err).Debug("nfd-compat: could not cache content; the next decision fetches it again")
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (s *cachedStore) Exists(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	return s.remote.Exists(ctx, desc)
}

func (s *cachedStore) Predecessors(ctx context.Context, desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	return s.remote.Predecessors(ctx, desc)
}

func (s *cachedStore) Referrers(ctx context.Context, desc ocispec.Descriptor, artifactType string, fn func([]ocispec.Descriptor) error) error {
	if rl, ok := s.remote.(registry.ReferrerLister); ok {
		return rl.Referrers(ctx, desc, artifactType, fn)
	}
	refs, err := registry.Referrers(ctx, s.remote, desc, artifactType)
	if err != nil {
		return err
	}
	return fn(refs)
}
