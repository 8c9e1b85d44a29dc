// Package exportfeatures implements export-features: discover this host's
// features and write them as upstream `nfd export features` does, for
// validate-node --features-file on another machine.
package exportfeatures

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nfd-compat/nfd-compat/pkg/features"
)

// Options are export-features' inputs.
type Options struct {
	Discover features.DiscoverOptions
	// Path is the file to write; empty means Stdout.
	Path   string
	Stdout io.Writer
}

// Run discovers and writes. A file is written whole or not at all.
func Run(ctx context.Context, opts Options) error {
	f, err := features.Discover(ctx, opts.Discover)
	if err != nil {
		return fmt.Errorf("discover this host's features: %w", err)
	}
	if opts.Path == "" {
		return features.Write(opts.Stdout, f)
	}
	tmp, err := os.CreateTemp(filepath.Dir(opts.Path), "."+filepath.Base(opts.Path)+".*")
	if err != nil {
		return fmt.Errorf("write features: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := features.Write(tmp, f); err != nil {
		tmp.Close()
		return fmt.Errorf("write features to %s: %w", opts.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write features to %s: %w", opts.Path, err)
	}
	if err := os.Rename(tmp.Name(), opts.Path); err != nil {
		return fmt.Errorf("write features to %s: %w", opts.Path, err)
	}
	return nil
}
