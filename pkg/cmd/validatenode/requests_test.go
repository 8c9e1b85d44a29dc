package validatenode_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestRegistryRequests pins the HTTP requests validate-node makes per
// invocation. The floor on a referrers-API registry is 4 for an image
// (resolve, referrers, artifact manifest, spec blob; upstream nfd makes the
// same 4) and one more for an index whose spec is on the index (the
// platform's manifest is asked first). The resolve is a GET that also brings
// an index's content, so the index is not fetched twice. Without the
// referrers API, oras-go's probe of it costs one more (404), once.
func TestRegistryRequests(t *testing.T) {
	ctx := context.Background()
	specYAML, err := os.ReadFile("../../../examples/gpu-spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	amd64 := &ocispec.Platform{OS: "linux", Architecture: "amd64"}
	for _, tc := range []struct {
		kind                           testregistry.Kind
		image, indexSpec, platformSpec int64
	}{
		{testregistry.GGCRReferrers, 4, 5, 4},
		{testregistry.GGCRTagSchema, 5, 6, 5},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			reg := testregistry.Start(t, tc.kind)
			repo := func(name string) *remote.Repository {
				r, err := remote.NewRepository(reg.Host + "/" + name)
				if err != nil {
					t.Fatal(err)
				}
				r.PlainHTTP = true
				return r
			}
			attach := func(r *remote.Repository, subject ocispec.Descriptor) string {
				d, err := artifact.Attach(ctx, r, subject, specYAML, artifact.AttachOptions{Created: time.Unix(1e9, 0)})
				if err != nil {
					t.Fatal(err)
				}
				return d.Digest.String()
			}
			img, err := testimage.Push(ctx, repo("app"), "v1")
			if err != nil {
				t.Fatal(err)
			}
			appArtifact := attach(repo("app"), img)
			idx, _, err := testimage.PushIndex(ctx, repo("multi"), "v1", []string{"linux/amd64", "linux/arm64"})
			if err != nil {
				t.Fatal(err)
			}
			multiArtifact := attach(repo("multi"), idx)
			// The spec on the amd64 manifest of an index, as attach-spec --platform puts it.
			_, manifests, err := testimage.PushIndex(ctx, repo("perplatform"), "v1", []string{"linux/amd64", "linux/arm64"})
			if err != nil {
				t.Fatal(err)
			}
			perPlatformArtifact := attach(repo("perplatform"), manifests[0])

			for _, c := range []struct {
				ref, artifact string
				want          int64
			}{
				{reg.Ref("app", "v1"), appArtifact, tc.image},
				{reg.Ref("multi", "v1"), multiArtifact, tc.indexSpec},
				{reg.Ref("perplatform", "v1"), perPlatformArtifact, tc.platformSpec},
			} {
				before := reg.Requests()
				res := validate(t, c.ref, amd64)
				if got := reg.Requests() - before; got != c.want {
					t.Errorf("%s: %d registry requests, want %d", c.ref, got, c.want)
				}
				if res.Artifact != c.artifact {
					t.Errorf("%s: artifact %s, want %s", c.ref, res.Artifact, c.artifact)
				}
			}

			err = validatenode.Run(ctx, validateOptions(reg.Ref("nosuch", "v1"), amd64, &bytes.Buffer{}))
			if !errors.Is(err, target.ErrImageNotFound) {
				t.Errorf("missing image: err = %v, want ErrImageNotFound", err)
			}
		})
	}
}

func validateOptions(ref string, platform *ocispec.Platform, out *bytes.Buffer) validatenode.Options {
	return validatenode.Options{
		Image: &compatspec.ImageOptions{Ref: ref, Target: target.Options{PlainHTTP: true}, Platform: platform},
		// A fixture instead of discovery: the test is about the registry.
		FeatureFiles: []string{"../../features/testdata/nvidia-gpu.json"},
		Output:       output.JSON,
		Stdout:       out,
	}
}

func validate(t *testing.T, ref string, platform *ocispec.Platform) validatenode.Result {
	t.Helper()
	var out bytes.Buffer
	if err := validatenode.Run(context.Background(), validateOptions(ref, platform, &out)); err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	var res validatenode.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%s: %v\n%s", ref, err, out.String())
	}
	return res
}
