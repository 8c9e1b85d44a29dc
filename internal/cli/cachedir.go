package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

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
