package validatenode

import (
	"context"
	"fmt"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// specSource is the spec to evaluate and where it came from.
type specSource struct {
	spec     *spec.Spec
	image    string
	artifact string
	name     string // for messages: file name or artifact digest
}

func loadSpec(ctx context.Context, opts Options) (*specSource, error) {
	if opts.Image == nil {
		return parseSpec(opts, &specSource{name: opts.SpecName}, opts.Spec)
	}
	img, err := target.Open(ctx, opts.Image.Ref, opts.Image.Target)
	if err != nil {
		return nil, err
	}
	root, store, err := resolveRoot(ctx, img)
	if err != nil {
		return nil, err
	}
	platform := opts.Image.Platform
	if platform == nil {
		platform = target.HostPlatform()
	}
	found, err := artifact.Find(ctx, store, root, platform, opts.Digest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", img.Name, err)
	}
	a, err := artifact.Fetch(ctx, img.Store, found.Artifact, found.Subject)
	if err != nil {
		return nil, err
	}
	src := &specSource{image: img.Name, artifact: found.Artifact.Digest.String(), name: found.Artifact.Digest.String()}
	return parseSpec(opts, src, a.Spec)
}

func parseSpec(opts Options, src *specSource, data []byte) (*specSource, error) {
	s, problems, err := spec.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.name, err)
	}
	if opts.Log != nil {
		for _, p := range problems {
			opts.Log.Warnf("%s: %s", src.name, p)
		}
	}
	src.spec = s
	return src, nil
}
