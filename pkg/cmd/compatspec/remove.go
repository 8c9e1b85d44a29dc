package compatspec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// RemoveOptions are remove-spec's inputs.
type RemoveOptions struct {
	Image ImageOptions
	// Digest selects one artifact (a unique prefix is enough).
	Digest string
	// All removes every compat artifact of the image.
	All    bool
	Output output.Format
	Stdout io.Writer
}

// RemoveResult is what remove-spec prints with -o json|yaml.
type RemoveResult struct {
	Removed []ocispec.Descriptor `json:"removed"`
	// Dangling are entries whose manifest was already gone: dropped from
	// the referrers index, nothing deleted.
	Dangling []ocispec.Descriptor `json:"dangling,omitempty"`
}

// Remove deletes compat artifacts of the image, never the image itself nor
// other referrers. With several artifacts it needs Digest or All.
func Remove(ctx context.Context, opts RemoveOptions) error {
	if opts.All && opts.Digest != "" {
		return errors.New("--all and --digest exclude each other: pick one")
	}
	sub, err := openSubject(ctx, opts.Image)
	if err != nil {
		return err
	}
	descs, err := sub.list(ctx)
	if err != nil {
		return err
	}
	if len(descs) == 0 {
		return sub.noArtifact()
	}
	var targets []ocispec.Descriptor
	switch {
	case opts.All:
		targets = descs
	case opts.Digest != "":
		d, err := artifact.Select(descs, opts.Digest)
		if err != nil {
			return fmt.Errorf("%s: %w", sub.img.Name, err)
		}
		targets = []ocispec.Descriptor{d}
	case len(descs) == 1:
		targets = descs
	default:
		return fmt.Errorf("%s has %d compatibility artifacts; choose one with --digest, or remove them all with --all:\n%s: %w",
			sub.img.Name, len(descs), digestList(descs), artifact.ErrAmbiguous)
	}
	var res RemoveResult
	var lost []error // removed, but another tool's concurrent change was overwritten
	for _, d := range targets {
		dangling, err := removeOne(ctx, sub, d)
		if errors.Is(err, artifact.ErrConcurrentWriteLost) {
			lost = append(lost, err)
		} else if err != nil {
			return err
		}
		msg := "Removed %s\n"
		if dangling {
			res.Dangling = append(res.Dangling, d)
			msg = "Dropped dangling entry %s (its manifest was already gone) from the referrers index\n"
		} else {
			res.Removed = append(res.Removed, d)
		}
		if opts.Output == output.Table || opts.Output == "" {
			fmt.Fprintf(opts.Stdout, msg, d.Digest)
		}
	}
	if opts.Output != output.Table && opts.Output != "" {
		if err := output.Encode(opts.Stdout, opts.Output, res); err != nil {
			return err
		}
	}
	return errors.Join(lost...)
}

// removeOne removes d and reports whether it was a dangling entry (only
// dropped from the referrers index).
func removeOne(ctx context.Context, sub *subject, d ocispec.Descriptor) (bool, error) {
	dangling, err := artifact.Remove(ctx, sub.img.Store, sub.desc, d)
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized) {
		return false, fmt.Errorf("%s refused to delete %s: it answered %d %s (%s); enable deletes on the registry (distribution: storage.delete.enabled: true) or ask its operator",
			sub.img.Location, d.Digest, resp.StatusCode, http.StatusText(resp.StatusCode), resp.Errors.Error())
	}
	return dangling, target.Explain(sub.img, err)
}

func digestList(descs []ocispec.Descriptor) string {
	var b strings.Builder
	for _, d := range descs {
		fmt.Fprintf(&b, "  %s  %s\n", d.Digest, createdString(d))
	}
	return strings.TrimSuffix(b.String(), "\n")
}
