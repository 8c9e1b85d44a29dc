package integration

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/containerd/nerdctl/v2/pkg/api/types"
	nerdctlimage "github.com/containerd/nerdctl/v2/pkg/cmd/image"
	"github.com/containerd/nerdctl/v2/pkg/containerdutil"
	"github.com/containerd/nerdctl/v2/pkg/imgutil"
	"github.com/containerd/platforms"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// TestContainerdNerdctl: nerdctl's own pull code against a real containerd
// with the check in bin_dir and built into containerd-nfd.
// pkg/cmd/image.Pull is what `nerdctl pull` runs; imgutil.EnsureImage is
// what `nerdctl run` and `nerdctl create` run for an image not yet stored.
// nerdctl >= 2.3 pulls through the transfer service on containerd >= 2.0,
// so containerd's image verifiers decide.
func TestContainerdNerdctl(t *testing.T) {
	for _, ep := range entryPoints() {
		t.Run(ep.name, func(t *testing.T) {
			needBins(t, ep.need)
			im := seedImages(t)
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
}

