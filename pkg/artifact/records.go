package artifact

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

// Records: on a tag-schema registry every compat artifact this package
// pushes also gets its own tag,
//
//	sha256-<subject hex>.<first 32 hex digits of the artifact digest>.nfd
//
// (108 characters, under the 128 a tag may have; cosign names its
// signatures sha256-<hex>.sig the same way). Nobody else writes these tags
// and each writer writes only its own, so unlike the shared sha256-<hex>
// index they cannot be lost to a concurrent read-modify-write. The index
// entries of our artifacts can be rebuilt from them: readers add recorded
// artifacts that the index lacks, and every index write puts them back.
const (
	recordHexLen = 32
	recordSuffix = ".nfd"
	// recordPageSize and maxRecordPages bound the tag listing: records are
	// found by listing tags from sha256-<subject hex> on (the `last`
	// parameter) in pages of recordPageSize, at most maxRecordPages pages.
	recordPageSize = 100
	maxRecordPages = 20
)

// errEnoughTags stops a tag listing early.
var errEnoughTags = errors.New("enough tags")

// recordTag returns the record tag of artifact, a referrer of subject, and
// false when subject's digest algorithm gives a name too long for a tag.
func recordTag(subject, artifact digest.Digest) (string, bool) {
	if subject.Algorithm() != digest.SHA256 || len(artifact.Encoded()) < recordHexLen {
		return "", false
	}
	return recordPrefix(subject) + artifact.Encoded()[:recordHexLen] + recordSuffix, true
}

func recordPrefix(subject digest.Digest) string {
	return subject.Algorithm().String() + "-" + subject.Encoded() + "."
}

// listRecords returns subject's record tags. Tags come in lexical order
// after `last`; a registry that ignores `last` is scanned from the start,
// within the same bound (records past it are not seen).
func listRecords(ctx context.Context, repo *remote.Repository, subject digest.Digest) ([]string, error) {
	if subject.Algorithm() != digest.SHA256 {
		return nil, nil
	}
	prefix := recordPrefix(subject)
	last := strings.TrimSuffix(prefix, ".")
	var tags []string
	pages := 0
	err := repo.Tags(ctx, last, func(page []string) error {
		if pages++; pages > maxRecordPages {
			// A registry that ignores `last` and has many tags: the bound
			// holds, the records are a supplement to the index.
			return errEnoughTags
		}
		for _, t := range page {
			switch {
			case strings.HasPrefix(t, prefix):
				if isRecordTag(t, prefix) {
					tags = append(tags, t)
				}
			case t > prefix:
				return errEnoughTags // sorted, past the prefix: no more records
			}
		}
		return nil
	})
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed) {
		// Tag listing refused or not offered: no records to add, and the
		// index alone still answers as it did before records existed.
		return nil, nil
	}
	if err != nil && !errors.Is(err, errEnoughTags) {
		return nil, fmt.Errorf("list record tags of %s: %w", subject, err)
	}
	return tags, nil
}

func isRecordTag(tag, prefix string) bool {
	mid, ok := strings.CutSuffix(strings.TrimPrefix(tag, prefix), recordSuffix)
	if !ok || len(mid) != recordHexLen {
		return false
	}
	return strings.Trim(mid, "0123456789abcdef") == ""
}

// recordHex returns the artifact digest prefix a record tag carries.
func recordHex(tag string) string {
	s := strings.TrimSuffix(tag, recordSuffix)
	return s[len(s)-recordHexLen:]
}

// recordedArtifacts returns the referrer descriptors of subject's recorded
// artifacts that known lacks, each checked to be a compat artifact of
// subject. A record whose artifact is gone (a registry that keeps a tag after
// its manifest was deleted by digest) is skipped.
func recordedArtifacts(ctx context.Context, repo *remote.Repository, subject ocispec.Descriptor, known []ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	tags, err := listRecords(ctx, repo, subject.Digest)
	if err != nil {
		return nil, err
	}
	var out []ocispec.Descriptor
	for _, tag := range tags {
		hex := recordHex(tag)
		if hasDigestPrefix(known, hex) {
			continue
		}
		d, ok, err := resolveRecord(ctx, repo, subject, tag)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

func hasDigestPrefix(descs []ocispec.Descriptor, hex string) bool {
	for _, d := range descs {
		if strings.HasPrefix(d.Digest.Encoded(), hex) {
			return true
		}
	}
	return false
}

// resolveRecord returns the index entry for the artifact record tag names.
func resolveRecord(ctx context.Context, repo *remote.Repository, subject ocispec.Descriptor, tag string) (ocispec.Descriptor, bool, error) {
	d, err := repo.Resolve(ctx, tag)
	if errors.Is(err, errdef.ErrNotFound) {
		return ocispec.Descriptor{}, false, nil // removed since the listing
	}
	if err != nil {
		return ocispec.Descriptor{}, false, fmt.Errorf("resolve record tag %s: %w", tag, err)
	}
	if !strings.HasPrefix(d.Digest.Encoded(), recordHex(tag)) {
		return ocispec.Descriptor{}, false, nil // not what the name says: not ours
	}
	a, err := Fetch(ctx, repo, d, subject)
	switch {
	case errors.Is(err, ErrDangling):
		return ocispec.Descriptor{}, false, nil
	case errors.Is(err, ErrInvalidArtifact):
		return ocispec.Descriptor{}, false, nil // a tag we did not write
	case err != nil:
		return ocispec.Descriptor{}, false, fmt.Errorf("record tag %s: %w", tag, err)
	}
	return ocispec.Descriptor{
		MediaType:    ocispec.MediaTypeImageManifest,
		Digest:       d.Digest,
		Size:         d.Size,
		ArtifactType: a.Manifest.ArtifactType,
		Annotations:  a.Manifest.Annotations,
	}, true, nil
}
