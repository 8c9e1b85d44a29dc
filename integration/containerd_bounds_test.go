package integration

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/internal/testspec"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Tolerances of TestContainerdNFDWorstCaseSpecs.
const (
	// rssTolerance is how far containerd-nfd's RSS may stay above its
	// baseline after the refused pulls. Measured with GODEBUG=gctrace=1:
	// the live heap after the pulls is back at 7-21 MB, but RSS stays near
	// its high-water mark (+35-42 MiB over a ~58 MiB baseline, also with
	// debug.FreeOSMemory after every heavy decision, which was tried and
	// dropped): pages the Go runtime and containerd keep mapped. The bound
	// still separates this from the unbounded case (2.2 GB after 4 pulls of
	// issue 8's spec before the limits).
	rssTolerance = 64 << 20
	// idleCPU is the CPU containerd-nfd may use in the idle second after.
	idleCPU = 100 * time.Millisecond
)

// TestContainerdNFDWorstCaseSpecs: 20 refused pulls through containerd-nfd
// of images carrying issue 8's spec (3.7 MB of huge regexps), its small
// form within the size limit, and the worst valid spec for a real host.
// Each is decided within the policy timeout; afterwards containerd-nfd's RSS
// is back near its baseline and no CPU keeps burning.
func TestContainerdNFDWorstCaseSpecs(t *testing.T) {
	bins := needBins(t, "containerd-nfd")
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	ctx := context.Background()
	push := func(repo string, data []byte) string {
		r := reg.Repo(t, repo)
		desc, err := testimage.Push(ctx, r, "v1", testimage.WithContent([]byte(repo)))
		if err != nil {
			t.Fatal(err)
		}
		if data != nil {
			// Pushed as an attacker would: not validated.
			if _, err := artifact.Attach(ctx, r, desc, data, artifact.AttachOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		return reg.Ref(repo, "v1")
	}
	_, worst := testspec.Largest(testspec.HostRegexps, func(b []byte) bool {
		_, _, err := spec.Parse(b)
		return err == nil
	})
	images := []string{
		push("bad/attack", testspec.Attack()),
		push("bad/small", testspec.SmallAttack()),
		push("bad/worst", worst),
	}
	okImage := push("app/none", nil)

	p := &containerdtest.Policy{Mode: "enforce", OnMissing: "allow", OnError: "deny", Timeout: 3 * time.Second}
	ep := entryPoints()[1]
	d := containerdtest.Start(t, bins, ep.opts(bins, p))
	d.TrustPlainHTTP(t, reg.Host)

	// The baseline is taken after one decision, so that what the first
	// check initialises once (feature discovery, TLS, caches) is in it.
	pullOK(t, d, okImage)
	time.Sleep(time.Second)
	base, err := d.RSS()
	if err != nil {
		t.Fatal(err)
	}
	var peak int64
	for i := range 20 {
		ref := images[i%len(images)]
		r := pullRefused(t, d, ep, ref)
		if r.Elapsed > p.Timeout+2*time.Second {
			t.Errorf("pull %d of %s took %s with policy timeout %s", i, ref, r.Elapsed, p.Timeout)
		}
		if rss, err := d.RSS(); err == nil {
			peak = max(peak, rss)
		}
	}
	for _, ref := range images {
		e, _ := findAudit(audit(t, d), ref)
		t.Logf("%s: %s in %.1fms: %s", ref, e.Verdict, e.DurationMS, e.Reason)
		if e.DurationMS > 1000 {
			t.Errorf("%s: decision took %.0fms", ref, e.DurationMS)
		}
	}

	// Give the runtime its time to return memory, then measure.
	deadline := time.Now().Add(10 * time.Second)
	var rss int64
	for {
		if rss, err = d.RSS(); err != nil {
			t.Fatal(err)
		}
		if rss <= base+rssTolerance || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	cpu0, err := d.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	cpu1, err := d.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("containerd-nfd RSS: baseline %s, peak %s, after %s; CPU in the idle second after: %s (GOMAXPROCS here %d)",
		mib(base), mib(peak), mib(rss), cpu1-cpu0, runtime.GOMAXPROCS(0))
	if rss > base+rssTolerance {
		t.Errorf("RSS %s after the refused pulls, more than %s over the baseline %s", mib(rss), mib(rssTolerance), mib(base))
	}
	if cpu1-cpu0 > idleCPU {
		t.Errorf("containerd-nfd used %s of CPU in the second after the pulls: work is still running", cpu1-cpu0)
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
