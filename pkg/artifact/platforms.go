package artifact

import (
	"context"
	"encoding/json"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// IsIndex reports whether the resolved root is an index (OCI image index
// or Docker manifest list), whose platforms LoadPlatform loads one by one.
func (r *Resolved) IsIndex() bool { return isIndex(r.Root.MediaType) }

// Platforms returns the platforms of the manifests of the index r
// resolved, each once (os, architecture and variant), in index order;
// nil for a single manifest. The index is read from r.Store (in memory
// when the resolve brought it) with the size limit of spec.MaxSize;
// manifests without a platform are skipped. Callers bound how many they
// load: the count comes from the registry.
func (r *Resolved) Platforms(ctx context.Context) ([]ocispec.Platform, error) {
	if !r.IsIndex() {
		return nil, nil
	}
	if r.Root.Size > spec.MaxSize {
		return nil, fmt.Errorf("%s: index %s is %d bytes, over the %d byte limit", r.Image.Name, r.Root.Digest, r.Root.Size, spec.MaxSize)
	}
	raw, err := content.FetchAll(ctx, r.Store, r.Root)
	if err != nil {
		return nil, target.Explain(r.Image, fmt.Errorf("%s: fetch index %s: %w", r.Image.Name, r.Root.Digest, err))
	}
	var idx ocispec.Index
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("%s: index %s is not valid JSON: %w", r.Image.Name, r.Root.Digest, err)
	}
	var out []ocispec.Platform
	seen := map[string]bool{}
	for _, m := range idx.Manifests {
		if m.Platform == nil || m.Platform.OS == "" || m.Platform.Architecture == "" {
			continue
		}
		p := ocispec.Platform{OS: m.Platform.OS, Architecture: m.Platform.Architecture, Variant: m.Platform.Variant}
		if k := target.FormatPlatform(&p); !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// LoadPlatform is Load's second half for one platform of the image r
// resolved (opts.Platform; for a single manifest it does not matter):
// the platform's manifest's artifacts, then the index's, the newest
// fetched with its shape checked and its spec parsed. The resolve is not
// repeated, so loading every platform of an index costs one resolve; the
// referrers memory of LoadOptions is not used. Errors name the image and
// explain a registry's refusal, as Load's do.
func (r *Resolved) LoadPlatform(ctx context.Context, opts LoadOptions) (*Loaded, error) {
	subjects, err := subjectsOf(ctx, r.Store, r.Root, opts.Platform)
	if err != nil {
		return &Loaded{Root: r.Root}, target.Explain(r.Image, fmt.Errorf("%s: %w", r.Image.Name, err))
	}
	rp := *r
	rp.Subjects = subjects
	l, err := rp.load(ctx, opts)
	if err != nil {
		return l, target.Explain(r.Image, fmt.Errorf("%s: %w", r.Image.Name, err))
	}
	return l, nil
}
