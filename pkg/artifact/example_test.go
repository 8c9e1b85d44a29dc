package artifact_test

import (
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
)

// Artifacts are chosen newest first by their created annotation; one without
// it sorts as oldest.
func ExampleSelect() {
	descs := []ocispec.Descriptor{
		{Digest: "sha256:1111", Annotations: map[string]string{ocispec.AnnotationCreated: "2024-03-27T08:08:08Z"}},
		{Digest: "sha256:2222"},
		{Digest: "sha256:3333", Annotations: map[string]string{ocispec.AnnotationCreated: "2025-06-01T00:00:00Z"}},
	}
	artifact.Sort(descs)
	newest, _ := artifact.Select(descs, "")
	fmt.Println(newest.Digest)
	// Output: sha256:3333
}
