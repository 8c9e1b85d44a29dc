package compatspec_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/errdef"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testlog"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestGetSkipsDangling: get-spec prints the newest artifact that is still
// there, warning about the listed one that is gone; asked for the gone one
// by --digest, it says so.
func TestGetSkipsDangling(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRTagSchema)
	ref, _, _, newer := testartifact.Dangling(t, reg, "app", "../../../examples/gpu-spec.yaml")
	var out bytes.Buffer
	l, logs := testlog.Buffer(logrus.InfoLevel)
	img := target.ImageOptions{Ref: ref, Target: target.Options{PlainHTTP: true}}
	if err := compatspec.Get(context.Background(), compatspec.GetOptions{Image: img, Stdout: &out, Log: l}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "# app artifact 0\n") {
		t.Errorf("printed another spec than the older one:\n%s", out.String())
	}
	if !strings.Contains(logs.String(), newer) {
		t.Errorf("no warning about %s:\n%s", newer, logs.String())
	}
	err := compatspec.Get(context.Background(), compatspec.GetOptions{Image: img, Digest: newer, Stdout: &out})
	if !errors.Is(err, errdef.ErrNotFound) {
		t.Errorf("get-spec --digest of the gone one: %v, want not found", err)
	}
}
