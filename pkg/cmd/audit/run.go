package audit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// ErrNoLog is wrapped when none of the files exists.
var ErrNoLog = errors.New("no audit log")

// Run reads the audit log and prints its summary.
func Run(ctx context.Context, opts Options) error {
	s, err := Summarise(ctx, opts)
	if err != nil {
		return err
	}
	if opts.Output == output.JSON || opts.Output == output.YAML {
		return output.Encode(opts.Stdout, opts.Output, s)
	}
	return printTable(opts.Stdout, s)
}

// Summarise streams the files into a Summary.
func Summarise(ctx context.Context, opts Options) (Summary, error) {
	files := opts.Files
	if len(files) == 0 {
		if opts.CacheDir == "" {
			return Summary{}, errors.New("audit: no cache_dir and no --file given")
		}
		p := filepath.Join(opts.CacheDir, verifier.AuditFile)
		files = []string{p + ".1", p}
	}
	recent := opts.Recent
	if recent <= 0 {
		recent = DefaultRecent
	}
	m := newSummer(recent)
	if !opts.Since.IsZero() {
		since := opts.Since.UTC()
		m.s.Since = &since
	}
	m.s.Files = []string{}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return Summary{}, err
		}
		err := readFile(ctx, f, m)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Summary{}, err
		}
		m.s.Files = append(m.s.Files, safetext.Line(f))
	}
	if len(m.s.Files) == 0 {
		return Summary{}, fmt.Errorf("audit: %w at %s: the verifier appends to <cache_dir>/%s once it has decided a pull and cache_dir is trusted (`nfd-compat doctor` checks it; --cache-dir or --file to read another)",
			ErrNoLog, safetext.Line(files[len(files)-1]), verifier.AuditFile)
	}
	return m.summary(), nil
}

func readFile(ctx context.Context, path string, m *summer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("audit: %s is not a regular file", safetext.Line(path))
	}
	return scan(ctxReader{ctx, f}, safetext.Line(path), m.add, m.bad)
}

// ctxReader stops a long read when ctx ends.
type ctxReader struct {
	ctx context.Context
	f   *os.File
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.f.Read(p)
}
