package testimage

import (
	"context"
	"path/filepath"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content/oci"
)

// Layout makes an OCI image layout in a new directory with an image pushed
// to it as tag ("" for untagged), and returns the directory, the open
// store and the image's descriptor.
func Layout(t testing.TB, tag string) (dir string, store *oci.Store, img ocispec.Descriptor) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "layout")
	store, err := oci.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	img, err = Push(context.Background(), store, tag)
	if err != nil {
		t.Fatal(err)
	}
	return dir, store, img
}
