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
	wants := map[testregistry.Kind]map[string]counts{
		testregistry.GGCRReferrers: {"app": {3, 1}, "multi": {5, 2}, "perplatform": {3, 1}},
		testregistry.GGCRTagSchema: {"app": {4, 2}, "multi": {6, 3}, "perplatform": {4, 2}},
		testregistry.Distribution:  {"app": {4, 2}, "multi": {6, 3}, "perplatform": {4, 2}},
	}
	testartifact.ForEachKind(t, "../../examples/gpu-spec.yaml", func(t *testing.T, kind testregistry.Kind, reg *testregistry.Registry, cases []testartifact.Case) {
		v, _ := newVerifier(t, nil)
		v.opts.Platform = testartifact.AMD64
		for _, phase := range []string{"cold", "warm"} {
			for _, c := range cases {
				before := reg.Requests()
				o, _ := v.Check(context.Background(), c.Ref, c.Root)
				if o.Verdict == policy.Error || o.Artifact != c.Artifact {
					t.Fatalf("%s %s: verdict %s, artifact %s (want %s): %v", phase, c.Name, o.Verdict, o.Artifact, c.Artifact, o.Err)
				}
				want := wants[kind][c.Name].cold
				if phase == "warm" {
					want = wants[kind][c.Name].warm
				}
				if got := reg.Requests() - before; got != want {
					t.Errorf("%s %s: %d registry requests, want %d", phase, c.Name, got, want)
				}
			}
		}
	})
}

// TestDanglingArtifactSkipped: the tag index lists a newer artifact whose
// manifest is gone (issue 8 §3); the verifier judges by the older one and
// warns, instead of falling to on_error (with deny: an unpullable image).
func TestDanglingArtifactSkipped(t *testing.T) {
	d := testartifact.Dangling(t, testregistry.Distribution, "../../examples/gpu-spec.yaml")
	v, h := newVerifier(t, func(p *policy.Policy) { p.OnError = policy.Deny })
	o, _ := v.Check(context.Background(), d.Ref, d.Root)
	if o.Verdict == policy.Error || o.Verdict == policy.Missing || o.Artifact != d.Older {
		t.Fatalf("verdict %s, artifact %s (want the older %s): %v", o.Verdict, o.Artifact, d.Older, o.Err)
	}
	d.Warned(t, h.log.String())
}
