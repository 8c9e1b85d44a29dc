package target

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/containerd/containerd/v2/core/remotes/docker"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
)

// endpoint is one hosts.toml host as an oras-go repository.
type endpoint struct {
	repo *remote.Repository
	host docker.RegistryHost
}

// mirrored is a Store over several endpoints of one registry, used as
// containerd uses them: reads by digest go to "pull" hosts, tag resolution
// to "resolve" hosts, referrers to "referrers" hosts (else "resolve" ones),
// each tried in order until one answers; writes go to the first "push" host.
//
// One difference from containerd: containerd asks every referrers host's
// referrers API before falling back to the sha256-<hex> tag; oras-go falls
// back per host, so a mirror without the referrers API answers with its
// tag (or an empty list) before the next host is asked.
type mirrored struct {
	registry  string
	endpoints []endpoint
}

var (
	_ Store                   = (*mirrored)(nil)
	_ registry.ReferrerLister = (*mirrored)(nil)
)

func (m *mirrored) with(c docker.HostCapabilities) []*remote.Repository {
	var out []*remote.Repository
	for _, e := range m.endpoints {
		if e.host.Capabilities.Has(c) {
			out = append(out, e.repo)
		}
	}
	return out
}

// try runs op on each repository in order until one succeeds.
func try[T any](ctx context.Context, m *mirrored, repos []*remote.Repository, what string, op func(*remote.Repository) (T, error)) (T, error) {
	var zero T
	if len(repos) == 0 {
		return zero, errNoCapableHost(m.registry, what)
	}
	var errs []error
	for _, r := range repos {
		v, err := op(r)
		if err == nil {
			return v, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", r.Reference.Registry, err))
		if ctx.Err() != nil {
			break
		}
	}
	return zero, errors.Join(errs...)
}

func (m *mirrored) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	return try(ctx, m, m.with(docker.HostCapabilityPull), "pull", func(r *remote.Repository) (io.ReadCloser, error) { return r.Fetch(ctx, desc) })
}

func (m *mirrored) Exists(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	repos := m.with(docker.HostCapabilityPull)
	var last error
	for _, r := range repos {
		ok, err := r.Exists(ctx, desc)
		if ok {
			return true, nil
		}
		last = err
	}
	if len(repos) == 0 {
		return false, errNoCapableHost(m.registry, "pull")
	}
	return false, last
}

func (m *mirrored) Resolve(ctx context.Context, reference string) (ocispec.Descriptor, error) {
	return try(ctx, m, m.with(docker.HostCapabilityResolve), "resolve", func(r *remote.Repository) (ocispec.Descriptor, error) { return r.Resolve(ctx, reference) })
}

func (m *mirrored) Referrers(ctx context.Context, desc ocispec.Descriptor, artifactType string, fn func([]ocispec.Descriptor) error) error {
	repos := m.with(docker.HostCapabilityReferrers)
	if len(repos) == 0 {
		repos = m.with(docker.HostCapabilityResolve)
	}
	_, err := try(ctx, m, repos, "referrers", func(r *remote.Repository) (struct{}, error) {
		var got []ocispec.Descriptor
		if err := r.Referrers(ctx, desc, artifactType, func(p []ocispec.Descriptor) error { got = append(got, p...); return nil }); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, fn(got)
	})
	return err
}

func (m *mirrored) Predecessors(ctx context.Context, desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	var out []ocispec.Descriptor
	err := m.Referrers(ctx, desc, "", func(p []ocispec.Descriptor) error { out = append(out, p...); return nil })
	return out, err
}

func (m *mirrored) pusher() (*remote.Repository, error) {
	if repos := m.with(docker.HostCapabilityPush); len(repos) > 0 {
		return repos[0], nil
	}
	return nil, errNoCapableHost(m.registry, "push")
}

// PushRepository is the repository writes go to; pkg/artifact maintains the
// referrers index there.
func (m *mirrored) PushRepository() (*remote.Repository, error) { return m.pusher() }

func (m *mirrored) Push(ctx context.Context, desc ocispec.Descriptor, content io.Reader) error {
	r, err := m.pusher()
	if err != nil {
		return err
	}
	return r.Push(ctx, desc, content)
}

func (m *mirrored) Tag(ctx context.Context, desc ocispec.Descriptor, reference string) error {
	r, err := m.pusher()
	if err != nil {
		return err
	}
	return r.Tag(ctx, desc, reference)
}

func (m *mirrored) Delete(ctx context.Context, desc ocispec.Descriptor) error {
	r, err := m.pusher()
	if err != nil {
		return err
	}
	return r.Delete(ctx, desc)
}
