//go:build unix

package cache

import (
	"io/fs"
	"os"
	"syscall"
)

func linksOf(fi fs.FileInfo) (uint64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return uint64(st.Nlink), true
}

// openNoFollow opens path, failing (ELOOP) when its last element is a
// symbolic link.
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_NOFOLLOW, perm)
}
