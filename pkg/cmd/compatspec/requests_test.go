package compatspec_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/errdef"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testlog"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestRegistryRequests pins the registry requests of one get-spec and one
// validate-spec IMAGE run per image: an image, an index with the spec on
// the index (no --platform), an index with the spec on the amd64 manifest
// (--platform linux/amd64). Unchanged by artifact.Load (measured on main:
// 4 each with the referrers API, 5 without, for both commands): the GET
// resolve costs what the HEAD did, and with --platform the index it brings
// serves the platform lookup as oras.Resolve's did.
func TestRegistryRequests(t *testing.T) {
	// Per registry kind, the same for every image.
	want := map[testregistry.Kind]struct{ get, validate int64 }{
		testregistry.GGCRReferrers: {4, 4},
		testregistry.GGCRTagSchema: {5, 5},
		testregistry.Distribution:  {5, 5},
	}
	testartifact.ForEachKind(t, "../../../examples/gpu-spec.yaml", func(t *testing.T, kind testregistry.Kind, reg *testregistry.Registry, cases []testartifact.Case) {
		want := want[kind]
		for _, c := range cases {
			var platform *ocispec.Platform
			if c.Name == "perplatform" {
				platform = testartifact.AMD64
			}
			img := target.ImageOptions{Ref: c.Ref, Target: target.Options{PlainHTTP: true}, Platform: platform}
			var out bytes.Buffer
			before := reg.Requests()
			if err := compatspec.Get(context.Background(), compatspec.GetOptions{Image: img, Stdout: &out}); err != nil {
				t.Fatalf("get-spec %s: %v", c.Ref, err)
			}
			if got := reg.Requests() - before; got != want.get {
				t.Errorf("get-spec %s: %d registry requests, want %d", c.Name, got, want.get)
			}
			if !strings.HasSuffix(out.String(), "# "+c.Name+"\n") {
				t.Errorf("get-spec %s printed another spec:\n%s", c.Name, out.String())
			}
			out.Reset()
			before = reg.Requests()
			if err := compatspec.Validate(context.Background(), compatspec.ValidateOptions{Image: &img, Output: output.JSON, Stdout: &out}); err != nil {
				t.Fatalf("validate-spec %s: %v", c.Ref, err)
			}
			if got := reg.Requests() - before; got != want.validate {
				t.Errorf("validate-spec %s: %d registry requests, want %d", c.Name, got, want.validate)
			}
			if !strings.Contains(out.String(), c.Artifact) {
				t.Errorf("validate-spec %s did not check %s:\n%s", c.Name, c.Artifact, out.String())
			}
		}
	})
}

// TestGetSkipsDangling: get-spec prints the newest artifact that is still
// there, warning about the listed one that is gone; asked for the gone one
// by --digest, it says so.
func TestGetSkipsDangling(t *testing.T) {
	d := testartifact.Dangling(t, testregistry.GGCRTagSchema, "../../../examples/gpu-spec.yaml")
	var out bytes.Buffer
	l, logs := testlog.Buffer(logrus.InfoLevel)
	img := target.ImageOptions{Ref: d.Ref, Target: target.Options{PlainHTTP: true}}
	if err := compatspec.Get(context.Background(), compatspec.GetOptions{Image: img, Stdout: &out, Log: l}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "# app artifact 0\n") {
		t.Errorf("printed another spec than the older one:\n%s", out.String())
	}
	d.Warned(t, logs.String())
	err := compatspec.Get(context.Background(), compatspec.GetOptions{Image: img, Digest: d.Newer, Stdout: &out})
	if !errors.Is(err, errdef.ErrNotFound) {
		t.Errorf("get-spec --digest of the gone one: %v, want not found", err)
	}
}
