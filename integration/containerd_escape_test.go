package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// TestContainerdReasonEscaped: a spec whose tag and rule name carry
// terminal escapes (clear screen, retitle the window) is refused through a
// real containerd, and ctr's error, which quotes our reason (kubelet events
// do the same), shows them as text, not as control characters.
func TestContainerdReasonEscaped(t *testing.T) {
	spec := testfiles.Write(t, t.TempDir(), "hostile.yaml", "version: v1alpha1\ncompatibilities:\n- tag: \"gpu\\e[2J\"\n  weight: 1\n  rules:\n  - name: \"evil\\e]0;pwned\\a\"\n"+
		"    matchFeatures:\n    - feature: kernel.loadedmodule\n      matchExpressions:\n        no-such-module-ever: {op: Exists}\n")
	for _, ep := range entryPoints() {
		t.Run(ep.name, func(t *testing.T) {
			needBins(t, ep.need)
			reg := testregistry.Start(t, testregistry.GGCRReferrers)
			if _, err := testimage.Push(context.Background(), registryPlace(reg).store(t, "app/hostile"), "v1", testimage.WithContent([]byte("hostile"))); err != nil {
				t.Fatal(err)
			}
			ref := reg.Ref("app/hostile", "v1")
			must(t, 0, "attach-spec", "--plain-http", ref, spec)
			im := &ctrdImages{reg: reg}
			d := startDaemon(t, ep, im, basePolicy(im))
			r := pullRefused(t, d, ep, ref, "incompatible with this host", `set #0 gpu\x1b[2J`)
			if strings.ContainsAny(r.Output(), "\x1b\x07") {
				t.Fatalf("control characters reached ctr's error:\n%q", r.Output())
			}
			e, _ := findAudit(audit(t, d), ref)
			if strings.ContainsAny(e.Reason, "\x1b\x07") || !strings.Contains(e.Reason, `\x1b`) {
				t.Fatalf("audit reason: %q", e.Reason)
			}
		})
	}
}
