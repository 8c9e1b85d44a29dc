package containerdtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// TestDaemonPull: the harness starts a containerd that pulls from a plain
// HTTP test registry through the transfer service.
func TestDaemonPull(t *testing.T) {
	containerdtest.RequireRoot(t)
	if testing.Short() {
		t.Skip("skipped in -short: builds and starts containerd")
	}
	var b containerdtest.Builder
	d := containerdtest.Start(t, b.Get(t), containerdtest.Options{})
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	repo := reg.Repo(t, "smoke")
	ctx := context.Background()
	if _, err := testimage.Push(ctx, repo, "v1"); err != nil {
		t.Fatal(err)
	}
	d.TrustPlainHTTP(t, reg.Host)
	if r := d.Pull(ctx, reg.Ref("smoke", "v1")); r.Err != nil {
		t.Fatalf("ctr image pull: %v\n%s", r.Err, r.Output())
	}
	imgs, err := d.Client.ListImages(ctx)
	if err != nil || len(imgs) != 1 || !strings.HasSuffix(imgs[0].Name(), "smoke:v1") {
		t.Fatalf("images after pull: %v %v", imgs, err)
	}
}
