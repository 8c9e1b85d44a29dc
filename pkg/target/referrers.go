package target

import (
	"oras.land/oras-go/v2/registry/remote"
)

// ReferrersMemory remembers which registry hosts have no referrers API
// (distribution v3, go-containerregistry without it, most mirrors), so that
// a later client of such a host lists referrers from the sha256-<hex> tag
// straight away instead of first probing /v2/<name>/referrers/<digest>:
// one registry request fewer per listing. Implementations are safe for
// concurrent use (pkg/cache.Registries).
type ReferrersMemory interface {
	// NoReferrersAPI reports whether host is remembered without it.
	NoReferrersAPI(host string) bool
	// RememberNoReferrersAPI records that host answered without it.
	RememberNoReferrersAPI(host string) error
	// ForgetNoReferrersAPI drops what is remembered of host.
	ForgetNoReferrersAPI(host string) error
}

// repositories returns the registry clients behind img: one, one per
// hosts.toml endpoint, or none (an OCI layout).
func (img *Image) repositories() []*remote.Repository {
	switch s := img.Store.(type) {
	case *remote.Repository:
		return []*remote.Repository{s}
	case *mirrored:
		out := make([]*remote.Repository, len(s.endpoints))
		for i, e := range s.endpoints {
			out[i] = e.repo
		}
		return out
	}
	return nil
}

// UseReferrersMemory tells img's clients of the hosts mem remembers without
// the referrers API to use the tag schema, and returns those hosts. Call it
// before img lists referrers; a client whose capability is already settled
// is left as it is.
func (img *Image) UseReferrersMemory(mem ReferrersMemory) []string {
	if mem == nil {
		return nil
	}
	var used []string
	for _, r := range img.repositories() {
		if mem.NoReferrersAPI(r.Reference.Registry) && r.SetReferrersCapability(false) == nil {
			used = append(used, r.Reference.Registry)
		}
	}
	return used
}

// LearnReferrers records in mem the hosts that img's clients found without
// the referrers API while listing. oras-go exposes a client's capability
// only through SetReferrersCapability, so learning settles it: a client
// that has not listed referrers yet counts as having the API from then on.
// Call it when img is done listing referrers (the verifier and
// validate-node, after artifact.Load). The first error of mem is returned,
// every host is tried.
func (img *Image) LearnReferrers(mem ReferrersMemory) error {
	if mem == nil {
		return nil
	}
	var first error
	for _, r := range img.repositories() {
		// Declaring the API fails exactly when the client settled on the
		// tag schema; unknown becomes supported, supported stays.
		if r.SetReferrersCapability(true) == nil || mem.NoReferrersAPI(r.Reference.Registry) {
			continue
		}
		if err := mem.RememberNoReferrersAPI(r.Reference.Registry); err != nil && first == nil {
			first = err
		}
	}
	return first
}
