//go:build !unix

package cache

import (
	"fmt"
	"io/fs"
	"os"
)

// Without Unix ownership the checks of Check are limited to file types.

func linksOf(fs.FileInfo) (uint64, bool) { return 0, false }

func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s: %w: a symbolic link", path, ErrUntrusted)
	}
	return os.OpenFile(path, flag, perm)
}
