package artifact

import (
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// kepCreatedAnnotation is the spelling used by the KEP's example manifest;
// read for compatibility, never written.
const kepCreatedAnnotation = "oci.opencontainers.image.created"

// Created returns the artifact's creation time from its annotations, and
// whether it had a valid one.
func Created(desc ocispec.Descriptor) (time.Time, bool) {
	for _, key := range []string{ocispec.AnnotationCreated, kepCreatedAnnotation} {
		if v, ok := desc.Annotations[key]; ok {
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
