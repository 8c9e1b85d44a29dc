package validatenode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/cache"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
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
	img, err := opts.Image.Open(ctx)
	if err != nil {
		return nil, err
	}
	lo := artifact.LoadOptions{Platform: opts.Image.Platform, Digest: opts.Digest, Cache: openCache(opts), Log: opts.Log}
	if lo.Cache != nil {
		// Shared with the verifier when --cache-dir is its cache_dir.
		lo.Referrers = &cache.Registries{Dir: lo.Cache.Dir, TTL: cache.RegistriesTTL}
		lo.Reopen = opts.Image.Open
	}
	l, err := artifact.Load(ctx, img, lo)
	if err != nil {
		return nil, err
	}
	d := l.Artifact.Descriptor.Digest.String()
	src := &specSource{spec: l.Spec, image: img.Name, artifact: d, name: d}
	warnProblems(opts, d, l.Problems)
	return src, nil
}

func parseSpec(ctx context.Context, opts Options, src *specSource, data []byte) (*specSource, error) {
	s, problems, err := spec.ParseContext(ctx, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.name, err)
	}
	warnProblems(opts, src.name, problems)
	src.spec = s
	return src, nil
}

func warnProblems(opts Options, name string, problems []spec.Problem) {
	if opts.Log != nil {
		for _, p := range problems {
			opts.Log.Warnf("%s: %s", name, p)
		}
	}
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
// asked for, an OCI layout (already on local disk), a directory that
// cannot be written (then the run is uncached, which only costs requests),
// or one another user could write to (cache.Open: bypassed with a warning,
// as the verifier does, since its content could be planted).
func openCache(opts Options) *cache.Blobs {
	if opts.CacheDir == "" || opts.Image.Target.OCILayout {
		return nil
	}
	err := cache.Open(opts.CacheDir)
	if err == nil {
		var f *os.File
		dir := filepath.Join(opts.CacheDir, "blobs")
		if err = os.MkdirAll(dir, 0o700); err == nil {
			if f, err = os.CreateTemp(dir, ".probe-*"); err == nil {
				f.Close()
				err = os.Remove(f.Name())
			}
		}
	}
	if err != nil {
		if opts.Log != nil {
			if errors.Is(err, cache.ErrUntrusted) {
				opts.Log.WithError(err).Warnf("not using the cache directory %s: running without the cache", opts.CacheDir)
			} else {
				opts.Log.WithError(err).Debugf("cache directory %s is not writable: running without the cache", opts.CacheDir)
			}
		}
		return nil
	}
	return &cache.Blobs{Dir: opts.CacheDir}
}
