package compatspec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// GetOptions are get-spec's inputs.
type GetOptions struct {
	Image target.ImageOptions
	// Digest selects an artifact (a unique prefix is enough); default newest.
	Digest string
	Stdout io.Writer
	// Log, set, hears the artifacts skipped on the way (listed, but gone).
	Log logrus.FieldLogger
}

// Get prints the selected artifact's spec as stored, unless it holds
// characters a terminal would act on (which no valid YAML spec holds): then
// they are printed escaped, like everything else from a registry.
func Get(ctx context.Context, opts GetOptions) error {
	img, err := opts.Image.Open(ctx)
	if err != nil {
		return err
	}
	l, err := artifact.Load(ctx, img, artifact.LoadOptions{
		Platform: opts.Image.Platform, SubjectOnly: true, Digest: opts.Digest, Raw: true, Log: opts.Log,
	})
	if err != nil {
		return err
	}
	data := l.Artifact.Spec
	if _, err := io.WriteString(opts.Stdout, printable(data)); err != nil {
		return err
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		_, err = fmt.Fprintln(opts.Stdout)
	}
	return err
}

// printable is the spec as stored when it is safe to print (CRLF line ends
// included), else with its control characters escaped.
func printable(b []byte) string {
	s := string(b)
	if lf := strings.ReplaceAll(s, "\r\n", "\n"); safetext.EscapeText(lf) == lf {
		return s
	}
	return safetext.EscapeText(s)
}
