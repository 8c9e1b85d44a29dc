package testartifact

import (
	"context"
	"runtime"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
)

// HostImage pushes repo:tag, an image of one manifest for this host's
// architecture (its content unique per repository and tag), with spec
// attached unless spec is nil. It returns the image's reference and the
// descriptor containerd passes a verifier for it (media type, digest and
// size only), which the artifact names as its subject.
func HostImage(t testing.TB, reg *testregistry.Registry, repo, tag string, spec []byte) (string, ocispec.Descriptor) {
	t.Helper()
	ctx := context.Background()
	r := reg.Repo(t, repo)
	d, err := testimage.Push(ctx, r, tag, testimage.WithPlatform("linux/"+runtime.GOARCH), testimage.WithContent([]byte(repo+tag)))
	if err != nil {
		t.Fatal(err)
	}
	d = ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
	if spec != nil {
		if _, err := artifact.Attach(ctx, r, d, spec, artifact.AttachOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return reg.Ref(repo, tag), d
}
