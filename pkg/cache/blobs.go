package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
)

// Blobs is a content-addressed store of small blobs (manifests, specs)
// under Dir/blobs/<algorithm>/<hex>. Reads verify size and digest; a blob
// that fails is removed and reported as missing.
type Blobs struct {
	// Dir is the cache directory.
	Dir string
}

var _ content.Fetcher = (*Blobs)(nil)

func (b *Blobs) path(d digest.Digest) (string, error) {
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("cache: invalid digest %q: %w", d, err)
	}
	return filepath.Join(b.Dir, "blobs", d.Algorithm().String(), d.Encoded()), nil
}

// Get returns the verified content of desc, or an error wrapping
// errdef.ErrNotFound when the cache does not hold it (or held a bad copy).
func (b *Blobs) Get(desc ocispec.Descriptor) ([]byte, error) {
	p, err := b.path(desc.Digest)
	if err != nil {
		return nil, err
	}
	data, err := ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cache: %s: %w", desc.Digest, errdef.ErrNotFound)
	}
	if err != nil {
		// A link or another owner's file is a miss: the next Put
		// renames a good copy over it.
		return nil, fmt.Errorf("cache: read %s: %v: %w", p, err, errdef.ErrNotFound)
	}
	if int64(len(data)) != desc.Size || desc.Digest.Algorithm().FromBytes(data) != desc.Digest {
		// Torn or tampered: drop it so the next decision fetches again.
		_ = os.Remove(p)
		return nil, fmt.Errorf("cache: %s failed verification, removed: %w", desc.Digest, errdef.ErrNotFound)
	}
	return data, nil
}

// Fetch serves desc from the cache (content.Fetcher).
func (b *Blobs) Fetch(_ context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	data, err := b.Get(desc)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Put stores data, which must match desc.
func (b *Blobs) Put(desc ocispec.Descriptor, data []byte) error {
	if int64(len(data)) != desc.Size || desc.Digest.Algorithm().FromBytes(data) != desc.Digest {
		return fmt.Errorf("cache: refusing to store %s: content does not match its descriptor", desc.Digest)
	}
	p, err := b.path(desc.Digest)
	if err != nil {
		return err
	}
	return WriteFile(p, data, fileMode)
}
