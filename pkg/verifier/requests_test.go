package verifier

import (
	"context"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// TestRegistryRequests pins the registry requests of one decision per
// image, platform linux/amd64, with the descriptor containerd passes (so no
// resolve): cold (empty cache_dir), then warm (the artifact manifest and
// the spec blob come from the cache; the referrers are asked every time),
// then warm in a new Verifier on the same cache_dir (a new bindir
// process). Each listing costs one request on every registry kind: a host
// found without the referrers API is remembered (cache.Registries), so only
// the first listing on it probes /referrers (the cold "app" case); before
// that memory a warm decision there cost one more (the 404 probe).
func TestRegistryRequests(t *testing.T) {
	type counts struct{ cold, warm int64 }
	for _, tc := range []struct {
		kind testregistry.Kind
		want map[string]counts
	}{
		{testregistry.GGCRReferrers, map[string]counts{"app": {3, 1}, "multi": {5, 2}, "perplatform": {3, 1}}},
		{testregistry.GGCRTagSchema, map[string]counts{"app": {4, 1}, "multi": {5, 2}, "perplatform": {3, 1}}},
		{testregistry.Distribution, map[string]counts{"app": {4, 1}, "multi": {5, 2}, "perplatform": {3, 1}}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			reg := testregistry.Start(t, tc.kind)
			cases := testartifact.Push(t, reg, "../../examples/gpu-spec.yaml")
			v, h := newVerifier(t, nil)
			v.opts.Platform = testartifact.AMD64
			for _, phase := range []string{"cold", "warm", "new process"} {
				if phase == "new process" {
					var err error
					if v, err = New(Options{Policy: h.pol, Log: v.log, Target: docker(t), Platform: testartifact.AMD64}); err != nil {
						t.Fatal(err)
					}
				}
				for _, c := range cases {
					before := reg.Requests()
					o := v.Decide(context.Background(), c.Ref, c.Root)
					if o.Verdict == policy.Error || o.Artifact != c.Artifact {
						t.Fatalf("%s %s: verdict %s, artifact %s (want %s): %v", phase, c.Name, o.Verdict, o.Artifact, c.Artifact, o.Err)
					}
					want := tc.want[c.Name].cold
					if phase != "cold" {
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

// TestReferrersTTL pins the opt-in referrers_ttl: within it a warm decision
// asks the registry nothing, in this Verifier and in a new one on the same
// cache_dir (a bindir process per pull); past it the referrers are asked
// again (so a newly attached artifact is seen that late, not never).
func TestReferrersTTL(t *testing.T) {
	for _, kind := range []testregistry.Kind{testregistry.GGCRReferrers, testregistry.GGCRTagSchema} {
		t.Run(string(kind), func(t *testing.T) {
			reg := testregistry.Start(t, kind)
			cases := testartifact.Push(t, reg, "../../examples/gpu-spec.yaml")
			v, h := newVerifier(t, func(p *policy.Policy) { p.ReferrersTTL = policy.Duration(time.Minute) })
			v.opts.Platform = testartifact.AMD64
			decide := func(v *Verifier, c testartifact.Case) int64 {
				t.Helper()
				before := reg.Requests()
				o := v.Decide(context.Background(), c.Ref, c.Root)
				if o.Verdict == policy.Error || o.Artifact != c.Artifact {
					t.Fatalf("%s: verdict %s, artifact %s (want %s): %v", c.Name, o.Verdict, o.Artifact, c.Artifact, o.Err)
				}
				return reg.Requests() - before
			}
			for _, c := range cases {
				decide(v, c) // cold
			}
			v2, err := New(Options{Policy: h.pol, Log: v.log, Target: docker(t), Platform: testartifact.AMD64})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				if n := decide(v, c); n != 0 {
					t.Errorf("warm %s: %d registry requests within referrers_ttl, want 0", c.Name, n)
				}
				if n := decide(v2, c); n != 0 {
					t.Errorf("warm %s in a new Verifier: %d registry requests within referrers_ttl, want 0", c.Name, n)
				}
			}
			later := func() time.Time { return time.Now().Add(2 * time.Minute) }
			v.lists.Now = later
			for _, c := range cases {
				if n := decide(v, c); n == 0 {
					t.Errorf("%s past referrers_ttl: no registry request: a newly attached artifact would never be seen", c.Name)
				}
			}
		})
	}
}
