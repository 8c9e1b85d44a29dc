package cache

import (
	"bytes"
	"context"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Store reads content by digest (an index, an artifact manifest, a spec)
// through Blobs and passes everything else — referrer listings, Exists,
// Predecessors — through to Remote: content addressed by digest never
// changes, referrer lists do, and new artifacts must be seen. Only the
// opt-in Lists (referrers_ttl) trade that for no request within its TTL.
//
// Only content up to spec.MaxSize is cached (what the compat artifacts and
// the indexes they hang off are limited to); bigger content and content of
// unknown size go to Remote. A blob that fails verification on read is a
// miss, fetched again; a write that fails is logged at debug level and
// costs only the next run's request.
type Store struct {
	// Remote is where content comes from on a miss.
	Remote content.ReadOnlyGraphStorage
	// Blobs is the cache; nil passes everything through.
	Blobs *Blobs
	// Log, if set, hears about content that could not be cached.
	Log logrus.FieldLogger
	// Lists, set (the policy's referrers_ttl), reuses the referrer lists of
	// Repository (REGISTRY/NAME) for its TTL instead of asking Remote.
	Lists      *ReferrerLists
	Repository string
}

// NewStore returns remote read through blobs (nil blobs: remote as it is).
func NewStore(blobs *Blobs, remote content.ReadOnlyGraphStorage, log logrus.FieldLogger) *Store {
	return &Store{Remote: remote, Blobs: blobs, Log: log}
}

var (
	_ content.ReadOnlyGraphStorage = (*Store)(nil)
	_ registry.ReferrerLister      = (*Store)(nil)
)

// Fetch serves desc from the cache, else from Remote, caching it.
func (s *Store) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if s.Blobs == nil || desc.Size <= 0 || desc.Size > spec.MaxSize {
		return s.Remote.Fetch(ctx, desc)
	}
	if data, err := s.Blobs.Get(desc); err == nil {
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	// FetchAll verifies size and digest before anything is cached.
	data, err := content.FetchAll(ctx, s.Remote, desc)
	if err != nil {
		return nil, err
	}
	if err := s.Blobs.Put(desc, data); err != nil && s.Log != nil {
		s.Log.WithError(err).Debug("nfd-compat: could not cache content; the next run fetches it again")
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Exists asks Remote.
func (s *Store) Exists(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	return s.Remote.Exists(ctx, desc)
}

// Predecessors asks Remote.
func (s *Store) Predecessors(ctx context.Context, desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	return s.Remote.Predecessors(ctx, desc)
}

// Referrers lists desc's referrers on Remote (see ListReferrers). Only with
// Lists (opt-in referrers_ttl) is an unfiltered list reused within its TTL.
func (s *Store) Referrers(ctx context.Context, desc ocispec.Descriptor, artifactType string, fn func([]ocispec.Descriptor) error) error {
	if s.Lists == nil || s.Repository == "" || artifactType != "" {
		return ListReferrers(ctx, s.Remote, desc, artifactType, fn)
	}
	if refs, ok := s.Lists.Get(s.Repository, desc); ok {
		return fn(refs)
	}
	var refs []ocispec.Descriptor
	if err := ListReferrers(ctx, s.Remote, desc, "", func(p []ocispec.Descriptor) error { refs = append(refs, p...); return nil }); err != nil {
		return err
	}
	if err := s.Lists.Put(s.Repository, desc, refs); err != nil && s.Log != nil {
		s.Log.WithError(err).Debug("nfd-compat: could not cache a referrer list; the next decision asks the registry")
	}
	return fn(refs)
}

// ListReferrers lists desc's referrers on store for a wrapper of it: through
// store's referrers API when it has one, else through its Predecessors
// (oras-go's registry.Referrers), so that wrapping never hides the API.
func ListReferrers(ctx context.Context, store content.ReadOnlyGraphStorage, desc ocispec.Descriptor, artifactType string, fn func([]ocispec.Descriptor) error) error {
	if rl, ok := store.(registry.ReferrerLister); ok {
		return rl.Referrers(ctx, desc, artifactType, fn)
	}
	refs, err := registry.Referrers(ctx, store, desc, artifactType)
	if err != nil {
		return err
	}
	return fn(refs)
}
