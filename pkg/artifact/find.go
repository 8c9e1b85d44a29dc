package artifact

import (
	"context"
	"encoding/json"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Found is the artifact chosen for an image, and the manifest it refers to.
type Found struct {
	Artifact ocispec.Descriptor
	// Subject is the descriptor the artifact refers to: the platform's
	// manifest or the index itself.
	Subject ocispec.Descriptor
	// Candidates are all compat artifacts of Subject, newest first.
	Candidates []ocispec.Descriptor
}

// Find returns the compat artifact that applies to root on platform. For an
// index, the platform's manifest's artifacts are looked at first (the most
// specific spec wins), then the index's; a nil platform on an index means the
// index's only. digestPrefix selects an artifact instead of the newest.
func Find(ctx context.Context, src content.ReadOnlyGraphStorage, root ocispec.Descriptor, platform *ocispec.Platform, digestPrefix string) (*Found, error) {
	subjects, err := subjectsOf(ctx, src, root, platform)
	if err != nil {
		return nil, err
	}
	for _, subject := range subjects {
		descs, err := List(ctx, src, subject)
		if err != nil {
			return nil, err
		}
		if len(descs) == 0 {
			continue
		}
		d, err := Select(descs, digestPrefix)
		if err != nil {
			return nil, err
		}
		return &Found{Artifact: d, Subject: subject, Candidates: descs}, nil
	}
	return nil, fmt.Errorf("%s: %w", root.Digest, ErrNoArtifact)
}

// subjectsOf returns the manifests whose artifacts apply to root on
// platform, the most specific first: the platform's manifest of an index,
// then the index; root alone otherwise.
func subjectsOf(ctx context.Context, src content.Fetcher, root ocispec.Descriptor, platform *ocispec.Platform) ([]ocispec.Descriptor, error) {
	if !isIndex(root.MediaType) || platform == nil {
		return []ocispec.Descriptor{root}, nil
	}
	m, err := platformManifest(ctx, src, root, platform)
	if err != nil || m == nil {
		return []ocispec.Descriptor{root}, err
	}
	return []ocispec.Descriptor{*m, root}, nil
}

func isIndex(mediaType string) bool {
	return mediaType == ocispec.MediaTypeImageIndex || mediaType == "application/vnd.docker.distribution.manifest.list.v2+json"
}

// platformManifest returns the index's manifest for platform, or nil when the
// index has none for it (the index's own artifacts may still apply).
func platformManifest(ctx context.Context, src content.Fetcher, index ocispec.Descriptor, platform *ocispec.Platform) (*ocispec.Descriptor, error) {
	if index.Size > spec.MaxSize {
		return nil, fmt.Errorf("index %s is %d bytes, over the %d byte limit", index.Digest, index.Size, spec.MaxSize)
	}
	raw, err := content.FetchAll(ctx, src, index)
	if err != nil {
		return nil, fmt.Errorf("fetch index %s: %w", index.Digest, err)
	}
	var idx ocispec.Index
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("index %s is not valid JSON: %w", index.Digest, err)
	}
	for _, m := range idx.Manifests {
		if MatchPlatform(platform, m.Platform) {
			return &m, nil
		}
	}
	return nil, nil
}

// MatchPlatform reports whether have satisfies want: same OS and
// architecture, and the same variant when want names one (arm64's "v8" and
// no variant are the same).
func MatchPlatform(want, have *ocispec.Platform) bool {
	if want == nil || have == nil {
		return false
	}
	if want.OS != have.OS || want.Architecture != have.Architecture {
		return false
	}
	if want.Variant == "" {
		return true
	}
	norm := func(p *ocispec.Platform) string {
		if p.Architecture == "arm64" && p.Variant == "" {
			return "v8"
		}
		return p.Variant
	}
	return norm(want) == norm(have)
}
