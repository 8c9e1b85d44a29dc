package verifier

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/internal/testlog"
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

// TestJudgeErrsOnlyWhenTheCallerGaveUp: Decide always answers with an
// outcome, why it failed in Outcome.Err; Judge returns an error only when
// the caller's context ended before the decision (containerd cancelled the
// pull), and a registry failure with a live context is a judgement.
func TestJudgeErrsOnlyWhenTheCallerGaveUp(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := pushImage(t, reg, "app", "v1", "demo-spec.yaml")
	v, _ := newVerifier(t, func(p *policy.Policy) { p.OnError = policy.Deny })

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := v.Decide(ctx, name, desc)
	if o == nil || o.Verdict != policy.Error || !errors.Is(o.Err, context.Canceled) || o.Decision.Allow || o.Reason == "" {
		t.Fatalf("Decide, cancelled: %+v", o)
	}
	if _, err := v.Judge(ctx, name, desc); !errors.Is(err, context.Canceled) {
		t.Errorf("Judge, cancelled: error %v, want context.Canceled", err)
	}

	// Nothing listens on port 1.
	j, err := v.Judge(context.Background(), "127.0.0.1:1/app:v1", desc)
	if err != nil || j.OK || j.Reason == "" {
		t.Errorf("Judge, no registry: %+v, %v; want a refusal by on_error and no error", j, err)
	}
}

// What containerd logs while the verifier reads hosts.toml goes to the
// verifier's log, its Info at Debug, whatever logger the caller's context
// carries (containerd's own, in the plugin): the log keeps one line per
// decision.
func TestContainerdLogInVerifierLog(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := pushImage(t, reg, "app", "v1", "")
	ctx, ctxLog := testlog.Context(context.Background())

	v, h := newVerifier(t, nil)
	if o := v.Decide(ctx, name, desc); o.Verdict == policy.Error {
		t.Fatal(o.Reason)
	}
	if strings.Contains(h.log.String(), "will try HTTPS first") {
		t.Errorf("containerd's Info reached the verifier's Info log:\n%s", h.log)
	}
	if ctxLog.Len() != 0 {
		t.Errorf("the context's logger was used:\n%s", ctxLog.String())
	}

	debug, dbg := testlog.Buffer(logrus.DebugLevel)
	v, err := New(Options{Policy: v.Policy(), Log: debug, Target: docker(t)})
	if err != nil {
		t.Fatal(err)
	}
	if o := v.Decide(ctx, name, desc); o.Verdict == policy.Error {
		t.Fatal(o.Reason)
	}
	mustContain(t, dbg.String(), "level=debug msg=\"host will try HTTPS first")
}
