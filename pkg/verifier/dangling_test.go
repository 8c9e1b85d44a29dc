package verifier

import (
	"context"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// TestDanglingArtifactSkipped: the tag index lists a newer artifact whose
// manifest is gone (issue 8 §3); the verifier judges by the older one and
// warns, instead of falling to on_error (with deny: an unpullable image).
func TestDanglingArtifactSkipped(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Distribution)
	ref, desc, older, newer := testartifact.Dangling(t, reg, "app", "../../examples/gpu-spec.yaml")
	v, h := newVerifier(t, func(p *policy.Policy) { p.OnError = policy.Deny })
	o := v.Decide(context.Background(), ref, desc)
	if o.Verdict == policy.Error || o.Verdict == policy.Missing || o.Artifact != older {
		t.Fatalf("verdict %s, artifact %s (want the older %s): %v", o.Verdict, o.Artifact, older, o.Err)
	}
	if !strings.Contains(h.log.String(), "level=warning") || !strings.Contains(h.log.String(), newer) {
		t.Errorf("no warning about the gone %s:\n%s", newer, h.log.String())
	}
}
