package integration

import (
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
)

// TestContainerdBadPolicy: through a real containerd, the bindir
// executable and containerd-nfd's plugin treat a bad stanza alike. A typo
// (on_eror) is only a warning: enforce still refuses the incompatible image
// and the others pull. A bad value in warn mode refuses nothing. A bad
// value in enforce mode fails closed, but an excluded image still pulls.
func TestContainerdBadPolicy(t *testing.T) {
	forEachEntryPoint(t, func(t *testing.T, ep entryPoint, _ containerdtest.Bins, im *ctrdImages) {
		t.Run("typo", func(t *testing.T) {
			p := basePolicy(im)
			p.Extra = `  on_eror = "deny"`
			d := startDaemon(t, ep, im, p)
			pullOK(t, d, im.ok)
			pullOK(t, d, im.excluded)
			pullRefused(t, d, ep, im.gpu, "is incompatible", "refused by mode=enforce")
		})
		t.Run("bad value in warn mode", func(t *testing.T) {
			p := basePolicy(im)
			p.Mode, p.Extra = "warn", `  features_ttl = "forever"`
			d := startDaemon(t, ep, im, p)
			pullOK(t, d, im.gpu)
		})
		t.Run("bad value in enforce mode", func(t *testing.T) {
			p := basePolicy(im)
			p.OnMissing, p.Extra = "", `  on_missing = "nope"`
			d := startDaemon(t, ep, im, p)
			pullOK(t, d, im.excluded)
			pullRefused(t, d, ep, im.ok, `on_missing = "nope"`, "refused by invalid policy (mode=enforce fails closed)")
		})
	})
}
