package verifier

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/internal/testspec"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

func worstVerifier(t *testing.T, f *features.Features, mutate func(*policy.Policy)) *Verifier {
	t.Helper()
	pol := policy.Default()
	pol.CacheDir, pol.ConfigPath = t.TempDir(), t.TempDir()
	mutate(pol)
	l := logrus.New()
	l.SetOutput(&strings.Builder{})
	v, err := New(Options{Policy: pol, Log: l, Target: docker(t), Features: f})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// busy lists the goroutines still checking (parsing, validating,
// evaluating or discovering).
func busy() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "verifier.(*Verifier).check(") {
			out = append(out, g)
		}
	}
	return out
}

// A decision that times out while the spec is evaluated leaves nothing
// running: the work stops with the context.
func TestTimedOutCheckStops(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	host := testspec.Host()
	for _, tt := range []struct {
		kind    testspec.Kind
		n       int
		timeout time.Duration
	}{
		{testspec.Regexps, 15, 10 * time.Millisecond},
		{testspec.Expressions, 10, 2 * time.Millisecond},
	} {
		name, desc := testartifact.HostImage(t, reg, "app-"+string(tt.kind), "v1", testspec.Generate(tt.kind, tt.n))
		v := worstVerifier(t, host, func(p *policy.Policy) { p.OnError = policy.Deny })
		// A first decision warms the caches (the parsed spec is kept in
		// memory), so the next one runs out of time in the evaluation.
		if j, err := v.Judge(context.Background(), name, desc); err != nil || !strings.Contains(j.Reason, "incompatible") {
			t.Fatalf("%s: %+v %v", tt.kind, j, err)
		}
		v.pol.Timeout = policy.Duration(tt.timeout)
		// On a loaded machine the registry request may be what runs out
		// of time: try a few times for the spec's stages to be.
		var j Judgement
		for range 5 {
			var err error
			j, err = v.Judge(context.Background(), name, desc)
			if err != nil || j.OK {
				t.Fatalf("%s: %+v %v; want a refusal by on_error", tt.kind, j, err)
			}
			deadline := time.Now().Add(100 * time.Millisecond)
			for len(busy()) > 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if b := busy(); len(b) > 0 {
				t.Errorf("%s: 100ms after the decision a check still runs:\n%s", tt.kind, b[0])
			}
			if strings.Contains(j.Reason, "the spec stopped") {
				break
			}
		}
		mustContain(t, j.Reason, "gave up after timeout", "the spec stopped: context deadline exceeded")
		t.Logf("%s: %s", tt.kind, j.Reason)
	}
}

// An artifact whose check failed is not checked again for FailureTTL: the
// remembered failure goes through on_error.
func TestFailedArtifactRemembered(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := testartifact.HostImage(t, reg, "attack", "v1", testspec.SmallAttack())
	for _, action := range []policy.Action{policy.Deny, policy.Allow} {
		v := worstVerifier(t, testspec.Host(), func(p *policy.Policy) { p.OnError = action })
		now := time.Now()
		v.failed.now = func() time.Time { return now }
		o1 := v.Decide(context.Background(), name, desc)
		o2 := v.Decide(context.Background(), name, desc)
		for i, o := range []*Outcome{o1, o2} {
			if o.Verdict != policy.Error || o.Decision.Allow != (action == policy.Allow) {
				t.Errorf("on_error=%s: decision %d: %s %+v", action, i+1, o.Verdict, o.Decision)
			}
		}
		mustContain(t, o1.Reason, "invalid compatibility spec")
		mustContain(t, o2.Reason, "not checked again for 1m0s", "invalid compatibility spec", "by on_error="+string(action))
		// After the TTL the artifact is checked again.
		now = now.Add(FailureTTL)
		o3 := v.Decide(context.Background(), name, desc)
		if strings.Contains(o3.Reason, "not checked again") {
			t.Errorf("after the TTL: %s", o3.Reason)
		}
	}
}

func TestFailureCacheBounded(t *testing.T) {
	now := time.Now()
	c := newFailureCache(func() time.Time { return now })
	for i := range 3 * maxFailures {
		now = now.Add(time.Millisecond)
		c.put(strings.Repeat("x", i), context.DeadlineExceeded)
	}
	if len(c.entries) > maxFailures {
		t.Errorf("%d entries, want at most %d", len(c.entries), maxFailures)
	}
	if err, _ := c.get(strings.Repeat("x", 3*maxFailures-1)); err == nil {
		t.Error("the newest entry was evicted")
	}
}

// Checks beyond MaxConcurrent wait for a slot, within their timeout.
func TestConcurrencyBound(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := testartifact.HostImage(t, reg, "app", "v1", readExample(t, "gpu-spec.yaml"))
	pol := policy.Default()
	pol.CacheDir, pol.ConfigPath = t.TempDir(), t.TempDir()
	pol.OnError = policy.Deny
	pol.Timeout = policy.Duration(200 * time.Millisecond)
	l := logrus.New()
	l.SetOutput(&strings.Builder{})
	v, err := New(Options{Policy: pol, Log: l, Target: docker(t), Features: testspec.Host(), MaxConcurrent: 1})
	if err != nil {
		t.Fatal(err)
	}
	v.slots <- struct{}{} // the only slot is taken
	j, err := v.Judge(context.Background(), name, desc)
	if err != nil || j.OK {
		t.Fatalf("%+v %v", j, err)
	}
	mustContain(t, j.Reason, "waiting for a free check slot (1 checks run at once)")
	<-v.slots
	if j, err := v.Judge(context.Background(), name, desc); err != nil || !strings.Contains(j.Reason, "incompatible") {
		t.Errorf("with the slot free: %+v %v", j, err)
	}
}

// A registry failure is not the artifact's: the next pull checks again.
func TestRegistryFailureNotRemembered(t *testing.T) {
	var fail atomic.Bool
	reg := testregistry.Start(t, testregistry.GGCRReferrers, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if fail.Load() && strings.Contains(r.URL.Path, "/blobs/") {
				http.Error(w, "try later", http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	name, desc := testartifact.HostImage(t, reg, "app", "v1", readExample(t, "gpu-spec.yaml"))
	v := worstVerifier(t, testspec.Host(), func(p *policy.Policy) { p.OnError = policy.Deny; p.Timeout = policy.Duration(time.Second) })
	fail.Store(true)
	if o := v.Decide(context.Background(), name, desc); o.Verdict != policy.Error {
		t.Fatalf("with blobs failing: %s %s", o.Verdict, o.Reason)
	}
	fail.Store(false)
	if o := v.Decide(context.Background(), name, desc); o.Verdict != policy.Incompatible {
		t.Errorf("after the registry recovered: %s %s", o.Verdict, o.Reason)
	}
}
