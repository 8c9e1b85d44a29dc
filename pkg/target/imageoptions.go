package target

import (
	"context"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ImageOptions name an image and how to reach it, as every command that
// takes an IMAGE argument receives them.
type ImageOptions struct {
	Ref    string
	Target Options
	// Platform selects a platform's manifest when Ref is an index.
	Platform *ocispec.Platform
}

// Open opens the image o names.
func (o ImageOptions) Open(ctx context.Context) (*Image, error) {
	return Open(ctx, o.Ref, o.Target)
}
