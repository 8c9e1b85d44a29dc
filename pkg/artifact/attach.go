package artifact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Format names a pair of media types an artifact is written with.
type Format string

const (
	// FormatNFD is upstream NFD's media types; what NFD v0.19 reads.
	FormatNFD Format = "nfd"
	// FormatKEP is the KEP-1845 proposal's original media types.
	FormatKEP Format = "kep"
)

// ArtifactType returns the artifact type written for f.
func (f Format) ArtifactType() (string, error) {
	switch f {
	case FormatNFD, "":
		return spec.ArtifactType, nil
	case FormatKEP:
		return spec.KEPArtifactType, nil
	}
	return "", fmt.Errorf("unknown media types %q: use %q (upstream NFD) or %q (KEP-1845)", f, FormatNFD, FormatKEP)
}

// AttachOptions tune Attach.
type AttachOptions struct {
	Format      Format
	Annotations map[string]string
	// Created is written as org.opencontainers.image.created; zero means now.
	Created time.Time
}

// Attach pushes specYAML as a compatibility artifact whose subject is subject
// and returns the artifact's manifest descriptor. The caller validates the
// spec first: Attach only packs bytes. On registries without the referrers
// API it records the artifact in its own tag and adds it to the
// sha256-<hex> referrers index, verified against concurrent writers
// (index.go).
func Attach(ctx context.Context, dst oras.Target, subject ocispec.Descriptor, specYAML []byte, opts AttachOptions) (ocispec.Descriptor, error) {
	artifactType, err := opts.Format.ArtifactType()
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	created := opts.Created
	if created.IsZero() {
		created = time.Now()
	}
	annotations := maps.Clone(opts.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	if _, ok := annotations[ocispec.AnnotationCreated]; !ok {
		annotations[ocispec.AnnotationCreated] = created.UTC().Format(time.RFC3339)
	}
	layer := content.NewDescriptorFromBytes(spec.SpecMediaTypeFor(artifactType), specYAML)
	if err := pushIfAbsent(ctx, dst, layer, specYAML); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push spec blob: %w", err)
	}
	ix, err := openIndex(ctx, dst, subject)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	var manifests content.Pusher = dst
	if ix != nil {
		manifests = ix.repo // the index is written below, verified
	}
	desc, err := oras.PackManifest(ctx, manifests, oras.PackManifestVersion1_1, artifactType, oras.PackManifestOptions{
		Subject:             &subject,
		Layers:              []ocispec.Descriptor{layer},
		ManifestAnnotations: annotations,
	})
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push compatibility artifact: %w", err)
	}
	// Referrer lists carry the artifact type and annotations; return the same.
	desc.ArtifactType = artifactType
	desc.Annotations = annotations
	if ix != nil {
		if err := ix.pushRecord(ctx, desc); err != nil {
			return desc, fmt.Errorf("pushed %s, but not its record: %w", desc.Digest, err)
		}
		if _, err := ix.update(ctx, []ocispec.Descriptor{desc}, nil); errors.Is(err, ErrConcurrentWriteLost) {
			return desc, fmt.Errorf("pushed and listed %s, but %w", desc.Digest, err)
		} else if err != nil {
			return desc, fmt.Errorf("pushed %s (list-specs finds it by its record tag), but could not verify the referrers index: %w", desc.Digest, err)
		}
	}
	return desc, nil
}

func pushIfAbsent(ctx context.Context, dst content.Storage, desc ocispec.Descriptor, data []byte) error {
	ok, err := dst.Exists(ctx, desc)
	if err != nil || ok {
		return err
	}
	err = dst.Push(ctx, desc, bytes.NewReader(data))
	if errors.Is(err, errdef.ErrAlreadyExists) {
		return nil
	}
	return err
}
