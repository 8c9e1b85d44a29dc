package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/internal/testenv"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/checkimages"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/doctor"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// perVerifierTimeout is containerd's default, which the harness keeps.
const perVerifierTimeout = 10 * time.Second

// TestContainerdEnforce: `ctr image pull` through a real containerd, with
// the check run by the bindir executable and by containerd-nfd's built-in
// plugin, under enforce with on_missing and on_error allowing.
func TestContainerdEnforce(t *testing.T) {
	forEachEntryPoint(t, func(t *testing.T, ep entryPoint, _ containerdtest.Bins, im *ctrdImages) {
		d := startDaemon(t, ep, im, basePolicy(im))

		t.Run("compatible pulls", func(t *testing.T) {
			pullOK(t, d, im.ok)
			e, ok := findAudit(audit(t, d), im.ok)
			if !ok || e.Verdict != string(policy.Compatible) || e.Decision != "allow" || e.Artifact == "" {
				t.Fatalf("audit entry for %s: %+v (found %v)", im.ok, e, ok)
			}
		})
		t.Run("incompatible refused", func(t *testing.T) {
			pullRefused(t, d, ep, im.gpu, "incompatible with this host", "pci.device", "refused by mode=enforce")
		})
		t.Run("no artifact follows on_missing=allow", func(t *testing.T) {
			pullOK(t, d, im.none)
			if e, _ := findAudit(audit(t, d), im.none); e.Verdict != string(policy.Missing) || e.By != "on_missing=allow" {
				t.Fatalf("audit entry for %s: %+v", im.none, e)
			}
		})
		t.Run("registry hangs: on_error=allow within timeout", func(t *testing.T) {
			r := pullOK(t, d, im.slow)
			if r.Elapsed >= perVerifierTimeout {
				t.Fatalf("pull took %s, not under per_verifier_timeout %s", r.Elapsed, perVerifierTimeout)
			}
			e, _ := findAudit(audit(t, d), im.slow)
			if e.Verdict != string(policy.Error) || !e.Warn || !strings.Contains(e.Error, "timeout") || e.DurationMS > 3000 {
				t.Fatalf("audit entry for %s: %+v", im.slow, e)
			}
		})
		t.Run("multi-arch: artifact on the platform manifest", func(t *testing.T) {
			pullRefused(t, d, ep, im.multi, "incompatible with this host")
			e, _ := findAudit(audit(t, d), im.multi)
			if e.Subject == "" || e.Subject == e.Digest {
				t.Fatalf("the artifact should refer to the platform manifest, not the index %s: %+v", e.Digest, e)
			}
		})
		t.Run("excluded not checked", func(t *testing.T) {
			pullOK(t, d, im.excluded)
			if e, _ := findAudit(audit(t, d), im.excluded); e.Verdict != string(policy.Skipped) || e.Artifact != "" {
				t.Fatalf("audit entry for %s: %+v", im.excluded, e)
			}
		})
	})
}

// TestContainerdFailClosed: on_missing=deny and on_error=deny refuse, and a
// hanging registry is refused within the policy timeout.
func TestContainerdFailClosed(t *testing.T) {
	forEachEntryPoint(t, func(t *testing.T, ep entryPoint, _ containerdtest.Bins, im *ctrdImages) {
		p := basePolicy(im)
		p.OnMissing, p.OnError = "deny", "deny"
		d := startDaemon(t, ep, im, p)
		pullRefused(t, d, ep, im.none, "no compatibility artifact", "on_missing=deny")
		r := pullRefused(t, d, ep, im.slow, "could not be checked", "timeout", "on_error=deny")
		if r.Elapsed >= perVerifierTimeout {
			t.Fatalf("refusal took %s, not under per_verifier_timeout", r.Elapsed)
		}
		pullOK(t, d, im.ok)
	})
}

// TestContainerdWarn: warn mode pulls an incompatible image and leaves the
// warning in the audit log.
func TestContainerdWarn(t *testing.T) {
	forEachEntryPoint(t, func(t *testing.T, ep entryPoint, _ containerdtest.Bins, im *ctrdImages) {
		p := basePolicy(im)
		p.Mode = "warn"
		d := startDaemon(t, ep, im, p)
		pullOK(t, d, im.gpu)
		e, ok := findAudit(audit(t, d), im.gpu)
		if !ok || !e.Warn || e.Verdict != string(policy.Incompatible) || e.Decision != "allow" || !strings.Contains(e.Reason, "mode=warn") {
			t.Fatalf("audit entry for %s: %+v (found %v)\naudit log:\n%s", im.gpu, e, ok, d.AuditLog())
		}
	})
}

// TestContainerdCRI: the kubelet's path. crictl pulls through the CRI
// image service, which uses the transfer service and so the verifiers.
func TestContainerdCRI(t *testing.T) {
	bins := needBins(t, "nfd-compat-verifierd", "crictl")
	im := seedImages(t)
	ep := entryPoints()[0]
	d := containerdtest.Start(t, bins, ep.opts(bins, basePolicy(im)))
	d.TrustPlainHTTP(t, im.reg.Host)
	ctx := context.Background()
	if r := d.Crictl(ctx, "images"); r.Err != nil {
		testenv.Missing(t, "the CRI image service did not start here: %v\n%s", r.Err, r.Output())
	}
	if r := d.Crictl(ctx, "pull", im.ok); r.Err != nil {
		t.Fatalf("crictl pull %s: %v\n%s", im.ok, r.Err, r.Output())
	}
	r := d.Crictl(ctx, "pull", im.gpu)
	if r.Err == nil || !strings.Contains(r.Output(), "blocked pull") || !strings.Contains(r.Output(), "incompatible with this host") {
		t.Fatalf("crictl pull %s: want a refusal with our reason, got %v\n%s", im.gpu, r.Err, r.Output())
	}
	// CRI calls the verifiers even for an image already stored.
	before := len(audit(t, d))
	if r := d.Crictl(ctx, "pull", im.ok); r.Err != nil {
		t.Fatalf("crictl pull %s again: %v\n%s", im.ok, r.Err, r.Output())
	}
	if after := len(audit(t, d)); after != before+1 {
		t.Fatalf("second CRI pull: %d new audit entries, want 1", after-before)
	}
}

// TestContainerdLoad: 50 concurrent pulls of distinct images (half
// compatible, half not) through containerd with the bindir verifier, all
// started at once as on a node that boots and pulls everything: 50
// one-shot verifiers at once, and 50 clients of one resident verifier.
func TestContainerdLoad(t *testing.T) {
	for _, ep := range []entryPoint{entryPoints()[0], entryPoints()[2]} {
		t.Run(ep.name, func(t *testing.T) { containerdLoad(t, ep) })
	}
}

func containerdLoad(t *testing.T, ep entryPoint) {
	bins := needBins(t, ep.need)
	im := seedImages(t)
	const n = 50
	refs := make([]string, n)
	p := registryPlace(im.reg)
	for i := range refs {
		repo := fmt.Sprintf("load/img%02d", i)
		if _, err := testimage.Push(context.Background(), p.store(t, repo), "v1", testimage.WithContent([]byte(repo))); err != nil {
			t.Fatal(err)
		}
		refs[i] = im.reg.Ref(repo, "v1")
		spec := demoSpec
		if i%2 == 1 {
			spec = gpuSpec
		}
		must(t, 0, "attach-spec", "--plain-http", refs[i], spec)
	}
	pol := basePolicy(im)
	pol.Timeout = 5 * time.Second
	d := containerdtest.Start(t, bins, ep.opts(bins, pol))
	d.TrustPlainHTTP(t, im.reg.Host)

	results := make([]containerdtest.Result, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = d.Pull(context.Background(), refs[i])
		}()
	}
	wg.Wait()
	total := time.Since(start)
	var slowest time.Duration
	for i, r := range results {
		slowest = max(slowest, r.Elapsed)
		compatible := i%2 == 0
		switch {
		case compatible && r.Err != nil:
			t.Errorf("%s (compatible) refused: %v\n%s", refs[i], r.Err, r.Output())
		case !compatible && (r.Err == nil || !strings.Contains(r.Output(), "incompatible with this host")):
			t.Errorf("%s (incompatible) not refused with our reason: %v\n%s", refs[i], r.Err, r.Output())
		}
		if r.Elapsed >= perVerifierTimeout {
			t.Errorf("%s took %s, over per_verifier_timeout", refs[i], r.Elapsed)
		}
	}
	entries := audit(t, d)
	if len(entries) != n {
		t.Errorf("audit.jsonl has %d entries, want %d", len(entries), n)
	}
	var maxDecision float64
	for _, e := range entries {
		maxDecision = max(maxDecision, e.DurationMS)
		if e.Verdict == string(policy.Error) {
			t.Errorf("decision error under load: %+v", e)
		}
	}
	checkCacheIntact(t, d.CacheDir)
	t.Logf("%d concurrent pulls in %s; slowest pull %s; slowest decision %.0f ms", n, total, slowest, maxDecision)
}

// checkCacheIntact: every cached blob matches its digest, every features
// file decodes, and no temporary file is left behind.
func checkCacheIntact(t *testing.T, dir string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		switch {
		case strings.HasPrefix(rel, "blobs/sha256/"):
			if got := digest.FromBytes(b).Encoded(); got != filepath.Base(path) {
				t.Errorf("cache blob %s holds content of digest %s", rel, got)
			}
		case strings.HasPrefix(rel, "features/"):
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Errorf("cache file %s does not decode: %v", rel, err)
			}
		case rel == "audit.jsonl", rel == ".swept": // the last sweep for stale temporary files
		case rel == filepath.Join("metrics", "nfd_compat.prom"): // the bindir executable's textfile metrics
			if !strings.Contains(string(b), "nfd_compat_") {
				t.Errorf("metrics file %s has no nfd_compat_ metrics:\n%s", rel, b)
			}
		case rel == filepath.Join("metrics", ".nfd_compat.prom.lock"): // its writers' lock
		default:
			t.Errorf("unexpected file in cache_dir: %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 2 {
		t.Errorf("cache_dir %s holds %d files: no cache written", dir, files)
	}
}

// TestContainerdPullCommand: nfd-compat pull against a containerd without
// a verifier: our own check decides, then nerdctl's pull runs.
func TestContainerdPullCommand(t *testing.T) {
	bins := needBins(t)
	im := seedImages(t)
	d := containerdtest.Start(t, bins, containerdtest.Options{Policy: basePolicy(im)})
	d.TrustPlainHTTP(t, im.reg.Host)
	ctx := context.Background()
	base := []string{"pull", "--address", d.Address, "--config", d.ConfigFile, "--hosts-dir", d.HostsDir}
	pull := func(want int, args ...string) containerdtest.Result {
		t.Helper()
		r := d.NFDCompat(ctx, append(append([]string{}, base...), args...)...)
		if r.ExitCode() != want {
			t.Fatalf("nfd-compat %s: want exit %d\n%s", strings.Join(args, " "), want, fmtResult(r))
		}
		return r
	}
	stored := func(ns, ref string) bool {
		_, err := d.Client.ImageService().Get(namespacedCtx(ns), ref)
		return err == nil
	}

	r := pull(0, im.ok)
	for _, w := range []string{"is compatible with this host", "pulled " + im.ok} {
		if !strings.Contains(r.Stdout, w) {
			t.Fatalf("pull output lacks %q:\n%s", w, r.Stdout)
		}
	}
	if !stored("default", im.ok) {
		t.Fatalf("%s not stored", im.ok)
	}

	r = pull(1, im.gpu)
	t.Logf("refusal:\n%s", r.Stdout)
	for _, w := range []string{"REFUSED", "refused by mode=enforce", "pci.device.vendor In [10de]", "FAIL"} {
		if !strings.Contains(r.Stdout, w) {
			t.Fatalf("refusal lacks %q:\n%s", w, r.Stdout)
		}
	}
	if stored("default", im.gpu) {
		t.Fatalf("%s refused but stored", im.gpu)
	}
	r = pull(1, im.multi)
	if !strings.Contains(r.Stdout, "Artifact:") {
		t.Fatalf("multi-arch refusal without the artifact:\n%s", r.Stdout)
	}

	pull(3, "--on-missing", "deny", im.none)
	pull(0, im.none)
	r = pull(0, "--mode", "warn", im.gpu)
	if !strings.Contains(r.Stdout, "WARNING") || !stored("default", im.gpu) {
		t.Fatalf("warn mode should pull with a warning:\n%s", r.Stdout)
	}
	// The arm64 manifest of the index has no artifact: allowed, not unpacked.
	pull(0, "--platform", "linux/arm64", "--unpack", "false", "--namespace", "other", im.multi)
	if !stored("other", im.multi) {
		t.Fatalf("%s not stored in namespace other", im.multi)
	}
	// Plain HTTP without a hosts.toml.
	pull(0, "--hosts-dir", t.TempDir(), "--plain-http", "--namespace", "plain", "-q", im.ok)
	// As nerdctl, a registry on localhost is plain HTTP by default, for
	// the check too.
	r = pull(1, "--hosts-dir", t.TempDir(), "--namespace", "plain", im.gpu)
	if !strings.Contains(r.Stdout, "incompatible with this host") {
		t.Fatalf("localhost without hosts.toml: the check should reach the registry:\n%s", r.Stdout)
	}
	r = pull(2, "--address", filepath.Join(d.Dir, "nope.sock"), im.ok)
	if !strings.Contains(r.Stderr, "--address") {
		t.Fatalf("a missing daemon should point at --address:\n%s", r.Stderr)
	}

	t.Run("check-images", func(t *testing.T) {
		args := []string{"check-images", "--address", d.Address, "--config", d.ConfigFile, "-o", "json"}
		r := d.NFDCompat(ctx, args...)
		if r.ExitCode() != 1 {
			t.Fatalf("check-images with an incompatible image: want exit 1\n%s", fmtResult(r))
		}
		var rows []checkimages.Row
		if err := json.Unmarshal([]byte(r.Stdout), &rows); err != nil {
			t.Fatalf("%v\n%s", err, r.Stdout)
		}
		got := map[string]policy.Verdict{}
		for _, row := range rows {
			got[row.Image] = row.Verdict
		}
		want := map[string]policy.Verdict{im.ok: policy.Compatible, im.gpu: policy.Incompatible, im.none: policy.Missing}
		for img, v := range want {
			if got[img] != v {
				t.Errorf("check-images: %s is %q, want %q (rows %+v)", img, got[img], v, rows)
			}
		}
		r = d.NFDCompat(ctx, "check-images", "--address", d.Address, "--config", d.ConfigFile, "--all-namespaces")
		for _, w := range []string{"other", "plain", im.multi, "incompatible"} {
			if !strings.Contains(r.Stdout, w) {
				t.Errorf("check-images --all-namespaces lacks %q:\n%s", w, fmtResult(r))
			}
		}
		r = d.NFDCompat(ctx, "check-images", "--address", d.Address, "--config", d.ConfigFile, "--namespace", "plain")
		if r.ExitCode() != 0 {
			t.Errorf("namespace plain holds only a compatible image: want exit 0\n%s", fmtResult(r))
		}
	})
}

// TestContainerdDoctor: doctor against real daemons, set up right and
// wrong.
func TestContainerdDoctor(t *testing.T) {
	needBins(t)
	im := seedImages(t)
	for _, ep := range entryPoints() {
		t.Run(ep.name, func(t *testing.T) {
			d := startDaemon(t, ep, im, basePolicy(im))
			doc := func(want int) map[string]doctor.Result {
				t.Helper()
				r := d.NFDCompat(context.Background(), "doctor", "--config", d.ConfigFile, "-o", "json")
				if r.ExitCode() != want {
					t.Fatalf("doctor: want exit %d\n%s", want, fmtResult(r))
				}
				var results []doctor.Result
				if err := json.Unmarshal([]byte(r.Stdout), &results); err != nil {
					t.Fatalf("%v\n%s", err, r.Stdout)
				}
				m := map[string]doctor.Result{}
				for _, res := range results {
					m[res.Check] = res
				}
				return m
			}
			if r := d.NFDCompat(context.Background(), "doctor", "--config", d.ConfigFile); r.ExitCode() == 0 {
				t.Logf("doctor:\n%s", r.Stdout)
			}
			got := doc(0)
			for _, c := range []string{"config", "containerd", "verifier-plugin", "cri-transfer", "verifier", "policy", "timeout", "hosts", "cache-dir", "features"} {
				if got[c].Status != doctor.OK {
					t.Errorf("%s: %+v", c, got[c])
				}
			}
			if ep.name == "containerd-nfd" && !strings.Contains(got["verifier-plugin"].Message, "built into") {
				t.Errorf("verifier-plugin should see the built-in plugin: %+v", got["verifier-plugin"])
			}
			if ep.name != "bindir" {
				return
			}
			// A stray file in bin_dir makes containerd fail every pull; doctor says so.
			if err := os.WriteFile(filepath.Join(d.BinDir, "notes.txt"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			got = doc(2)
			if got["bin-dir"].Status != doctor.Fail || !strings.Contains(got["bin-dir"].Message, "notes.txt") {
				t.Errorf("bin-dir: %+v", got["bin-dir"])
			}
			if r := d.Pull(context.Background(), im.ok); r.Err == nil {
				t.Errorf("containerd pulled with a non-executable in bin_dir; doctor's FAIL is wrong")
			}
		})
	}
}
