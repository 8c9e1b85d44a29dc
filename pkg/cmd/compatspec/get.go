package compatspec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// GetOptions are get-spec's inputs.
type GetOptions struct {
	Image ImageOptions
	// Digest selects an artifact (a unique prefix is enough); default newest.
	Digest string
	Stdout io.Writer
}

// Get prints the selected artifact's spec as stored, unless it holds
// characters a terminal would act on (which no valid YAML spec holds): then
// they are printed escaped, like everything else from a registry.
func Get(ctx context.Context, opts GetOptions) error {
	sub, err := openSubject(ctx, opts.Image)
	if err != nil {
		return err
	}
	a, err := sub.fetchSelected(ctx, opts.Digest)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(opts.Stdout, printable(a.Spec)); err != nil {
		return err
	}
	if !bytes.HasSuffix(a.Spec, []byte("\n")) {
		_, err = fmt.Fprintln(opts.Stdout)
	}
	return err
}

// fetchSelected lists, selects (newest or by digest) and fetches one artifact.
func (s *subject) fetchSelected(ctx context.Context, digest string) (*artifact.Artifact, error) {
	descs, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	if len(descs) == 0 {
		return nil, s.noArtifact()
	}
	d, err := artifact.Select(descs, digest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.img.Name, err)
	}
	a, err := artifact.Fetch(ctx, s.img.Store, d, s.desc)
	if err != nil {
		return nil, target.Explain(s.img, err)
	}
	return a, nil
}

// printable is the spec as stored when it is safe to print (CRLF line ends
// included), else with its control characters escaped.
func printable(b []byte) string {
	s := string(b)
	if lf := strings.ReplaceAll(s, "\r\n", "\n"); output.EscapeText(lf) == lf {
		return s
	}
	return output.EscapeText(s)
}
