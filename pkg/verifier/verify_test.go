package verifier

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

func readExample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// asContainerd returns desc as containerd's resolver passes it to verifiers.
func asContainerd(d ocispec.Descriptor) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}

// pushImage pushes a single-platform image and, when specFile is set,
// attaches that example spec. It returns the name and descriptor containerd
// would pass.
func pushImage(t testing.TB, reg *testregistry.Registry, repo, tag, specFile string) (string, ocispec.Descriptor) {
	t.Helper()
	var spec []byte
	if specFile != "" {
		spec = readExample(t, specFile)
	}
	return testartifact.HostImage(t, reg, repo, tag, spec)
}

type harness struct {
	pol   *policy.Policy
	audit string
	log   *strings.Builder
}

func newVerifier(t testing.TB, mutate func(*policy.Policy)) (*Verifier, *harness) {
	t.Helper()
	pol := policy.Default()
	pol.CacheDir = t.TempDir()
	pol.ConfigPath = t.TempDir() // no hosts.toml: containerd's defaults (HTTP for 127.0.0.1:PORT)
	if mutate != nil {
		mutate(pol)
	}
	h := &harness{pol: pol, audit: filepath.Join(pol.CacheDir, AuditFile), log: &strings.Builder{}}
	l := logrus.New()
	l.SetOutput(h.log)
	v, err := New(Options{Policy: pol, Log: l, Target: docker(t)})
	if err != nil {
		t.Fatal(err)
	}
	return v, h
}

func docker(t testing.TB) (o target.Options) {
	// An empty docker config: no credentials of the machine running tests.
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	o.DockerConfig = p
	return o
}

func (h *harness) entries(t *testing.T) []AuditEntry {
	t.Helper()
	f, err := os.Open(h.audit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []AuditEntry
	s := bufio.NewScanner(f)
	for s.Scan() {
		var e AuditEntry
		if err := json.Unmarshal(s.Bytes(), &e); err != nil {
			t.Fatalf("audit line %q: %v", s.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

func mustContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not contain %q", s, sub)
		}
	}
}

func TestCompatibleAllowed(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := pushImage(t, reg, "app", "v1", "demo-spec.yaml")
	v, h := newVerifier(t, nil)
	j, err := v.Judge(context.Background(), name, desc)
	if err != nil {
		t.Fatal(err)
	}
	if !j.OK {
		t.Fatalf("refused: %s", j.Reason)
	}
	mustContain(t, j.Reason, "nfd-compat: "+name+" is compatible with this host (best set #0 demo weight=10", "allowed by mode=enforce")
	es := h.entries(t)
	if len(es) != 1 || es[0].Verdict != "compatible" || es[0].Decision != "allow" || es[0].Artifact == "" || es[0].Digest != desc.Digest.String() {
		t.Errorf("audit: %+v", es)
	}
	mustContain(t, h.log.String(), "verdict=compatible", "decision=allow", "artifact=\"sha256:", "image=\""+name)
}

func TestIncompatibleRefused(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := pushImage(t, reg, "gpu", "v1", "gpu-spec.yaml")
	v, h := newVerifier(t, nil)
	o := v.Decide(context.Background(), name, desc)
	if o.Decision.Allow || o.Verdict != policy.Incompatible {
		t.Fatalf("got %s %+v: %s", o.Verdict, o.Decision, o.Reason)
	}
	t.Logf("reason: %s", o.Reason)
	mustContain(t, o.Reason, "nfd-compat: "+name+" is incompatible with this host (set #0 gpu: pci.device", "refused by mode=enforce")
	if o.Report == nil || len(o.Failed) == 0 {
		t.Errorf("no report or failures: %+v", o)
	}
	es := h.entries(t)
	if len(es) != 1 || es[0].Verdict != "incompatible" || es[0].Decision != "deny" || len(es[0].Failed) == 0 {
		t.Errorf("audit: %+v", es)
	}

	// warn mode: allowed, with the warning in the log and the audit.
	v, h = newVerifier(t, func(p *policy.Policy) { p.Mode = policy.ModeWarn })
	j, _ := v.Judge(context.Background(), name, desc)
	if !j.OK {
		t.Fatalf("warn mode refused: %s", j.Reason)
	}
	mustContain(t, j.Reason, "is incompatible", "allowed by mode=warn (mode=enforce would refuse)")
	mustContain(t, h.log.String(), "level=warning")
	if es := h.entries(t); len(es) != 1 || !es[0].Warn {
		t.Errorf("audit: %+v", es)
	}
}

func TestMissingFollowsOnMissing(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRTagSchema)
	name, desc := pushImage(t, reg, "plain", "v1", "")
	v, _ := newVerifier(t, nil)
	j, _ := v.Judge(context.Background(), name, desc)
	if !j.OK || !strings.Contains(j.Reason, "has no compatibility artifact; allowed by on_missing=allow") {
		t.Errorf("on_missing=allow: %+v", j)
	}
	v, _ = newVerifier(t, func(p *policy.Policy) { p.OnMissing = policy.Deny })
	j, _ = v.Judge(context.Background(), name, desc)
	if j.OK || !strings.Contains(j.Reason, "refused by on_missing=deny") {
		t.Errorf("on_missing=deny: %+v", j)
	}
	// Tags that leave no set count as missing.
	name, desc = pushImage(t, reg, "tagged", "v1", "demo-spec.yaml")
	v, _ = newVerifier(t, func(p *policy.Policy) { p.OnMissing = policy.Deny; p.Tags = []string{"nope"} })
	j, _ = v.Judge(context.Background(), name, desc)
	if j.OK || !strings.Contains(j.Reason, "no applicable compatibility set") {
		t.Errorf("tags: %+v", j)
	}
}

// hangAfter answers normally until hang is set, then never answers (until
// the client goes away).
func hangAfter(hang *atomic.Bool) testregistry.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hang.Load() {
				select {
				case <-r.Context().Done():
				case <-time.After(30 * time.Second):
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestRegistryHangsFollowsOnError(t *testing.T) {
	var hang atomic.Bool
	reg := testregistry.Start(t, testregistry.GGCRReferrers, hangAfter(&hang))
	name, desc := pushImage(t, reg, "app", "v1", "demo-spec.yaml")
	hang.Store(true)
	for _, action := range []policy.Action{policy.Deny, policy.Allow} {
		v, h := newVerifier(t, func(p *policy.Policy) { p.OnError = action; p.Timeout = policy.Duration(700 * time.Millisecond) })
		start := time.Now()
		j, err := v.Judge(context.Background(), name, desc)
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if took > 1500*time.Millisecond {
			t.Errorf("on_error=%s: decision took %s with timeout 700ms", action, took)
		}
		if j.OK != (action == policy.Allow) {
			t.Errorf("on_error=%s: %+v", action, j)
		}
		mustContain(t, j.Reason, "could not be checked (gave up after timeout 700ms", "by on_error="+string(action))
		if es := h.entries(t); len(es) != 1 || es[0].Verdict != "error" || es[0].Error == "" {
			t.Errorf("audit: %+v", es)
		}
		t.Logf("on_error=%s: %s in %s", action, j.Reason, took)
	}
}

func TestIndexPlatformArtifactFirst(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	r := reg.Repo(t, "multi")
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	idx, ms, err := testimage.PushIndex(ctx, r, "v1", []string{"linux/" + other, "linux/" + runtime.GOARCH})
	if err != nil {
		t.Fatal(err)
	}
	// The index says compatible, this platform's manifest says GPU: the
	// platform's spec wins.
	if _, err := artifact.Attach(ctx, r, asContainerd(idx), readExample(t, "demo-spec.yaml"), artifact.AttachOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := artifact.Attach(ctx, r, asContainerd(ms[1]), readExample(t, "gpu-spec.yaml"), artifact.AttachOptions{}); err != nil {
		t.Fatal(err)
	}
	v, _ := newVerifier(t, nil)
	o := v.Decide(ctx, reg.Ref("multi", "v1"), asContainerd(idx))
	if o.Verdict != policy.Incompatible || o.Subject != ms[1].Digest.String() || o.Digest != idx.Digest.String() {
		t.Errorf("got %s, subject %s (platform manifest %s): %s", o.Verdict, o.Subject, ms[1].Digest, o.Reason)
	}
	// The other platform has no artifact of its own: the index's applies.
	v2, err := New(Options{Policy: v.pol, Platform: &ocispec.Platform{OS: "linux", Architecture: other}, Log: v.log, Target: docker(t)})
	if err != nil {
		t.Fatal(err)
	}
	o = v2.Decide(ctx, reg.Ref("multi", "v1"), asContainerd(idx))
	if o.Verdict != policy.Compatible || o.Subject != idx.Digest.String() {
		t.Errorf("other platform: got %s, subject %s: %s", o.Verdict, o.Subject, o.Reason)
	}
}

func TestExcludedNotChecked(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := pushImage(t, reg, "pause", "3.10", "gpu-spec.yaml")
	v, h := newVerifier(t, func(p *policy.Policy) { p.Exclude = []string{reg.Host + "/pause*"} })
	before := reg.Requests()
	j, err := v.Judge(context.Background(), name, desc)
	if err != nil || !j.OK {
		t.Fatalf("%+v %v", j, err)
	}
	if n := reg.Requests() - before; n != 0 {
		t.Errorf("excluded image cost %d registry requests", n)
	}
	mustContain(t, j.Reason, "not checked (excluded by \""+reg.Host+"/pause*\"); allowed")
	if es := h.entries(t); len(es) != 1 || es[0].Verdict != "skipped" {
		t.Errorf("audit: %+v", es)
	}
	// mode=off: nothing checked either.
	v, _ = newVerifier(t, func(p *policy.Policy) { p.Mode = policy.ModeOff })
	before = reg.Requests()
	if j, _ := v.Judge(context.Background(), name, desc); !j.OK || reg.Requests() != before {
		t.Errorf("mode=off: %+v, %d requests", j, reg.Requests()-before)
	}
}

// TestRequestsPerDecision measures registry requests cold and warm.
func TestRequestsPerDecision(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []testregistry.Kind{testregistry.GGCRReferrers, testregistry.GGCRTagSchema} {
		reg := testregistry.Start(t, kind)
		name, desc := pushImage(t, reg, "app", "v1", "demo-spec.yaml")
		r := reg.Repo(t, "multi")
		idx, ms, err := testimage.PushIndex(ctx, r, "v1", []string{"linux/" + runtime.GOARCH, "linux/s390x"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := artifact.Attach(ctx, r, asContainerd(ms[0]), readExample(t, "demo-spec.yaml"), artifact.AttachOptions{}); err != nil {
			t.Fatal(err)
		}
		v, _ := newVerifier(t, nil)
		count := func(name string, d ocispec.Descriptor) int64 {
			before := reg.Requests()
			if j, err := v.Judge(ctx, name, d); err != nil || !j.OK {
				t.Fatalf("%+v %v", j, err)
			}
			return reg.Requests() - before
		}
		cold, warm := count(name, desc), count(name, desc)
		icold, iwarm := count(reg.Ref("multi", "v1"), asContainerd(idx)), count(reg.Ref("multi", "v1"), asContainerd(idx))
		t.Logf("%s: manifest cold %d warm %d requests; index cold %d warm %d requests", kind, cold, warm, icold, iwarm)
		// One on both kinds: the host without the referrers API is
		// remembered (cache.Registries), so its 404 probe is not repeated.
		want := int64(1)
		if warm != want || iwarm != want {
			t.Errorf("%s: warm decision cost %d (manifest) / %d (index) requests, want %d", kind, warm, iwarm, want)
		}
	}
}

// BenchmarkVerify is a decision in-process: cold (a new Verifier on an
// empty cache_dir), warm in one long-lived Verifier (the built-in plugin,
// containerd-nfd: host features, parsed spec and registry client in
// memory) on registries with and without the referrers API, and warm in a
// new Verifier per decision on a warm cache_dir (what the bindir process
// does after its start). docs/enforce.md reports its figures.
func BenchmarkVerify(b *testing.B) {
	quiet := logrus.New()
	quiet.SetOutput(io.Discard)
	hosts, creds := b.TempDir(), docker(b)
	newV := func(b *testing.B, dir string) *Verifier {
		pol := policy.Default()
		pol.CacheDir, pol.ConfigPath = dir, hosts
		v, err := New(Options{Policy: pol, Log: quiet, Target: creds})
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	for _, kind := range []testregistry.Kind{testregistry.GGCRReferrers, testregistry.GGCRTagSchema} {
		reg := testregistry.Start(b, kind)
		name, desc := pushImage(b, reg, "app", "v1", "demo-spec.yaml")
		decide := func(b *testing.B, v *Verifier) {
			if j, _ := v.Judge(context.Background(), name, desc); !j.OK {
				b.Fatal(j.Reason)
			}
		}
		b.Run(string(kind)+"/cold", func(b *testing.B) {
			for b.Loop() {
				decide(b, newV(b, b.TempDir()))
			}
		})
		b.Run(string(kind)+"/warm", func(b *testing.B) {
			v := newV(b, b.TempDir())
			decide(b, v)
			before, n := reg.Requests(), 0
			for b.Loop() {
				n++
				decide(b, v)
			}
			b.ReportMetric(float64(reg.Requests()-before)/float64(n), "requests/op")
		})
		b.Run(string(kind)+"/warm-new-verifier", func(b *testing.B) {
			dir := b.TempDir()
			decide(b, newV(b, dir))
			before, n := reg.Requests(), 0
			for b.Loop() {
				n++
				decide(b, newV(b, dir))
			}
			b.ReportMetric(float64(reg.Requests()-before)/float64(n), "requests/op")
		})
	}
}
