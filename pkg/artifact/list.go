package artifact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// List returns the compatibility artifacts that refer to subject, newest
// first. Other referrers (signatures, SBOMs) are left out. On a registry
// without the referrers API, artifacts recorded by their own tag but missing
// from the sha256-<hex> index (lost to a concurrent writer) are listed too;
// entries whose manifest is gone are listed as the index has them (Fetch
// reports them as ErrDangling).
func List(ctx context.Context, src content.ReadOnlyGraphStorage, subject ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	// One unfiltered call instead of one per artifact type: both of our types
	// are wanted, and filtering is optional for registries anyway.
	referrers, err := registry.Referrers(ctx, src, subject, "")
	if err != nil {
		return nil, fmt.Errorf("list referrers of %s: %w", subject.Digest, err)
	}
	if referrers, err = addRecorded(ctx, src, subject, referrers); err != nil {
		return nil, err
	}
	compat := referrers[:0]
	for _, d := range referrers {
		if d.ArtifactType == ocispec.MediaTypeEmptyJSON {
			if d.ArtifactType, err = manifestArtifactType(ctx, src, d); err != nil {
				return nil, err
			}
		}
		if spec.IsArtifactType(d.ArtifactType) {
			compat = append(compat, d)
		}
	}
	Sort(compat)
	return compat, nil
}

// manifestArtifactType reads a referrer's artifactType from its manifest.
// Some registries (go-containerregistry's) fill a referrer's artifactType from
// config.mediaType even when the manifest has an artifactType, which makes
// every artifact with the empty config look alike; only for those is the
// manifest fetched.
func manifestArtifactType(ctx context.Context, src content.ReadOnlyStorage, d ocispec.Descriptor) (string, error) {
	if d.Size > spec.MaxSize {
		return "", nil // not ours: ours are small
	}
	raw, err := content.FetchAll(ctx, src, d)
	if errors.Is(err, errdef.ErrNotFound) {
		return "", nil // deleted since it was listed: nothing to read
	}
	if err != nil {
		return "", fmt.Errorf("fetch referrer %s: %w", d.Digest, err)
	}
	var m struct {
		ArtifactType string `json:"artifactType"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", nil // not a manifest we can read, so not ours
	}
	return m.ArtifactType, nil
}

// Sort orders artifacts newest first by their created annotation. Artifacts
// without one sort as oldest; ties break by digest so the choice is stable.
func Sort(descs []ocispec.Descriptor) {
	slices.SortStableFunc(descs, func(a, b ocispec.Descriptor) int {
		ta, _ := Created(a)
		tb, _ := Created(b)
		if c := tb.Compare(ta); c != 0 {
			return c
		}
		return strings.Compare(string(a.Digest), string(b.Digest))
	})
}

// Select picks an artifact from a sorted list: the one whose digest starts
// with digestPrefix when given (an unambiguous prefix such as sha256:ab12 is
// enough), else the newest.
func Select(descs []ocispec.Descriptor, digestPrefix string) (ocispec.Descriptor, error) {
	if digestPrefix != "" {
		if err := CheckDigestPrefix(digestPrefix); err != nil {
			return ocispec.Descriptor{}, err
		}
	}
	if len(descs) == 0 {
		return ocispec.Descriptor{}, ErrNoArtifact
	}
	if digestPrefix == "" {
		return descs[0], nil
	}
	var found []ocispec.Descriptor
	for _, d := range descs {
		if strings.HasPrefix(string(d.Digest), digestPrefix) {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return ocispec.Descriptor{}, fmt.Errorf("digest %s: %w", digestPrefix, ErrNoArtifact)
	case 1:
		return found[0], nil
	default:
		return ocispec.Descriptor{}, fmt.Errorf("digest prefix %s matches %d artifacts, give more of it: %w", digestPrefix, len(found), ErrAmbiguous)
	}
}

// RegistryReader is implemented by stores that read through a registry
// client (a cache, an in-memory front): RegistryRepository returns that
// client, the one their Referrers asks, so that List also finds the
// recorded artifacts the sha256-<hex> index lost (records.go).
type RegistryReader interface {
	RegistryRepository() *remote.Repository
}

// addRecorded adds to referrers the recorded compat artifacts (records.go)
// they lack, when src is (or reads through) a registry client that found no
// referrers API.
func addRecorded(ctx context.Context, src content.ReadOnlyGraphStorage, subject ocispec.Descriptor, referrers []ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	repo, ok := src.(*remote.Repository)
	if r, isReader := src.(RegistryReader); !ok && isReader {
		repo = r.RegistryRepository()
	}
	if repo == nil || !settledTagSchema(repo) {
		return referrers, nil
	}
	plain, err := plainRepository(repo)
	if err != nil {
		return nil, err
	}
	extra, err := recordedArtifacts(ctx, plain, subject, referrers)
	if err != nil {
		return nil, err
	}
	return append(referrers, extra...), nil
}
