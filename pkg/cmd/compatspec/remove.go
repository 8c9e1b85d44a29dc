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
	Image target.ImageOptions
	// Digest selects one artifact (a unique prefix is enough).
	Digest string
	// All removes every compat artifact of the image.
	All    bool
	Output output.Format
	Stdout io.Writer
	// Stderr gets a warning for each listed entry that was skipped.
	Stderr io.Writer
}

// RemoveResult is what remove-spec prints with -o json|yaml.
type RemoveResult struct {
	Removed []ocispec.Descriptor `json:"removed"`
	// Skipped are entries the referrers list labels as compat artifacts of
	// the image that are not (see artifact.VerifyShape); they were kept.
	Skipped []Skipped `json:"skipped,omitempty"`
	// Dangling are entries whose manifest was already gone: dropped from
	// the referrers index, nothing deleted.
	Dangling []ocispec.Descriptor `json:"dangling,omitempty"`
}

// Skipped is a listed entry that was not deleted, and why.
type Skipped struct {
	Digest string `json:"digest"`
	Reason string `json:"reason"`
}

// Remove deletes compat artifacts of the image, never the image itself nor
// other referrers: each one is fetched and verified (artifact.Remove) before
// it is deleted. With several artifacts it needs Digest or All. An entry that
// is not a compat artifact of the image is skipped with a warning; that is an
// error when it is the one the user asked for (Digest, or the only one), and
// only a warning with All. Entries that could not be verified (fetch failed)
// are kept and make the command fail after the others are done.
func Remove(ctx context.Context, opts RemoveOptions) error {
	if opts.All && opts.Digest != "" {
		return errors.New("--all and --digest exclude each other: pick one")
	}
	sub, descs, err := openListed(ctx, opts.Image)
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
	// Asked for one: its error says why it was kept; with --all, a warning each.
	warn := opts.Stderr
	if !opts.All {
		warn = io.Discard
	}
	res, err := removeVerified(ctx, sub, targets, warn)
	if err == nil && !opts.All && len(res.Skipped) > 0 {
		err = fmt.Errorf("%s: %s is listed as a compatibility artifact of the image but is not one (%s), so nothing was removed (%s): %w",
			sub.img.Name, res.Skipped[0].Digest, res.Skipped[0].Reason, relabelHint, artifact.ErrNotCompatArtifact)
	}
	if res.Removed == nil {
		res.Removed = []ocispec.Descriptor{}
	}
	if opts.Output == output.Table || opts.Output == "" {
		for _, d := range res.Removed {
			fmt.Fprintf(opts.Stdout, "Removed %s\n", d.Digest)
		}
		for _, d := range res.Dangling {
			fmt.Fprintf(opts.Stdout, "Dropped dangling entry %s (its manifest was already gone) from the referrers index\n", d.Digest)
		}
	} else if encErr := output.Encode(opts.Stdout, opts.Output, res); encErr != nil {
		return errors.Join(err, encErr)
	}
	return err
}

// removeVerified removes those of descs that are compat artifacts of the
// subject, drops dangling entries (manifest gone) from the referrers index,
// and skips the others, warning on w for each. The error is for entries
// that could not be verified or deleted, and for another tool's concurrent
// change that a removal overwrote (artifact.ErrConcurrentWriteLost); it
// stops at the first delete the registry refuses, since the others would be
// refused too.
func removeVerified(ctx context.Context, sub *subject, descs []ocispec.Descriptor, w io.Writer) (RemoveResult, error) {
	if w == nil {
		w = io.Discard
	}
	var (
		res  RemoveResult
		errs []error
	)
	for _, d := range descs {
		if ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("stopped before %s: %w", d.Digest, target.Explain(sub.img, ctx.Err())))
			break
		}
		dangling, err := artifact.Remove(ctx, sub.img.Store, d, sub.desc)
		if errors.Is(err, artifact.ErrConcurrentWriteLost) {
			// Removed; what was lost is another tool's, said at the end.
			errs = append(errs, err)
			err = nil
		}
		var del *artifact.DeleteError
		switch {
		case err == nil && dangling:
			res.Dangling = append(res.Dangling, d)
		case err == nil:
			res.Removed = append(res.Removed, d)
		case errors.Is(err, artifact.ErrNotCompatArtifact):
			reason := strings.TrimPrefix(err.Error(), "refusing to delete "+d.Digest.String()+": ")
			reason = strings.TrimPrefix(reason, d.Digest.String()+": ")
			s := Skipped{Digest: d.Digest.String(), Reason: strings.TrimSuffix(reason, ": "+artifact.ErrNotCompatArtifact.Error())}
			if d.Digest.Validate() != nil {
				s.Digest = fmt.Sprintf("%q", d.Digest)
			}
			res.Skipped = append(res.Skipped, s)
			fmt.Fprintf(w, "Skipped %s, not deleted: %s\n", s.Digest, s.Reason)
		default:
			if refused := deleteRefused(sub, d, err); refused != nil {
				return res, errors.Join(append(errs, refused)...)
			}
			if errors.As(err, &del) {
				errs = append(errs, target.Explain(sub.img, err))
				continue
			}
			errs = append(errs, fmt.Errorf("kept %s, it could not be verified as a compatibility artifact of the image: %w", d.Digest, target.Explain(sub.img, err)))
		}
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(w, "Kept %d manifest(s) that the referrers list of %s labels as compatibility artifacts but that are not (%s)\n",
			len(res.Skipped), sub.img.Name, relabelHint)
	}
	return res, errors.Join(errs...)
}

// relabelHint says where a wrong label can come from.
const relabelHint = "without the referrers API, the list is the image's sha256-<hex> tag, which any tool with push rights can rewrite"

// deleteRefused is the error for a registry that refused a delete (deletes
// disabled or not allowed), or nil for any other error.
func deleteRefused(sub *subject, d ocispec.Descriptor, err error) error {
	var del *artifact.DeleteError
	if !errors.As(err, &del) {
		return nil
	}
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized) {
		return fmt.Errorf("%s refused to delete %s: it answered %d %s (%s); enable deletes on the registry (distribution: storage.delete.enabled: true) or ask its operator",
			sub.img.Location, d.Digest, resp.StatusCode, http.StatusText(resp.StatusCode), resp.Errors.Error())
	}
	return nil
}

func digestList(descs []ocispec.Descriptor) string {
	var b strings.Builder
	for _, d := range descs {
		fmt.Fprintf(&b, "  %s  %s\n", d.Digest, createdString(d))
	}
	return strings.TrimSuffix(b.String(), "\n")
}
