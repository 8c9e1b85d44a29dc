package audit

import (
	"io"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// Options are audit's inputs.
type Options struct {
	// Files are read in order (oldest first); a missing one is skipped,
	// unless none exists. Empty means CacheDir's audit.jsonl.1 and
	// audit.jsonl.
	Files []string
	// CacheDir is the policy's cache_dir.
	CacheDir string
	// Since drops records older than it; zero keeps all.
	Since time.Time
	// Recent is how many recent refusals and warnings are listed; 0 means
	// DefaultRecent.
	Recent int
	Output output.Format
	Stdout io.Writer
}

// DefaultRecent is the number of recent refusals and warnings listed.
const DefaultRecent = 10

// MaxImages bounds the distinct images counted in the would-refuse and
// refused lists; the rest are counted in Summary.OtherImages.
const MaxImages = 1000

// MaxLine is the longest line read as a record (the verifier's reasons are
// bounded to 2000 bytes, so a record is a few KiB).
const MaxLine = 256 << 10
