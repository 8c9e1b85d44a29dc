//go:build unix

package bindir

import (
	"io/fs"
	"syscall"
)

// inode tells a file replaced by rename (editors' saves) from the old one.
func inode(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
