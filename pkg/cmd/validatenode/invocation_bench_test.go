package validatenode_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// BenchmarkInvocation is one validate-node of this host against the demo
// spec on a local referrers-API registry, in-process: what a run costs
// beyond process start and package init (which hack/bench-validate-node.sh
// measures with them). "spec" is the same with a local spec file, so the
// difference is the registry's share.
func BenchmarkInvocation(b *testing.B) {
	ctx := context.Background()
	specYAML, err := os.ReadFile("../../../examples/demo-spec.yaml")
	if err != nil {
		b.Fatal(err)
	}
	reg := testregistry.Start(b, testregistry.GGCRReferrers)
	repo := reg.Repo(b, "app")
	img, err := testimage.Push(ctx, repo, "v1")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := artifact.Attach(ctx, repo, img, specYAML, artifact.AttachOptions{}); err != nil {
		b.Fatal(err)
	}
	amd64 := &ocispec.Platform{OS: "linux", Architecture: "amd64"}
	for _, c := range []struct {
		name string
		opts validatenode.Options
	}{
		{"registry", validatenode.Options{Image: &target.ImageOptions{Ref: reg.Ref("app", "v1"), Target: target.Options{PlainHTTP: true}, Platform: amd64}}},
		{"spec", validatenode.Options{Spec: specYAML, SpecName: "demo-spec.yaml"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var out bytes.Buffer
			opts := c.opts
			opts.Output, opts.Stdout = output.JSON, &out
			for b.Loop() {
				out.Reset()
				if err := validatenode.Run(ctx, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
