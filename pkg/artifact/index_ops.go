package artifact

import (
	"context"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
)

// The writes of one artifact on a tag-schema registry: its record tag, and
// its removal in the order that keeps concurrent writers right (index.go).

// pushRecord tags desc with its record tag (see records.go).
func (ix *referrersIndex) pushRecord(ctx context.Context, desc ocispec.Descriptor) error {
	tag, ok := recordTag(ix.subject.Digest, desc.Digest)
	if !ok {
		return nil
	}
	if err := ix.repo.Tag(ctx, desc, tag); err != nil {
		return fmt.Errorf("push record tag %s: %w", tag, err)
	}
	return nil
}

// dropRecord deletes desc's record tag where the registry can.
func (ix *referrersIndex) dropRecord(ctx context.Context, desc ocispec.Descriptor) error {
	tag, ok := recordTag(ix.subject.Digest, desc.Digest)
	if !ok {
		return nil
	}
	return deleteTag(ctx, ix.repo, tag)
}

// remove deletes the compat artifact desc and drops it from the index. It
// fetches desc first and deletes it only if it is a compat artifact of the
// subject; a desc whose manifest is already gone (a dangling entry) is only
// dropped from the index, and remove reports it as dangling.
//
// Order: the record goes first (so writers of this package stop putting
// the entry back), then the entry (registries refuse an index that names a
// missing manifest, so deleting the manifest first would make every
// concurrent writer fail), then the manifest, then the entry once more in
// case a stale concurrent write put it back in between.
func (ix *referrersIndex) remove(ctx context.Context, desc ocispec.Descriptor) (dangling bool, err error) {
	_, err = Fetch(ctx, ix.repo, desc, ix.subject)
	dangling = errors.Is(err, ErrDangling)
	if err != nil && !dangling {
		return false, fmt.Errorf("refusing to delete %s: %w", desc.Digest, err)
	}
	if err := ix.dropRecord(ctx, desc); err != nil {
		return dangling, err
	}
	var lost error // another tool's change overwritten: said at the end
	drop := func() error {
		_, err := ix.update(ctx, nil, []digest.Digest{desc.Digest})
		if errors.Is(err, ErrConcurrentWriteLost) {
			lost = fmt.Errorf("removed %s, but %w", desc.Digest, err)
			return nil
		}
		return err
	}
	if err := drop(); err != nil {
		return dangling, fmt.Errorf("drop %s from the referrers index (nothing deleted): %w", desc.Digest, err)
	}
	if dangling {
		return true, lost
	}
	verified := ocispec.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}
	if err := ix.repo.Delete(ctx, verified); err != nil && !errors.Is(err, errdef.ErrNotFound) {
		// Still there (deletes refused, say): list it again as it was.
		err = &DeleteError{Digest: desc.Digest.String(), Err: err}
		if rerr := ix.pushRecord(ctx, desc); rerr != nil {
			return false, errors.Join(err, rerr)
		}
		if _, rerr := ix.update(ctx, []ocispec.Descriptor{desc}, nil); rerr != nil {
			return false, errors.Join(err, fmt.Errorf("listing it again: %w", rerr))
		}
		return false, err
	}
	if err := drop(); err != nil {
		return false, fmt.Errorf("deleted %s, but a concurrent write listed it again and dropping it failed (run remove-spec --digest %s again): %w", desc.Digest, desc.Digest, err)
	}
	return false, lost
}
