package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/internal/testenv"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// ctrdBins builds containerd, ctr, crictl and our binaries once for this
// test process.
var ctrdBins containerdtest.Builder

// hostPlatform is the platform containerd pulls for on this host.
var hostPlatform = "linux/" + runtime.GOARCH

// ctrdImages are the images every containerd test pulls, in one registry.
type ctrdImages struct {
	reg *testregistry.Registry
	// ok: demo spec (any Linux host passes); gpu: needs an NVIDIA GPU;
	// none: no artifact; slow: demo spec, but the registry never answers
	// its referrers queries; multi: an index whose host-platform manifest
	// carries the gpu spec; excluded: gpu spec, excluded by the policy.
	ok, gpu, none, slow, multi, excluded string
}

// seedImages starts a registry (referrers API) whose referrers queries for
// repository "app/slow" hang until the client gives up: the registry
// "stops answering after the image manifest" for the verifier only.
func seedImages(t *testing.T) *ctrdImages {
	t.Helper()
	release := make(chan struct{})
	// Hanging starts once the images are seeded: attach-spec lists the
	// referrers too (to settle the registry's capability).
	var hanging atomic.Bool
	reg := testregistry.Start(t, testregistry.GGCRReferrers, hangReferrers("/v2/app/slow/", &hanging, release))
	t.Cleanup(func() { close(release) })
	im := &ctrdImages{reg: reg}
	p := registryPlace(reg)
	push := func(repo, spec string, opts ...string) string {
		if _, err := testimage.Push(context.Background(), p.store(t, repo), "v1", testimage.WithContent([]byte(repo))); err != nil {
			t.Fatal(err)
		}
		ref := reg.Ref(repo, "v1")
		if spec != "" {
			must(t, 0, append([]string{"attach-spec", "--plain-http", ref, spec}, opts...)...)
		}
		return ref
	}
	im.ok = push("app/ok", demoSpec)
	im.gpu = push("app/gpu", gpuSpec)
	im.none = push("app/none", "")
	im.slow = push("app/slow", demoSpec)
	im.excluded = push("excluded/gpu", gpuSpec)
	if _, _, err := testimage.PushIndex(context.Background(), p.store(t, "app/multi"), "v1", []string{"linux/amd64", "linux/arm64"}); err != nil {
		t.Fatal(err)
	}
	im.multi = reg.Ref("app/multi", "v1")
	must(t, 0, "attach-spec", "--plain-http", "--platform", hostPlatform, im.multi, gpuSpec)
	hanging.Store(true)
	return im
}

// hangReferrers makes requests for referrers (and referrers tags) under
// prefix hang, once hanging is set, until the client gives up or release is
// closed.
func hangReferrers(prefix string, hanging *atomic.Bool, release <-chan struct{}) testregistry.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hanging.Load() && strings.HasPrefix(r.URL.Path, prefix) && (strings.Contains(r.URL.Path, "/referrers/") || strings.Contains(r.URL.Path, "/manifests/sha256-")) {
				select {
				case <-r.Context().Done():
				case <-release:
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// needBins returns the binaries, skipping when a daemon cannot run
// here or our containerd binaries are not built yet.
func needBins(t *testing.T, names ...string) containerdtest.Bins {
	t.Helper()
	containerdtest.RequireRoot(t)
	if testing.Short() {
		t.Skip("skipped in -short: builds and runs containerd")
	}
	bins := ctrdBins.Get(t)
	for _, n := range names {
		if why, missing := bins.Missing[n]; missing {
			testenv.Missing(t, "%s is not available: %s", n, why)
		}
	}
	return bins
}

// basePolicy is the policy most cases run under: enforce, allow missing
// and errors, a 2s timeout, the excluded repository left alone.
func basePolicy(im *ctrdImages) *containerdtest.Policy {
	return &containerdtest.Policy{Mode: "enforce", OnMissing: "allow", OnError: "allow",
		Timeout: 2 * time.Second, Exclude: []string{im.reg.Host + "/excluded/*"}}
}

// entryPoint is how a daemon runs our check.
type entryPoint struct {
	name string
	// opts returns the daemon options for a policy.
	opts func(bins containerdtest.Bins, p *containerdtest.Policy) containerdtest.Options
	// blocked is what containerd's error says for a refusal.
	blocked string
	need    string
}

func entryPoints() []entryPoint {
	return []entryPoint{
		// The shipped layout: the client in bin_dir. Here no resident
		// verifier answers, so every decision is the one-shot verifier's
		// (the fallback); bindir+daemon is the same with it running.
		{
			name: "bindir", need: "nfd-compat-verifierd",
			blocked: "image verifier bindir blocked pull",
			opts: func(b containerdtest.Bins, p *containerdtest.Policy) containerdtest.Options {
				return containerdtest.Options{Verifiers: []string{b.Verifier}, Policy: p}
			},
		},
		{
			name: "containerd-nfd", need: "containerd-nfd",
			blocked: "image verifier nfd-compat blocked pull",
			opts: func(b containerdtest.Bins, p *containerdtest.Policy) containerdtest.Options {
				return containerdtest.Options{Binary: b.ContainerdNFD, Policy: p}
			},
		},
		{
			name: "bindir+daemon", need: "nfd-compat-verifierd",
			blocked: "image verifier bindir blocked pull",
			opts: func(b containerdtest.Bins, p *containerdtest.Policy) containerdtest.Options {
				return containerdtest.Options{Verifiers: []string{b.Verifier}, Policy: p, Resident: true}
			},
		},
	}
}

// startDaemon starts a daemon for the entry point and trusts the registry.
func startDaemon(t *testing.T, ep entryPoint, im *ctrdImages, p *containerdtest.Policy) *containerdtest.Daemon {
	t.Helper()
	bins := needBins(t, ep.need)
	d := containerdtest.Start(t, bins, ep.opts(bins, p))
	d.TrustPlainHTTP(t, im.reg.Host)
	return d
}

// pullOK pulls ref and fails unless containerd stored it.
func pullOK(t *testing.T, d *containerdtest.Daemon, ref string) containerdtest.Result {
	t.Helper()
	r := d.Pull(context.Background(), ref)
	if r.Err != nil {
		t.Fatalf("ctr image pull %s: %v\n%s", ref, r.Err, r.Output())
	}
	if _, err := d.Client.GetImage(context.Background(), ref); err != nil {
		t.Fatalf("%s pulled but not stored: %v", ref, err)
	}
	return r
}

// pullRefused pulls ref and fails unless containerd refused it with our
// reason, and stored nothing.
func pullRefused(t *testing.T, d *containerdtest.Daemon, ep entryPoint, ref string, want ...string) containerdtest.Result {
	t.Helper()
	r := d.Pull(context.Background(), ref)
	if r.Err == nil {
		t.Fatalf("ctr image pull %s: succeeded, want a refusal\n%s", ref, r.Output())
	}
	for _, w := range append([]string{ep.blocked, "nfd-compat: "}, want...) {
		if !strings.Contains(r.Output(), w) {
			t.Fatalf("ctr image pull %s: error lacks %q:\n%s", ref, w, r.Output())
		}
	}
	if _, err := d.Client.GetImage(context.Background(), ref); err == nil {
		t.Fatalf("%s refused but stored", ref)
	}
	return r
}

// audit reads the daemon's audit log (bindir verifier and in-process
// plugin both append to cache_dir/audit.jsonl).
func audit(t *testing.T, d *containerdtest.Daemon) []verifier.AuditEntry {
	t.Helper()
	var out []verifier.AuditEntry
	for _, line := range strings.Split(strings.TrimSpace(d.AuditLog()), "\n") {
		if line == "" {
			continue
		}
		var e verifier.AuditEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit.jsonl has a broken line %q: %v", line, err)
		}
		out = append(out, e)
	}
	return out
}

func findAudit(entries []verifier.AuditEntry, image string) (verifier.AuditEntry, bool) {
	for i := len(entries) - 1; i >= 0; i-- {
		if strings.HasPrefix(entries[i].Image, image) {
			return entries[i], true
		}
	}
	return verifier.AuditEntry{}, false
}

func fmtResult(r containerdtest.Result) string {
	return fmt.Sprintf("exit %d in %s\nstdout:\n%s\nstderr:\n%s", r.ExitCode(), r.Elapsed, r.Stdout, r.Stderr)
}

func namespacedCtx(ns string) context.Context {
	return namespaces.WithNamespace(context.Background(), ns)
}

// forEachEntryPoint runs f as a subtest per entry point, once its binaries
// are there (needBins) and with images seeded in a fresh registry.
func forEachEntryPoint(t *testing.T, f func(t *testing.T, ep entryPoint, bins containerdtest.Bins, im *ctrdImages)) {
	for _, ep := range entryPoints() {
		t.Run(ep.name, func(t *testing.T) {
			bins := needBins(t, ep.need)
			f(t, ep, bins, seedImages(t))
		})
	}
}
