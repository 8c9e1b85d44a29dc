package integration

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content/oci"
	"oras.land/oras-go/v2/registry"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// place is somewhere images live: a registry of some kind or an OCI layout.
type place struct {
	name string
	// store opens the repository (or layout) for seeding and inspection.
	store func(t *testing.T, repo string) oras.GraphTarget
	// ref names repo:tag the way the CLI takes it; flags are the flags it needs.
	ref   func(repo, tag string) string
	flags []string
	reg   *testregistry.Registry
}

// places starts every registry kind and makes an OCI layout root.
func places(t *testing.T) []place {
	t.Helper()
	var ps []place
	for _, kind := range testregistry.Kinds() {
		ps = append(ps, registryPlace(testregistry.Start(t, kind)))
	}
	root := t.TempDir()
	ps = append(ps, place{
		name: "oci-layout",
		store: func(t *testing.T, repo string) oras.GraphTarget {
			s, err := oci.New(filepath.Join(root, repo))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		ref: func(repo, tag string) string {
			if strings.Contains(tag, ":") {
				return filepath.Join(root, repo) + "@" + tag
			}
			return filepath.Join(root, repo) + ":" + tag
		},
		flags: []string{"--oci-layout"},
	})
	return ps
}

// registryPlace is a running registry as a place.
func registryPlace(reg *testregistry.Registry) place {
	return place{
		name:  string(reg.Kind),
		reg:   reg,
		store: func(t *testing.T, repo string) oras.GraphTarget { return reg.Repo(t, repo) },
		ref:   func(repo, tag string) string { return reg.Ref(repo, tag) },
		flags: []string{"--plain-http"},
	}
}

// referrers lists every referrer of subject in repo, as a fresh client sees it.
func (p place) referrers(t *testing.T, repo string, subject ocispec.Descriptor) []ocispec.Descriptor {
	t.Helper()
	descs, err := registry.Referrers(context.Background(), p.store(t, repo), subject, "")
	if err != nil {
		t.Fatalf("list referrers: %v", err)
	}
	return descs
}

// push opens repo and pushes an image to it as repo:v1, returning the
// store and the image's descriptor.
func (p place) push(t *testing.T, repo string) (oras.GraphTarget, ocispec.Descriptor) {
	t.Helper()
	store := p.store(t, repo)
	img, err := testimage.Push(context.Background(), store, "v1")
	if err != nil {
		t.Fatal(err)
	}
	return store, img
}
