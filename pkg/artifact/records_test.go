package artifact

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// TestRecordTag: a record tag is a valid tag (at most 128 characters of
// [A-Za-z0-9_.-]) and is recognised as one; other tags next to it are not.
func TestRecordTag(t *testing.T) {
	subject := digest.FromString("image")
	art := digest.FromString("artifact")
	tag, ok := recordTag(subject, art)
	if !ok || len(tag) > 128 || len(tag) != 108 {
		t.Fatalf("recordTag = %q (%d chars), %v", tag, len(tag), ok)
	}
	prefix := recordPrefix(subject)
	if !isRecordTag(tag, prefix) || recordHex(tag) != art.Encoded()[:recordHexLen] {
		t.Errorf("%s not recognised as a record of %s", tag, art)
	}
	for _, other := range []string{prefix + "sig", prefix + "att", prefix[:len(prefix)-1], prefix + "ABCDEF0123456789abcdef0123456789.nfd", prefix + art.Encoded()[:31] + ".nfd"} {
		if isRecordTag(other, prefix) {
			t.Errorf("%s taken for a record", other)
		}
	}
	if _, ok := recordTag(digest.SHA512.FromString("x"), art); ok {
		t.Error("sha512 subject accepted: its record tag would be over 128 characters")
	}
}

// TestListRecords: records are found from `last` on among unrelated tags
// (cosign's, other images'), and the listing stops past them.
func TestListRecords(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.Distribution)
	repo := reg.Repo(t, "app")
	repo.TagListPageSize = 2 // several pages
	subject := digest.FromString("image")
	before := digest.FromString("a") // sorts elsewhere; any other image's tags
	var want []string
	tags := []string{"v1", "latest", recordPrefix(subject) + "sig", "sha256-" + before.Encoded()}
	for i := range 5 {
		tag, _ := recordTag(subject, digest.FromString(fmt.Sprint(i)))
		want = append(want, tag)
		tags = append(tags, tag)
	}
	other, _ := recordTag(before, digest.FromString("x"))
	tags = append(tags, other)
	for _, tag := range tags {
		if err := tagEmpty(ctx, repo, tag); err != nil {
			t.Fatal(err)
		}
	}
	got, err := listRecords(ctx, repo, subject)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("listRecords = %v, want %d records", got, len(want))
	}
	seen := map[string]bool{}
	for _, g := range got {
		seen[g] = true
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("record %s not listed", w)
		}
	}
}

// tagEmpty tags an empty index (it refers to nothing the registry could miss).
func tagEmpty(ctx context.Context, repo *remote.Repository, tag string) error {
	_, err := oras.TagBytes(ctx, repo, ocispec.MediaTypeImageIndex, []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`), tag)
	return err
}

// front is a store that reads through a registry client, as caches do.
type front struct{ repo *remote.Repository }

func (f front) Fetch(ctx context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
	return f.repo.Fetch(ctx, d)
}
func (f front) Exists(ctx context.Context, d ocispec.Descriptor) (bool, error) {
	return f.repo.Exists(ctx, d)
}
func (f front) Predecessors(ctx context.Context, d ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	return f.repo.Predecessors(ctx, d)
}
func (f front) Referrers(ctx context.Context, d ocispec.Descriptor, at string, fn func([]ocispec.Descriptor) error) error {
	return f.repo.Referrers(ctx, d, at, fn)
}

type readerFront struct{ front }

func (f readerFront) RegistryRepository() *remote.Repository { return f.repo }

// TestListFindsRecordedThroughReader: an artifact the index lost (another
// tool overwrote it) is listed from its record by a store that names its
// registry client, and by the client itself.
func TestListFindsRecordedThroughReader(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRTagSchema)
	img, err := testimage.Push(ctx, reg.Repo(t, "app"), "v1")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Attach(ctx, reg.Repo(t, "app"), img, []byte("version: v1alpha1\ncompatibilities: []\n"), AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tagEmpty(ctx, reg.Repo(t, "app"), "sha256-"+img.Digest.Encoded()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		src  content.ReadOnlyGraphStorage
		want int
	}{
		{"client", reg.Repo(t, "app"), 1},
		{"reader", readerFront{front{reg.Repo(t, "app")}}, 1},
		{"opaque front", front{reg.Repo(t, "app")}, 0},
	} {
		got, err := List(ctx, c.src, img)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(got) != c.want || (c.want == 1 && got[0].Digest != d.Digest) {
			t.Errorf("%s: List = %v, want %d (%s)", c.name, got, c.want, d.Digest)
		}
	}
}
