package bindir

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// stamp is what a stat says of a file the policy came from: a change of
// any field means the policy may have changed.
type stamp struct {
	path   string
	exists bool
	size   int64
	mtime  int64
	ino    uint64
}

// stampFiles stats the config file, its directory, and every import of the
// merged config (a glob's directory too, so an added or removed drop-in
// counts). Relative imports are taken from the config file's directory, as
// containerd resolves the main file's (an import of an import relative to
// another directory is seen through its absolute path only). A few stats:
// cheap enough for every call; a spurious change only costs a reload.
func stampFiles(file string, src *policy.Source) []stamp {
	dir := filepath.Dir(file)
	paths := []string{file, dir}
	if src != nil && src.Config != nil {
		for _, imp := range src.Config.Imports {
			p := filepath.Clean(imp)
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			if strings.Contains(p, "*") {
				matches, _ := filepath.Glob(p) // a bad pattern failed the load already
				paths = append(paths, filepath.Dir(p))
				paths = append(paths, matches...)
				continue
			}
			paths = append(paths, p, filepath.Dir(p))
		}
	}
	out := make([]stamp, len(paths))
	for i, p := range paths {
		out[i] = stampOf(p)
	}
	return out
}

func stampOf(p string) stamp {
	fi, err := os.Stat(p)
	if err != nil {
		return stamp{path: p}
	}
	return stamp{path: p, exists: true, size: fi.Size(), mtime: fi.ModTime().UnixNano(), ino: inode(fi)}
}
