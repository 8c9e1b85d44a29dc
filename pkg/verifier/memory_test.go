package verifier

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// A long-lived Verifier keeps what a warm decision needs in memory: the
// parsed spec (by artifact digest), the host features (by boot id, for
// features_ttl) and the registry client of the repository. With cache_dir's
// features gone a warm decision does not discover again, and a reused client
// still names the reference of each pull, not the first one's.
func TestWarmDecisionFromMemory(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := pushImage(t, reg, "app", "v1", "demo-spec.yaml")
	v, h := newVerifier(t, nil)
	ctx := context.Background()
	o := v.Decide(ctx, name, desc)
	err := o.Err
	if err != nil || o.Verdict != policy.Compatible {
		t.Fatalf("cold: %s %v", o.Verdict, err)
	}
	if v.specs.get(o.Artifact) == nil {
		t.Errorf("parsed spec of %s not kept", o.Artifact)
	}
	if err := os.RemoveAll(filepath.Join(h.pol.CacheDir, "features")); err != nil {
		t.Fatal(err)
	}
	before := reg.Requests()
	if o = v.Decide(ctx, name, desc); o.Err != nil || o.Verdict != policy.Compatible {
		t.Fatalf("warm: %s %v", o.Verdict, o.Err)
	}
	if n := reg.Requests() - before; n != 1 {
		t.Errorf("warm decision: %d registry requests, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(h.pol.CacheDir, "features")); err == nil {
		t.Error("warm decision rediscovered and rewrote the features file: the features were not in memory")
	}
	if len(v.images.images) != 1 {
		t.Fatalf("%d registry clients kept, want 1", len(v.images.images))
	}
	// Another tag of the same repository through the reused client: its
	// failure names that tag.
	missing := desc
	missing.Digest = digest.FromString("no such manifest")
	missing.MediaType, missing.Size = "", 0 // resolved by digest, which fails
	other := reg.Ref("app", "v2")
	o = v.Decide(ctx, other, missing)
	if o.Verdict != policy.Error || !strings.Contains(o.Err.Error(), "app:v2") || strings.Contains(o.Err.Error(), "app:v1") {
		t.Errorf("reused client: verdict %s, error %v; want an error naming %s only", o.Verdict, o.Err, other)
	}
}

// A big spec is not kept: images carrying large valid specs must not grow a
// long-lived Verifier's memory.
func TestBigSpecNotKept(t *testing.T) {
	var c specCache
	c.put("sha256:small", &spec.Spec{}, 1<<10)
	c.put("sha256:big", &spec.Spec{}, maxCachedSpecLen+1)
	if c.get("sha256:small") == nil || c.get("sha256:big") != nil {
		t.Errorf("kept: small %v, big %v; want the small one only", c.get("sha256:small") != nil, c.get("sha256:big") != nil)
	}
	for i := range maxSpecs + 1 {
		c.put(fmt.Sprint("sha256:", i), &spec.Spec{}, 1)
	}
	if n := len(c.specs); n > maxSpecs {
		t.Errorf("%d specs kept, more than %d", n, maxSpecs)
	}
}
