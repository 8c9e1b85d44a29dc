package validatenode_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
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
	testartifact.Attached(b, reg, "app", specYAML)
	for _, c := range []struct {
		name string
		opts validatenode.Options
	}{
		{"registry", validatenode.Options{Image: &target.ImageOptions{Ref: reg.Ref("app", "v1"), Target: target.Options{PlainHTTP: true}, Platform: testartifact.AMD64}}},
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
