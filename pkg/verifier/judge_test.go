package verifier

import (
	"context"
	"errors"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

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
