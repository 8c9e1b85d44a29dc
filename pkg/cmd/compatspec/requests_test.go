package compatspec_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
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
