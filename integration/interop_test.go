package integration

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/registry"
	artifactcli "sigs.k8s.io/node-feature-discovery/pkg/client-nfd/compat/artifact-client"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// TestUpstreamReadsOurArtifact: upstream NFD's own artifact client finds and
// parses what attach-spec pushed. (Upstream reads registries only.)
func TestUpstreamReadsOurArtifact(t *testing.T) {
	ctx := context.Background()
	for _, p := range places(t) {
		if p.reg == nil {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			if _, err := testimage.Push(ctx, p.store(t, "interop"), "v1"); err != nil {
				t.Fatal(err)
			}
			ref := p.ref("interop", "v1")
			must(t, 0, args("attach-spec", p.flags, ref, kepSpec)...)
			parsed, err := registry.ParseReference(ref)
			if err != nil {
				t.Fatal(err)
			}
			client := artifactcli.New(&parsed, artifactcli.WithArgs(artifactcli.Args{PlainHttp: true}), artifactcli.WithAuthDefault())
			got, err := client.FetchCompatibilitySpec(ctx)
			if err != nil || got == nil {
				t.Fatalf("upstream FetchCompatibilitySpec: %v, %v", got, err)
			}
			if len(got.Compatibilties) != 2 || got.Compatibilties[0].Tag != "prefered" || got.Compatibilties[0].Rules[0].Name != "kernel and cpu" {
				t.Fatalf("upstream parsed %+v", got)
			}
		})
	}
}

// TestOrasAttachArtifactIsFound: an artifact pushed as upstream's docs say
// (`oras attach --artifact-type application/vnd.nfd.image-compatibility.v1alpha1
// IMAGE spec.yaml:application/vnd.nfd.image-compatibility.spec.v1alpha1+yaml`),
// reproduced with oras-go as the oras CLI packs it, is listed and read.
func TestOrasAttachArtifactIsFound(t *testing.T) {
	ctx := context.Background()
	data, err := os.ReadFile(kepSpec)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range places(t) {
		t.Run(p.name, func(t *testing.T) {
			store, img := p.push(t, "orasattach")
			layer, err := oras.PushBytes(ctx, store, spec.SpecMediaType, data)
			if err != nil {
				t.Fatal(err)
			}
			// oras attach annotates the layer with its file name and the
			// manifest with the creation time.
			layer.Annotations = map[string]string{ocispec.AnnotationTitle: "spec.yaml"}
			subject := img
			_, err = oras.PackManifest(ctx, store, oras.PackManifestVersion1_1, spec.ArtifactType, oras.PackManifestOptions{
				Subject: &subject, Layers: []ocispec.Descriptor{layer},
				ManifestAnnotations: map[string]string{ocispec.AnnotationCreated: time.Now().UTC().Format(time.RFC3339)},
			})
			if err != nil {
				t.Fatal(err)
			}
			ref := p.ref("orasattach", "v1")
			res := listJSON(t, p, ref)
			if len(res.Artifacts) != 1 || res.Artifacts[0].Error != "" || len(res.Artifacts[0].Sets) != 2 {
				t.Fatalf("list-specs of an oras-attached artifact: %+v", res.Artifacts)
			}
			if got := must(t, 0, args("get-spec", p.flags, ref)...).stdout; got != string(data) {
				t.Fatalf("get-spec: %s", got)
			}
			must(t, 0, args("validate-spec", p.flags, ref)...)
			if r := must(t, 0, append([]string{"compat"}, args("validate-spec", p.flags, ref)...)...); !strings.Contains(r.stdout, "valid") {
				t.Fatalf("compat validate-spec: %s", r.stdout)
			}
		})
	}
}
