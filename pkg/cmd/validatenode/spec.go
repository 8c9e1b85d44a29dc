package validatenode

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/cache"
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
		return parseSpec(ctx, opts, &specSource{name: opts.SpecName}, opts.Spec)
	}
	img, err := target.Open(ctx, opts.Image.Ref, opts.Image.Target)
	if err != nil {
		return nil, err
	}
	root, store, err := resolveRoot(ctx, img)
	if err != nil {
		return nil, err
	}
	if blobs := openCache(opts); blobs != nil {
		store = cache.NewStore(blobs, store, opts.Log)
	}
	platform := opts.Image.Platform
	if platform == nil {
		platform = target.HostPlatform()
	}
	found, err := artifact.Find(ctx, store, root, platform, opts.Digest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", img.Name, err)
	}
	a, err := artifact.Fetch(ctx, store, found.Artifact, found.Subject)
	if err != nil {
		return nil, err
	}
	src := &specSource{image: img.Name, artifact: found.Artifact.Digest.String(), name: found.Artifact.Digest.String()}
	return parseSpec(ctx, opts, src, a.Spec)
}

func parseSpec(ctx context.Context, opts Options, src *specSource, data []byte) (*specSource, error) {
	s, problems, err := spec.ParseContext(ctx, data)
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

// DefaultCacheDir is where validate-node caches by default:
// os.UserCacheDir()/nfd-compat ($XDG_CACHE_HOME/nfd-compat, else
// ~/.cache/nfd-compat on Linux), or "" when there is no such directory.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "nfd-compat")
}

// openCache returns the blob cache of opts.CacheDir, or nil: no cache
// asked for, an OCI layout (already on local disk), or a directory that
// cannot be written (then the run is uncached, which only costs requests).
func openCache(opts Options) *cache.Blobs {
	if opts.CacheDir == "" || opts.Image.Target.OCILayout {
		return nil
	}
	blobs := &cache.Blobs{Dir: opts.CacheDir}
	dir := filepath.Join(opts.CacheDir, "blobs")
	err := os.MkdirAll(dir, 0o750)
	if err == nil {
		var f *os.File
		if f, err = os.CreateTemp(dir, ".probe-*"); err == nil {
			f.Close()
			err = os.Remove(f.Name())
		}
	}
	if err != nil {
		if opts.Log != nil {
			opts.Log.WithError(err).Debugf("cache directory %s is not writable: running without the cache", opts.CacheDir)
		}
		return nil
	}
	return blobs
}
