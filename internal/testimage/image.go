package testimage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
)

// Created is the default creation time of images, so that equal inputs give equal digests.
const Created = "2026-01-01T00:00:00Z"

type options struct {
	platform    string
	content     []byte
	annotations map[string]string
}

// Option changes what Push builds.
type Option func(*options)

// WithPlatform sets the image's platform as "os/arch[/variant]" (default "linux/amd64").
func WithPlatform(p string) Option { return func(o *options) { o.platform = p } }

// WithContent sets the content of the layer's single file, /hello.txt.
func WithContent(b []byte) Option { return func(o *options) { o.content = b } }

// WithAnnotations adds manifest annotations; ocispec.AnnotationCreated overrides Created.
func WithAnnotations(a map[string]string) Option { return func(o *options) { o.annotations = a } }

// Push builds a tiny OCI image (config + one gzip tar layer) and tags it unless tag is empty;
// it returns the manifest descriptor, with the image's platform set.
func Push(ctx context.Context, t oras.Target, tag string, opts ...Option) (ocispec.Descriptor, error) {
	o := options{platform: "linux/amd64", content: []byte("hello from nfd-compat\n")}
	for _, opt := range opts {
		opt(&o)
	}
	plat, err := ParsePlatform(o.platform)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	layerTar, err := tarFile("hello.txt", o.content)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	layerGz, err := gzipBytes(layerTar)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	layer, err := pushBlob(ctx, t, ocispec.MediaTypeImageLayerGzip, layerGz)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	created, _ := time.Parse(time.RFC3339, Created)
	cfgJSON, err := json.Marshal(ocispec.Image{
		Created:  &created,
		Platform: plat,
		Config:   ocispec.ImageConfig{Cmd: []string{"/hello.txt"}},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromBytes(layerTar)}},
	})
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	cfg, err := pushBlob(ctx, t, ocispec.MediaTypeImageConfig, cfgJSON)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	ann := map[string]string{ocispec.AnnotationCreated: Created}
	for k, v := range o.annotations {
		ann[k] = v
	}
	desc, err := oras.PackManifest(ctx, t, oras.PackManifestVersion1_1, "", oras.PackManifestOptions{
		Layers: []ocispec.Descriptor{layer}, ConfigDescriptor: &cfg, ManifestAnnotations: ann,
	})
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("testimage: pack manifest: %w", err)
	}
	desc.Platform = &plat
	return desc, tagIf(ctx, t, desc, tag)
}

// PushIndex builds one image per platform ("linux/amd64", "linux/arm64", "linux/arm/v7", ...) and an
// image index over them, and tags the index unless tag is empty. It returns the index descriptor and
// the platform manifests' descriptors in the order of platforms.
func PushIndex(ctx context.Context, t oras.Target, tag string, platforms []string) (ocispec.Descriptor, []ocispec.Descriptor, error) {
	if len(platforms) == 0 {
		return ocispec.Descriptor{}, nil, errors.New("testimage: no platforms")
	}
	manifests := make([]ocispec.Descriptor, 0, len(platforms))
	for _, p := range platforms {
		d, err := Push(ctx, t, "", WithPlatform(p))
		if err != nil {
			return ocispec.Descriptor{}, nil, err
		}
		manifests = append(manifests, d)
	}
	b, err := json.Marshal(ocispec.Index{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ocispec.MediaTypeImageIndex,
		Manifests:   manifests,
		Annotations: map[string]string{ocispec.AnnotationCreated: Created},
	})
	if err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	idx, err := pushBlob(ctx, t, ocispec.MediaTypeImageIndex, b)
	if err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	return idx, manifests, tagIf(ctx, t, idx, tag)
}

// ParsePlatform parses "os/arch[/variant]".
func ParsePlatform(s string) (ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return ocispec.Platform{}, fmt.Errorf("testimage: platform %q is not os/arch[/variant]", s)
	}
	p := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// pushBlob pushes b unless t has it already.
func pushBlob(ctx context.Context, t oras.Target, mediaType string, b []byte) (ocispec.Descriptor, error) {
	desc := content.NewDescriptorFromBytes(mediaType, b)
	if ok, err := t.Exists(ctx, desc); err == nil && ok {
		return desc, nil
	}
	if err := t.Push(ctx, desc, bytes.NewReader(b)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
		return ocispec.Descriptor{}, fmt.Errorf("testimage: push %s: %w", mediaType, err)
	}
	return desc, nil
}

func tagIf(ctx context.Context, t oras.Target, desc ocispec.Descriptor, tag string) error {
	if tag == "" {
		return nil
	}
	if err := t.Tag(ctx, desc, tag); err != nil {
		return fmt.Errorf("testimage: tag %s: %w", tag, err)
	}
	return nil
}
