package verifier

import (
	"context"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// TestRegistryRequests pins the registry requests of one decision per
// image, platform linux/amd64, with the descriptor containerd passes (so no
// resolve): cold (empty cache_dir), then warm (the artifact manifest and
// the spec blob come from the cache; the referrers are asked every time).
// Unchanged by artifact.Load (the same counts were measured on main).
func TestRegistryRequests(t *testing.T) {
	type counts struct{ cold, warm int64 }
	for _, tc := range []struct {
		kind testregistry.Kind
		want map[string]counts
	}{
		{testregistry.GGCRReferrers, map[string]counts{"app": {3, 1}, "multi": {5, 2}, "perplatform": {3, 1}}},
		{testregistry.GGCRTagSchema, map[string]counts{"app": {4, 2}, "multi": {6, 3}, "perplatform": {4, 2}}},
		{testregistry.Distribution, map[string]counts{"app": {4, 2}, "multi": {6, 3}, "perplatform": {4, 2}}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			reg := testregistry.Start(t, tc.kind)
			cases := testartifact.Push(t, reg, "../../examples/gpu-spec.yaml")
			v, _ := newVerifier(t, nil)
			v.opts.Platform = testartifact.AMD64
			for _, phase := range []string{"cold", "warm"} {
				for _, c := range cases {
					before := reg.Requests()
					o := v.Decide(context.Background(), c.Ref, c.Root)
					if o.Verdict == policy.Error || o.Artifact != c.Artifact {
						t.Fatalf("%s %s: verdict %s, artifact %s (want %s): %v", phase, c.Name, o.Verdict, o.Artifact, c.Artifact, o.Err)
					}
					want := tc.want[c.Name].cold
					if phase == "warm" {
						want = tc.want[c.Name].warm
					}
					if got := reg.Requests() - before; got != want {
						t.Errorf("%s %s: %d registry requests, want %d", phase, c.Name, got, want)
					}
				}
			}
		})
	}
}
