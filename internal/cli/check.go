package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
)

// checkDigest refuses a --digest that is no digest before any registry is
// asked, so that a typo is a usage error (exit 2), not "no artifact" (exit 3).
func checkDigest(d string) error {
	if d == "" {
		return nil
	}
	if err := artifact.CheckDigestPrefix(d); err != nil {
		return fmt.Errorf("--digest: %w", err)
	}
	return nil
}

// checkCacheDir refuses a --cache-dir that cannot be a directory, before
// any work: the cache would otherwise be skipped without a word.
func checkCacheDir(dir string) error {
	if dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // created on first use
	case err != nil:
		return fmt.Errorf("--cache-dir %s: %w: name a directory (created if missing) or pass --no-cache", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("--cache-dir %s is a file, not a directory: name a directory (created if missing) or pass --no-cache", dir)
	}
	return nil
}
