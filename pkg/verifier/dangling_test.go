package verifier

import (
	"context"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// TestDanglingArtifactSkipped: the tag index lists a newer artifact whose
// manifest is gone (issue 8 §3); the verifier judges by the older one and
// warns, instead of falling to on_error (with deny: an unpullable image).
func TestDanglingArtifactSkipped(t *testing.T) {
	d := testartifact.Dangling(t, testregistry.Distribution, "../../examples/gpu-spec.yaml")
	v, h := newVerifier(t, func(p *policy.Policy) { p.OnError = policy.Deny })
	o := v.Decide(context.Background(), d.Ref, d.Root)
	if o.Verdict == policy.Error || o.Verdict == policy.Missing || o.Artifact != d.Older {
		t.Fatalf("verdict %s, artifact %s (want the older %s): %v", o.Verdict, o.Artifact, d.Older, o.Err)
	}
	d.Warned(t, h.log.String())
}
