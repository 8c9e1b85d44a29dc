package cache

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/pathtrust"
)

// ErrUntrusted is wrapped by the errors of Open and ReadFile for a cache
// directory, subdirectory or file that another user could have written: not
// owned by the effective user, writable by group or others, or a symbolic
// link. Nothing in it may be used.
var ErrUntrusted = errors.New("untrusted cache path")

// File and directory modes the cache creates: private to the effective user.
const (
	dirMode  = 0o700
	fileMode = 0o600
)

// StaleTempAge is the age after which a temporary file (".NAME.tmp-*") is
// one that a killed writer left behind: a live writer renames its temporary
// file within milliseconds.
const StaleTempAge = 10 * time.Minute

// Subdirectories of a cache directory.
const (
	blobsDir    = "blobs"
	featuresDir = "features"
	// MetricsDir holds the bindir verifier's node_exporter textfile.
	MetricsDir = "metrics"
)

// Open makes dir ready for use as a cache directory: it creates it (mode
// 0700, parents included) if it does not exist, checks it as ssh checks its
// files (Check), and removes the temporary files a killed writer left (older
// than StaleTempAge). An error wrapping ErrUntrusted means nothing under dir
// may be read or written; callers run uncached then.
func Open(dir string) error {
	if dir == "" {
		return errors.New("cache: no directory given")
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("cache: create %s: %w", dir, err)
	}
	// The directories are checked on every Open (a few stats); their
	// files are listed only when the last sweep is StaleTempAge old, so a
	// verifier exec per pull does not read a large blobs directory.
	marker := filepath.Join(dir, sweepMarker)
	fi, err := os.Lstat(marker)
	sweep := err != nil || time.Since(fi.ModTime()) > StaleTempAge
	r := check(dir, sweep)
	if err := r.Err(); err != nil {
		return err
	}
	if !sweep {
		return nil
	}
	for _, p := range r.StaleTemps {
		_ = os.Remove(p) // another process may have removed it first
	}
	// Rename over the marker: never written through a planted link.
	return WriteFile(marker, nil, fileMode)
}

// sweepMarker's modification time is the last sweep for stale temporary
// files.
const sweepMarker = ".swept"

// Report is what Check found out about a cache directory.
type Report struct {
	// Dir is the directory checked, symbolic links resolved.
	Dir string
	// Missing is set when Dir does not exist (yet): nothing to trust.
	Missing bool
	// Parent is, when Missing, the nearest existing parent: where Open
	// would create Dir.
	Parent string
	// Problems are the paths that make the directory untrusted, each with
	// why and the fix.
	Problems []string
	// StaleTemps are temporary files older than StaleTempAge.
	StaleTemps []string
}

// Err is nil when the directory may be used, else an error wrapping
// ErrUntrusted that lists the problems.
func (r Report) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	return fmt.Errorf("cache directory %s: %w: %s", r.Dir, ErrUntrusted, strings.Join(r.Problems, "; "))
}

// Check inspects dir without changing anything: dir and each of its parents
// must be directories owned by the effective user or root and not writable
// by group or others (a parent may be world-writable with the sticky bit
// and owned by root, as /tmp is); dir's subdirectories (blobs, blobs/*,
// features, metrics) must be real directories owned by the effective user and not
// writable by group or others; and the files in them must not be symbolic
// links. It also lists stale temporary files.
func Check(dir string) Report { return check(dir, true) }

// check is Check; files are listed only with scan.
func check(dir string, scan bool) Report {
	r := Report{Dir: dir}
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if errors.Is(err, fs.ErrNotExist) {
		r.Missing, r.Parent = true, existingParent(dir)
		// The parents it would be created in must be trustworthy too.
		if r.Parent != "" {
			r.checkParent(r.Parent)
			r.Problems = append(r.Problems, pathtrust.Parents(r.Parent, pathtrust.EUID(), otherCacheDir)...)
		}
		return r
	}
	if err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", dir, err))
		return r
	}
	r.Dir = abs
	r.checkOwnDir(abs)
	r.Problems = append(r.Problems, pathtrust.Parents(abs, pathtrust.EUID(), otherCacheDir)...)
	if len(r.Problems) > 0 {
		return r
	}
	subdirs := []string{filepath.Join(abs, featuresDir), filepath.Join(abs, MetricsDir)}
	blobs := filepath.Join(abs, blobsDir)
	if r.checkSubdir(blobs) {
		// A few entries (one per digest algorithm), not the blobs.
		entries, _ := os.ReadDir(blobs)
		for _, e := range entries {
			subdirs = append(subdirs, filepath.Join(blobs, e.Name()))
		}
	}
	for _, d := range subdirs {
		if r.checkSubdir(d) && scan {
			r.scanFiles(d)
		}
	}
	return r
}

// checkOwnDir checks the cache directory itself.
func (r *Report) checkOwnDir(p string) {
	fi, err := os.Lstat(p)
	if err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", p, err))
		return
	}
	if !fi.IsDir() {
		r.Problems = append(r.Problems, fmt.Sprintf("%s is not a directory", p))
		return
	}
	r.checkOwner(p, fi, false)
}

// checkSubdir checks a subdirectory; false when it does not exist or is bad.
func (r *Report) checkSubdir(p string) bool {
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false
	case err != nil:
		r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", p, err))
		return false
	case fi.Mode()&fs.ModeSymlink != 0:
		r.Problems = append(r.Problems, fmt.Sprintf("%s is a symbolic link (fix: remove it; the cache recreates it)", p))
		return false
	case !fi.IsDir():
		r.Problems = append(r.Problems, fmt.Sprintf("%s is not a directory (fix: remove it; the cache recreates it)", p))
		return false
	}
	return r.checkOwner(p, fi, false)
}

// otherCacheDir is the alternative to chown the trust problems name.
const otherCacheDir = "set another cache_dir"

// checkParent checks the nearest existing directory above a missing cache
// directory (pathtrust.Parents checks those above it).
func (r *Report) checkParent(p string) {
	fi, err := os.Stat(p)
	if err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", p, err))
		return
	}
	r.checkOwner(p, fi, true)
}

// checkOwner applies the ownership and mode rule (pkg/pathtrust); parent
// allows root as the owner and a root-owned sticky world-writable directory.
func (r *Report) checkOwner(p string, fi fs.FileInfo, parent bool) bool {
	if problem := pathtrust.Problem(p, fi, pathtrust.EUID(), parent, otherCacheDir); problem != "" {
		r.Problems = append(r.Problems, problem)
		return false
	}
	return true
}

// scanFiles flags symbolic links among a subdirectory's files and lists
// stale temporary files.
func (r *Report) scanFiles(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", dir, err))
		return
	}
	now := time.Now()
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%s is a symbolic link (fix: remove it)", p))
			continue
		}
		if !isTemp(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > StaleTempAge {
			r.StaleTemps = append(r.StaleTemps, p)
		}
	}
}

// isTemp reports whether name is a temporary file of WriteFile.
func isTemp(name string) bool { return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-") }

func existingParent(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := pathtrust.Parent(abs); d != ""; d = pathtrust.Parent(d) {
		if _, err := os.Stat(d); err == nil {
			if real, err := filepath.EvalSymlinks(d); err == nil {
				return real
			}
			return d
		}
	}
	return ""
}

// ReadFile reads a file of the cache without following a symbolic link
// and only when it is a regular file owned by the effective user.
func ReadFile(path string) ([]byte, error) {
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := ownedRegular(f); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// AppendFile appends data with one write to path (created with mode 0600),
// never following a symbolic link and only to a regular file with one link
// owned by the effective user, so that a planted link cannot make it write
// elsewhere.
func AppendFile(path string, data []byte) error {
	f, err := openNoFollow(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileMode)
	if err != nil {
		return err
	}
	werr := ownedRegular(f)
	if werr == nil {
		_, werr = f.Write(data)
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// ownedRegular checks an open file: regular, one link, owned by us.
func ownedRegular(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w: not a regular file", f.Name(), ErrUntrusted)
	}
	if uid, ok := pathtrust.Owner(fi); ok && uid != pathtrust.EUID() {
		return fmt.Errorf("%s: %w: owned by uid %d, not %d", f.Name(), ErrUntrusted, uid, pathtrust.EUID())
	}
	if n, ok := linksOf(fi); ok && n > 1 {
		return fmt.Errorf("%s: %w: has %d hard links", f.Name(), ErrUntrusted, n)
	}
	return nil
}

// CheckSubdir checks a subdirectory of a cache directory that Open
// accepted, as Check does: an error wrapping ErrUntrusted unless it is a
// real directory owned by the effective user and not writable by group or
// others; one wrapping fs.ErrNotExist when it is missing.
func CheckSubdir(p string) error {
	r := Report{Dir: p}
	if r.checkSubdir(p) {
		return nil
	}
	if err := r.Err(); err != nil {
		return err
	}
	return fmt.Errorf("cache directory %s: %w", p, fs.ErrNotExist)
}
