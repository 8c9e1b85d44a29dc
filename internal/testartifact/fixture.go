package testartifact

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
)

// AMD64 is the platform the fixtures' per-platform spec is attached to.
var AMD64 = &ocispec.Platform{OS: "linux", Architecture: "amd64"}

// Case is one pushed image: its reference, the descriptor containerd
// would pass for it, and the artifact a loader must pick.
type Case struct {
	Name     string // app, multi or perplatform
	Ref      string
	Root     ocispec.Descriptor
	Artifact string
}

// Push pushes the three images into reg with specFile (each repository's
// copy made unique by a comment, so that no two share a digest) attached.
func Push(t testing.TB, reg *testregistry.Registry, specFile string) []Case {
	t.Helper()
	ctx := context.Background()
	specYAML, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	attach := func(r *remote.Repository, subject ocispec.Descriptor) string {
		spec := append(slices.Clone(specYAML), "# "+r.Reference.Repository+"\n"...)
		d, err := artifact.Attach(ctx, r, subject, spec, artifact.AttachOptions{Created: time.Unix(1e9, 0)})
		if err != nil {
			t.Fatal(err)
		}
		return d.Digest.String()
	}
	img, err := testimage.Push(ctx, reg.Repo(t, "app"), "v1")
	if err != nil {
		t.Fatal(err)
	}
	idx, _, err := testimage.PushIndex(ctx, reg.Repo(t, "multi"), "v1", []string{"linux/amd64", "linux/arm64"})
	if err != nil {
		t.Fatal(err)
	}
	pidx, manifests, err := testimage.PushIndex(ctx, reg.Repo(t, "perplatform"), "v1", []string{"linux/amd64", "linux/arm64"})
	if err != nil {
		t.Fatal(err)
	}
	short := func(d ocispec.Descriptor) ocispec.Descriptor {
		return ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
	}
	return []Case{
		{"app", reg.Ref("app", "v1"), short(img), attach(reg.Repo(t, "app"), img)},
		{"multi", reg.Ref("multi", "v1"), short(idx), attach(reg.Repo(t, "multi"), idx)},
		{"perplatform", reg.Ref("perplatform", "v1"), short(pidx), attach(reg.Repo(t, "perplatform"), manifests[0])},
	}
}
