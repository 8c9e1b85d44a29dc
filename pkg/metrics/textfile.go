package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/cache"
)

// TextfileName is the textfile's name under <cache_dir>/metrics.
const TextfileName = "nfd_compat.prom"

// LockWait bounds how long a decision waits for another process's update
// of the textfile before its count is dropped (with a warning).
const LockWait = time.Second

// maxTextfile bounds the file read back: ours is a few KiB.
const maxTextfile = 1 << 20

// Textfile is an Observer that adds every decision to the node_exporter
// textfile <Dir>/metrics/nfd_compat.prom: under an exclusive flock on
// <Dir>/metrics/.nfd_compat.prom.lock it reads the file, adds the
// decision and renames a new file into place (cache.WriteFile), so
// concurrent verifier processes lose no count and node_exporter never reads
// a torn file. Nothing is written unless cache.Open trusts Dir.
type Textfile struct {
	// Dir is the cache directory.
	Dir string
	// Log hears of a count that could not be written (once per process).
	Log logrus.FieldLogger
	// LockWait, when set, replaces the package's LockWait.
	LockWait time.Duration
	warn     sync.Once
	open     sync.Once
	openErr  error
}

// Path is the textfile's path.
func (t *Textfile) Path() string { return filepath.Join(t.Dir, cache.MetricsDir, TextfileName) }

// ObserveDecision adds d to the textfile; a failure is logged, never
// returned: a pull does not fail over metrics.
func (t *Textfile) ObserveDecision(d Decision) {
	if err := t.Add(d); err != nil && t.Log != nil {
		t.warn.Do(func() {
			t.Log.WithError(err).Warnf("nfd-compat: cannot update the metrics textfile %s; this decision is not counted there (it is in audit.jsonl)", t.Path())
		})
	}
}

// Add adds d to the textfile.
func (t *Textfile) Add(d Decision) error {
	t.open.Do(func() { t.openErr = cache.Open(t.Dir) })
	if t.openErr != nil {
		return fmt.Errorf("metrics: not using cache_dir: %w", t.openErr)
	}
	dir := filepath.Join(t.Dir, cache.MetricsDir)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("metrics: create %s: %w", dir, err)
	}
	// cache_dir is trusted; its metrics subdirectory must be a real
	// directory of ours too (a planted link would redirect the writes).
	if err := cache.CheckSubdir(dir); err != nil {
		return err
	}
	wait := LockWait
	if t.LockWait > 0 {
		wait = t.LockWait
	}
	unlock, err := cache.Lock(filepath.Join(dir, "."+TextfileName+".lock"), wait)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	defer func() { _ = unlock() }()
	s := NewSet()
	data, err := cache.ReadFile(t.Path())
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("metrics: read %s: %w", t.Path(), err)
	case len(data) > maxTextfile:
		return fmt.Errorf("metrics: %s is %d bytes, more than nfd-compat writes (%d): remove it to start counting again", t.Path(), len(data), maxTextfile)
	default:
		if skipped, err := s.ReadText(bytes.NewReader(data)); err != nil {
			return fmt.Errorf("metrics: read %s: %w", t.Path(), err)
		} else if skipped > 0 && t.Log != nil {
			t.Log.Debugf("nfd-compat: %s: skipped %d lines not written by this version", t.Path(), skipped)
		}
	}
	s.ObserveDecision(d)
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		return err
	}
	// World-readable so that node_exporter can read it where it may enter
	// the directory; cache_dir itself stays 0700 unless opened up.
	return cache.WriteFile(t.Path(), b.Bytes(), 0o644)
}
