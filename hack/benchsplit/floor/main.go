// Command floor is a measurement, not shipped: the floor of a validate-node
// binary, linking only spec parsing (pkg/spec), NFD rule evaluation
// (pkg/compat), NFD's host sources (pkg/features) and an oras-go fetch with
// docker credentials: no cobra, no containerd hosts.toml (pkg/target), no
// cache, fleet or cluster mode, no platform choice in an index. It makes the
// requests validate-node makes for an image (resolve, referrers, artifact
// manifest, spec blob). hack/bench-validate-node.sh times it as "floor".
//
//	floor REF    # plain HTTP; prints the report as JSON
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

func main() {
	if err := run(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func run(ctx context.Context, ref string) error {
	repo, err := remote.NewRepository(ref)
	if err != nil {
		return err
	}
	repo.PlainHTTP = true
	store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
	if err != nil {
		return err
	}
	repo.Client = &auth.Client{Client: retry.DefaultClient, Cache: auth.NewCache(), Credential: credentials.Credential(store)}
	desc, err := repo.Resolve(ctx, repo.Reference.Reference)
	if err != nil {
		return err
	}
	var arts []ocispec.Descriptor
	if err := repo.Referrers(ctx, desc, spec.ArtifactType, func(r []ocispec.Descriptor) error {
		arts = append(arts, r...)
		return nil
	}); err != nil {
		return err
	}
	if len(arts) == 0 {
		return fmt.Errorf("no artifact")
	}
	slices.SortFunc(arts, func(a, b ocispec.Descriptor) int {
		return strings.Compare(b.Annotations[ocispec.AnnotationCreated], a.Annotations[ocispec.AnnotationCreated])
	})
	mb, err := content.FetchAll(ctx, repo, arts[0])
	if err != nil {
		return err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return err
	}
	if len(m.Layers) != 1 {
		return fmt.Errorf("%d layers", len(m.Layers))
	}
	sb, err := content.FetchAll(ctx, repo.Blobs(), m.Layers[0])
	if err != nil {
		return err
	}
	s, _, err := spec.ParseContext(ctx, sb)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, c := range s.Compatibilties {
		for _, r := range c.Rules {
			for _, t := range r.MatchFeatures {
				want[strings.ToLower(t.Feature)] = true
			}
			for _, a := range r.MatchAny {
				for _, t := range a.MatchFeatures {
					want[strings.ToLower(t.Feature)] = true
				}
			}
		}
	}
	f, err := features.Discover(ctx, features.DiscoverOptions{
		Sources: features.SourcesForDomains(spec.Domains(s)),
		Keep:    func(f string) bool { return want[strings.ToLower(f)] },
	})
	if err != nil {
		return err
	}
	rep, err := compat.EvaluateContext(ctx, s, f, compat.Options{})
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(rep)
}
