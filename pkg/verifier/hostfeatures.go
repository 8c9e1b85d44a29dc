package verifier

import (
	"context"
	"fmt"

	"github.com/nfd-compat/nfd-compat/pkg/cache"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// hostFeatures returns this host's features for the sources the spec
// needs: from Options.Features, the cache, or a discovery that is cached.
func (v *Verifier) hostFeatures(ctx context.Context, s *spec.Spec) (*features.Features, error) {
	if v.opts.Features != nil {
		return v.opts.Features, nil
	}
	sources := features.SourcesForDomains(spec.Domains(s))
	key := cache.FeaturesKey{Sources: sources, HostRoot: v.opts.Discover.HostRoot, HostPrefix: v.opts.Discover.HostPrefix}
	if v.features != nil {
		if f := v.features.Get(key); f != nil {
			return f, nil
		}
	}
	dopts := v.opts.Discover
	dopts.Sources = sources
	dopts.Log = v.logFor(ctx)
	f, err := features.Discover(ctx, dopts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDiscover, err)
	}
	if v.features != nil {
		if err := v.features.Put(key, f); err != nil {
			v.logFor(ctx).WithError(err).Debug("nfd-compat: could not cache host features; the next decision discovers again")
		}
	}
	return f, nil
}
