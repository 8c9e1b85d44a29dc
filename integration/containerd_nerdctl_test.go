package integration

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/containerd/nerdctl/v2/pkg/api/types"
	nerdctlimage "github.com/containerd/nerdctl/v2/pkg/cmd/image"
	"github.com/containerd/nerdctl/v2/pkg/containerdutil"
	"github.com/containerd/nerdctl/v2/pkg/imgutil"
	"github.com/containerd/platforms"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// TestContainerdNerdctl: nerdctl's own pull code against a real containerd
// with the check in bin_dir and built into containerd-nfd.
// pkg/cmd/image.Pull is what `nerdctl pull` runs; imgutil.EnsureImage is
// what `nerdctl run` and `nerdctl create` run for an image not yet stored.
// nerdctl >= 2.3 pulls through the transfer service on containerd >= 2.0,
// so containerd's image verifiers decide.
func TestContainerdNerdctl(t *testing.T) {
	forEachEntryPoint(t, func(t *testing.T, ep entryPoint, _ containerdtest.Bins, im *ctrdImages) {
		d := startDaemon(t, ep, im, basePolicy(im))
		ctx := namespacedCtx("default")
		if !containerdutil.SupportsFullTransferService(ctx, d.Client) {
			t.Fatal("nerdctl does not see a containerd >= 2.0: it would pull on the client side, past the verifiers")
		}
		opts := func(mode string) (types.ImagePullOptions, *bytes.Buffer) {
			var progress bytes.Buffer
			return types.ImagePullOptions{
				Stdout: &progress, Stderr: &progress,
				GOptions: types.GlobalCommandOptions{
					Address: d.Address, Namespace: "default", HostsDir: []string{d.HostsDir},
				},
				VerifyOptions:   types.ImageVerifyOptions{Provider: "none"},
				OCISpecPlatform: []ocispec.Platform{platforms.DefaultSpec()},
				Mode:            mode,
			}, &progress
		}
		stored := func(ref string) bool {
			_, err := d.Client.GetImage(ctx, ref)
			return err == nil
		}
		refused := func(what string, err error, ref string) {
			t.Helper()
			if err == nil {
				t.Fatalf("%s %s: pulled, want a refusal", what, ref)
			}
			for _, w := range []string{ep.blocked, "nfd-compat: ", "incompatible with this host", "pci.device", "refused by mode=enforce"} {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("%s %s: error lacks %q: %v", what, ref, w, err)
				}
			}
			if stored(ref) {
				t.Fatalf("%s %s: refused but stored", what, ref)
			}
		}

		t.Run("nerdctl pull: incompatible refused", func(t *testing.T) {
			o, _ := opts("always")
			refused("nerdctl pull", nerdctlimage.Pull(ctx, d.Client, im.gpu, o), im.gpu)
			if e, ok := findAudit(audit(t, d), im.gpu); !ok || e.Verdict != string(policy.Incompatible) || e.Decision != "deny" {
				t.Fatalf("audit entry for %s: %+v (found %v)", im.gpu, e, ok)
			}
		})
		t.Run("nerdctl pull: multi-arch refused on its platform manifest", func(t *testing.T) {
			o, _ := opts("always")
			refused("nerdctl pull", nerdctlimage.Pull(ctx, d.Client, im.multi, o), im.multi)
		})
		t.Run("nerdctl pull: compatible and artifact-less pulled", func(t *testing.T) {
			for _, ref := range []string{im.ok, im.none} {
				o, progress := opts("always")
				if err := nerdctlimage.Pull(ctx, d.Client, ref, o); err != nil {
					t.Fatalf("nerdctl pull %s: %v\n%s", ref, err, progress)
				}
				if !stored(ref) {
					t.Fatalf("nerdctl pull %s: not stored", ref)
				}
			}
			if e, _ := findAudit(audit(t, d), im.none); e.Verdict != string(policy.Missing) || e.By != "on_missing=allow" {
				t.Fatalf("audit entry for %s: %+v", im.none, e)
			}
		})
		t.Run("nerdctl run: EnsureImage refused", func(t *testing.T) {
			// `nerdctl run` pulls with --pull=missing by default.
			o, _ := opts("missing")
			_, err := imgutil.EnsureImage(ctx, d.Client, im.gpu, o)
			refused("EnsureImage", err, im.gpu)
			o, _ = opts("missing")
			if _, err := imgutil.EnsureImage(ctx, d.Client, im.ok, o); err != nil {
				t.Fatalf("EnsureImage %s (stored already): %v", im.ok, err)
			}
		})
	})
}

// TestContainerdPullCommandNerdctl: nfd-compat pull runs nerdctl's pull
// (its progress on stderr) after our report, on a containerd whose bindir
// verifier checks again; an image pulled under another digest than the
// one checked is removed.
func TestContainerdPullCommandNerdctl(t *testing.T) {
	bins := needBins(t, "nfd-compat-verifierd")
	// After the check's resolve of app/moving:v1 the registry serves
	// app/moving:v2 for that tag, as if it had been pushed in between.
	var tagReads atomic.Int32
	moving := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/app/moving/manifests/v1" && tagReads.Add(1) > 1 {
				r = r.Clone(r.Context())
				r.URL.Path = "/v2/app/moving/manifests/v2"
			}
			next.ServeHTTP(w, r)
		})
	}
	reg := testregistry.Start(t, testregistry.GGCRReferrers, moving)
	p := registryPlace(reg)
	push := func(repo, tag, spec string) string {
		if _, err := testimage.Push(context.Background(), p.store(t, repo), tag, testimage.WithContent([]byte(repo+tag))); err != nil {
			t.Fatal(err)
		}
		ref := reg.Ref(repo, tag)
		must(t, 0, "attach-spec", "--plain-http", ref, spec)
		return ref
	}
	ok := push("app/ok", "v1", demoSpec)
	gpu := push("app/gpu", "v1", gpuSpec)
	push("app/moving", "v2", demoSpec)
	movingRef := push("app/moving", "v1", demoSpec)
	tagReads.Store(0)

	d := containerdtest.Start(t, bins, entryPoints()[0].opts(bins, &containerdtest.Policy{Mode: "enforce", OnMissing: "allow", OnError: "allow", Timeout: 2 * time.Second}))
	d.TrustPlainHTTP(t, reg.Host)
	ctx := context.Background()
	pull := func(want int, args ...string) containerdtest.Result {
		t.Helper()
		r := d.NFDCompat(ctx, append([]string{"pull", "--address", d.Address, "--config", d.ConfigFile, "--hosts-dir", d.HostsDir}, args...)...)
		if r.ExitCode() != want {
			t.Fatalf("nfd-compat pull %s: want exit %d\n%s", strings.Join(args, " "), want, fmtResult(r))
		}
		return r
	}
	stored := func(ref string) bool {
		_, err := d.Client.GetImage(namespacedCtx("default"), ref)
		return err == nil
	}

	r := pull(0, ok)
	if i, j := strings.Index(r.Stdout, "is compatible with this host"), strings.Index(r.Stdout, "pulled "+ok); i < 0 || j < i {
		t.Fatalf("want the report, then the result line:\n%s", fmtResult(r))
	}
	if !strings.Contains(r.Stderr, "elapsed:") {
		t.Fatalf("nerdctl's progress is not on stderr:\n%s", fmtResult(r))
	}
	if strings.ContainsAny(r.Stderr, "\x1b\r") {
		t.Fatalf("progress to a non-terminal keeps escape sequences:\n%q", r.Stderr)
	}
	if e, found := findAudit(audit(t, d), ok); !found || e.Verdict != string(policy.Compatible) {
		t.Fatalf("containerd's verifier did not check the pull: %+v (found %v)", e, found)
	}
	if r := pull(0, "-q", ok); strings.TrimSpace(r.Stdout) != ok || strings.Contains(r.Stderr, "elapsed:") {
		t.Fatalf("-q: want only the name and no progress\n%s", fmtResult(r))
	}

	// Our check refuses before containerd is asked: no audit entry.
	r = pull(1, gpu)
	if !strings.Contains(r.Stdout, "REFUSED") || stored(gpu) {
		t.Fatalf("incompatible image:\n%s", fmtResult(r))
	}
	if _, found := findAudit(audit(t, d), gpu); found {
		t.Fatal("the daemon was asked to pull an image our check refused")
	}

	r = pull(2, movingRef)
	if !strings.Contains(r.Stderr, "tag moved") || stored(movingRef) {
		t.Fatalf("a tag moved between check and pull must not leave the image stored:\n%s", fmtResult(r))
	}

	r = pull(2, "--registry-username", "alice", ok)
	if !strings.Contains(r.Stderr, "nerdctl login") {
		t.Fatalf("--registry-username should point at nerdctl login:\n%s", fmtResult(r))
	}
}
