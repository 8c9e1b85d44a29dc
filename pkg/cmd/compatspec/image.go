package compatspec

import (
	"context"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// subject is an opened image and the descriptor its artifacts refer to.
type subject struct {
	img  *target.Image
	desc ocispec.Descriptor
}

func openSubject(ctx context.Context, opts target.ImageOptions) (*subject, error) {
	img, err := target.Open(ctx, opts.Ref, opts.Target)
	if err != nil {
		return nil, err
	}
	desc, err := img.Resolve(ctx, opts.Platform)
	if err != nil {
		return nil, target.Explain(img, err)
	}
	return &subject{img: img, desc: desc}, nil
}

// openListed opens the subject and lists its compat artifacts, newest
// first: what list-specs and remove-spec start with.
func openListed(ctx context.Context, opts target.ImageOptions) (*subject, []ocispec.Descriptor, error) {
	sub, err := openSubject(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	descs, err := sub.list(ctx)
	return sub, descs, err
}

// list returns the subject's compat artifacts, newest first.
func (s *subject) list(ctx context.Context) ([]ocispec.Descriptor, error) {
	descs, err := artifact.List(ctx, s.img.Store, s.desc)
	if err != nil {
		return nil, target.Explain(s.img, err)
	}
	return descs, nil
}

// noArtifact is the error for an image without compat artifacts.
func (s *subject) noArtifact() error {
	return fmt.Errorf("%s (%s) has no compatibility artifact: attach one with `nfd-compat attach-spec`: %w", s.img.Name, s.desc.Digest, artifact.ErrNoArtifact)
}
