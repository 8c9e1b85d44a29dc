package webhook

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// TestAdmitIndexPlatformError: when one platform's lookup of an index
// fails (its referrers answer 400) and another is placed, on_error decides
// for that platform's nodes only — allow: its nodes are taken unchecked,
// deny: they are left out — with a warning and the platform's error in the
// annotation; the amd64 nodes are still judged by their spec. Such an answer
// is kept for the error TTL only: the registry fixed, the arm64 spec places
// its nodes once the TTL has passed. Every platform failing fails the image.
func TestAdmitIndexPlatformError(t *testing.T) {
	ctx := context.Background()
	var failArm, failAll atomic.Bool
	var armDigest atomic.Value
	armDigest.Store("none")
	reg := testregistry.Start(t, testregistry.GGCRReferrers, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			ref := strings.Contains(r.URL.Path, "/referrers/")
			if ref && (failAll.Load() || (failArm.Load() && strings.HasSuffix(r.URL.Path, armDigest.Load().(string)))) {
				http.Error(rw, `{"errors":[{"code":"UNSUPPORTED","message":"referrers unavailable"}]}`, http.StatusBadRequest)
				return
			}
			next.ServeHTTP(rw, r)
		})
	})
	r := reg.Repo(t, "multi")
	_, ms, err := testimage.PushIndex(ctx, r, "v1", []string{"linux/amd64", "linux/arm64"})
	if err != nil {
		t.Fatal(err)
	}
	armDigest.Store(ms[1].Digest.String())
	a, err := artifact.Attach(ctx, r, ms[0], []byte(oneSet), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := artifact.Attach(ctx, r, ms[1], []byte(armSets), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	amd := "compat.nfd-compat.io/" + RuleRepository(a.Digest.String()) + "."
	arm := "compat.nfd-compat.io/" + RuleRepository(b.Digest.String()) + "."
	image := reg.Ref("multi", "v1")
	failArm.Store(true)

	for _, c := range []struct {
		onError   policy.Action
		armFits   bool
		decision  string
		allowWord string
	}{
		{policy.Allow, true, "allowed by on_error=allow", "allowed"},
		{policy.Deny, false, "refused by on_error=deny", "refused"},
	} {
		w := registryWebhook(t, func(cfg *Config) { cfg.Policy.OnError = c.onError; cfg.ErrorTTL = DefaultErrorTTL })
		resp := w.Admit(ctx, dryRun(review(t, "default", podOf(image))))
		pod := admitted(t, podOf(image), resp)
		if len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "platform linux/arm64") || !strings.Contains(resp.Warnings[0], c.decision) {
			t.Errorf("on_error=%s: warnings %q, want one naming linux/arm64 and %q", c.onError, resp.Warnings, c.decision)
		}
		if ok, _ := fits(t, pod, node("linux", "arm64")); ok != c.armFits {
			t.Errorf("on_error=%s: an unlabelled arm64 node fits %v, want %v", c.onError, ok, c.armFits)
		}
		if ok, _ := fits(t, pod, node("linux", "amd64", amd+"x")); !ok {
			t.Errorf("on_error=%s: the amd64 node passing its spec does not fit", c.onError)
		}
		if ok, _ := fits(t, pod, node("linux", "amd64")); ok {
			t.Errorf("on_error=%s: an amd64 node failing its spec fits", c.onError)
		}
		d := decisionOf(t, pod).Images[0]
		if d.Verdict != policy.Compatible || len(d.Platforms) != 2 {
			t.Fatalf("on_error=%s: decision %+v", c.onError, d)
		}
		p := d.Platforms[1]
		if p.Platform != "linux/arm64" || p.Verdict != policy.Error || p.Decision != c.decision || !strings.Contains(p.Reason, "400") || len(p.Sets) != 0 {
			t.Errorf("on_error=%s: arm64 decided %+v", c.onError, p)
		}
	}

	// Kept for the error TTL only.
	w, advance := errorTTLWebhook(t)
	admitted(t, podOf(image), w.Admit(ctx, dryRun(review(t, "default", podOf(image)))))
	failArm.Store(false)
	advance(DefaultErrorTTL - time.Second)
	admitted(t, podOf(image), w.Admit(ctx, dryRun(review(t, "default", podOf(image)))))
	if n := w.Stats().RegistryLookups; n != 1 {
		t.Fatalf("within the error TTL: %d lookups, want 1", n)
	}
	advance(time.Second)
	pod := admitted(t, podOf(image), w.Admit(ctx, dryRun(review(t, "default", podOf(image)))))
	if n := w.Stats().RegistryLookups; n != 2 {
		t.Fatalf("past the error TTL: %d lookups, want 2", n)
	}
	if ok, _ := fits(t, pod, node("linux", "arm64")); ok {
		t.Error("registry fixed: an unlabelled arm64 node still fits")
	}
	if ok, _ := fits(t, pod, node("linux", "arm64", arm+"base")); !ok {
		t.Error("registry fixed: the arm64 node passing the arm64 spec does not fit")
	}

	// Every platform failing: the image is decided by on_error.
	failAll.Store(true)
	w = registryWebhook(t, nil)
	resp := w.Admit(ctx, dryRun(review(t, "default", podOf(image))))
	if len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "allowed by on_error=allow") || !strings.Contains(resp.Warnings[0], "linux/amd64") {
		t.Fatalf("all platforms failing: warnings %q, want the image's error naming each platform", resp.Warnings)
	}
	if d := decisionOf(t, admitted(t, podOf(image), resp)).Images[0]; d.Verdict != policy.Error || len(d.Platforms) != 0 {
		t.Errorf("all platforms failing: decision %+v, want the image's error", d)
	}
}
