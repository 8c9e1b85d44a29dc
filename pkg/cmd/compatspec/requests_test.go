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
	type counts struct{ get, validate int64 }
	for _, tc := range []struct {
		kind testregistry.Kind
		want map[string]counts
	}{
		{testregistry.GGCRReferrers, map[string]counts{"app": {4, 4}, "multi": {4, 4}, "perplatform": {4, 4}}},
		{testregistry.GGCRTagSchema, map[string]counts{"app": {5, 5}, "multi": {5, 5}, "perplatform": {5, 5}}},
		{testregistry.Distribution, map[string]counts{"app": {5, 5}, "multi": {5, 5}, "perplatform": {5, 5}}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			reg := testregistry.Start(t, tc.kind)
			for _, c := range testartifact.Push(t, reg, "../../../examples/gpu-spec.yaml") {
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
				if got := reg.Requests() - before; got != tc.want[c.Name].get {
					t.Errorf("get-spec %s: %d registry requests, want %d", c.Name, got, tc.want[c.Name].get)
				}
				if !strings.HasSuffix(out.String(), "# "+c.Name+"\n") {
					t.Errorf("get-spec %s printed another spec:\n%s", c.Name, out.String())
				}
				out.Reset()
				before = reg.Requests()
				if err := compatspec.Validate(context.Background(), compatspec.ValidateOptions{Image: &img, Output: output.JSON, Stdout: &out}); err != nil {
					t.Fatalf("validate-spec %s: %v", c.Ref, err)
				}
				if got := reg.Requests() - before; got != tc.want[c.Name].validate {
					t.Errorf("validate-spec %s: %d registry requests, want %d", c.Name, got, tc.want[c.Name].validate)
				}
				if !strings.Contains(out.String(), c.Artifact) {
					t.Errorf("validate-spec %s did not check %s:\n%s", c.Name, c.Artifact, out.String())
				}
			}
		})
	}
}
