package testartifact

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
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

// DanglingImage is what Dangling pushed: the registry, the image's
// reference and descriptor, and the older and the newer (dangling)
// artifact's digests.
type DanglingImage struct {
	Reg          *testregistry.Registry
	Ref          string
	Root         ocispec.Descriptor
	Older, Newer string
}

// Dangling starts a registry of kind and pushes app:v1 to it with two
// artifacts of specFile, the newer one's manifest then deleted behind the
// referrers tag index's back (as a writer killed between the two, or a
// concurrent remove, leaves it). On a registry with the referrers API the
// newer one simply disappears from the list.
func Dangling(t testing.TB, kind testregistry.Kind, specFile string) DanglingImage {
	t.Helper()
	const repo = "app"
	reg := testregistry.Start(t, kind)
	ctx := context.Background()
	specYAML, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	r := reg.Repo(t, repo)
	img, err := testimage.Push(ctx, r, "v1")
	if err != nil {
		t.Fatal(err)
	}
	var descs []ocispec.Descriptor
	for i, created := range []time.Time{time.Unix(1e9, 0), time.Unix(2e9, 0)} {
		spec := append(slices.Clone(specYAML), "# "+repo+" artifact "+string(rune('0'+i))+"\n"...)
		d, err := artifact.Attach(ctx, r, img, spec, artifact.AttachOptions{Created: created})
		if err != nil {
			t.Fatal(err)
		}
		descs = append(descs, d)
	}
	DeleteManifest(t, reg, repo, descs[1].Digest.String())
	img = ocispec.Descriptor{MediaType: img.MediaType, Digest: img.Digest, Size: img.Size}
	return DanglingImage{reg, reg.Ref(repo, "v1"), img, descs[0].Digest.String(), descs[1].Digest.String()}
}

// Warned fails t unless logs has a warning naming the dangling artifact.
func (d DanglingImage) Warned(t testing.TB, logs string) {
	t.Helper()
	if !strings.Contains(logs, "level=warning") || !strings.Contains(logs, d.Newer) {
		t.Errorf("no warning about the gone %s:\n%s", d.Newer, logs)
	}
}

// DeleteManifest deletes repo's manifest dgst with a plain DELETE request,
// leaving the referrers tag index untouched (oras-go's Delete would update
// it).
func DeleteManifest(t testing.TB, reg *testregistry.Registry, repo, dgst string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, "http://"+reg.Host+"/v2/"+repo+"/manifests/"+dgst, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE %s@%s: %s", repo, dgst, resp.Status)
	}
}

// Kinds are the registries every request-count test runs on: with the
// referrers API, without it, and distribution v3 (which has none either).
var Kinds = []testregistry.Kind{testregistry.GGCRReferrers, testregistry.GGCRTagSchema, testregistry.Distribution}

// ForEachKind runs f as a subtest per registry of Kinds, on a fresh
// registry with the images of Push pushed with specFile.
func ForEachKind(t *testing.T, specFile string, f func(t *testing.T, kind testregistry.Kind, reg *testregistry.Registry, cases []Case)) {
	t.Helper()
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			reg := testregistry.Start(t, kind)
			f(t, kind, reg, Push(t, reg, specFile))
		})
	}
}

// Attached pushes repo:v1 (an image of one manifest) with specYAML
// attached, and returns the artifact's digest.
func Attached(t testing.TB, reg *testregistry.Registry, repo string, specYAML []byte) string {
	t.Helper()
	ctx := context.Background()
	r := reg.Repo(t, repo)
	img, err := testimage.Push(ctx, r, "v1")
	if err != nil {
		t.Fatal(err)
	}
	a, err := artifact.Attach(ctx, r, img, specYAML, artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return a.Digest.String()
}
