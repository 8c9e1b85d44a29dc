//go:build unix

package pathtrust

import (
	"io/fs"
	"os"
	"syscall"
)

// EUID is the effective user id the rule checks against.
func EUID() int { return os.Geteuid() }

// Owner is the uid owning fi; false where files have no Unix owner.
func Owner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
