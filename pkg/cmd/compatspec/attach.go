package compatspec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// AttachOptions are attach-spec's inputs.
type AttachOptions struct {
	Image target.ImageOptions
	// Spec is the spec file's content; SpecName names it in messages.
	Spec     []byte
	SpecName string
	Format   artifact.Format
	// Annotations are added to the artifact manifest.
	Annotations map[string]string
	// Replace removes the image's older compat artifacts once the new one is
	// pushed and listed; each is verified first, and listed entries that are
	// not compat artifacts of the image are kept with a warning.
	Replace bool
	// Created overrides the creation time (tests); zero means now.
	Created time.Time
	Output  output.Format
	Stdout  io.Writer
	Stderr  io.Writer
}

// AttachResult is what attach-spec prints with -o json|yaml.
type AttachResult struct {
	Artifact ocispec.Descriptor   `json:"artifact"`
	Subject  ocispec.Descriptor   `json:"subject"`
	Removed  []ocispec.Descriptor `json:"removed,omitempty"`
	// Skipped are listed entries that --replace kept because they are not
	// compat artifacts of the image.
	Skipped []Skipped `json:"skipped,omitempty"`
}

// Attach validates the spec, then pushes it as a compat artifact of the image.
// An invalid spec is never pushed.
func Attach(ctx context.Context, opts AttachOptions) error {
	if len(opts.Spec) > spec.MaxSpecSize {
		return fmt.Errorf("%s is %d bytes, over the %d byte limit of a spec", opts.SpecName, len(opts.Spec), spec.MaxSpecSize)
	}
	_, problems, err := spec.ParseContext(ctx, opts.Spec)
	if err != nil {
		return fmt.Errorf("%s: %w (nothing was pushed)", opts.SpecName, err)
	}
	printWarnings(opts.Stderr, opts.SpecName, problems)
	if _, err := opts.Format.ArtifactType(); err != nil {
		return err
	}
	sub, err := openSubject(ctx, opts.Image)
	if err != nil {
		return err
	}
	desc, err := artifact.Attach(ctx, sub.img.Store, sub.desc, opts.Spec, artifact.AttachOptions{
		Format: opts.Format, Annotations: opts.Annotations, Created: opts.Created,
	})
	// Attached and listed, but another tool's concurrent change was
	// overwritten: go on, and say so (exit non-zero) at the end.
	var lost error
	if errors.Is(err, artifact.ErrConcurrentWriteLost) {
		lost, err = err, nil
	}
	if err != nil {
		return target.Explain(sub.img, err)
	}
	res := AttachResult{Artifact: desc, Subject: sub.desc}
	if opts.Replace {
		if res.Removed, res.Skipped, err = replaceOlder(ctx, sub, desc, opts.Stderr); err != nil {
			return err
		}
	}
	if opts.Output == output.Table || opts.Output == "" {
		for _, d := range res.Removed {
			fmt.Fprintf(opts.Stderr, "Removed older compatibility artifact %s\n", d.Digest)
		}
		if _, err := fmt.Fprintln(opts.Stdout, desc.Digest); err != nil {
			return err
		}
	} else if err := output.Encode(opts.Stdout, opts.Output, res); err != nil {
		return err
	}
	return lost
}

// replaceOlder removes the subject's other compat artifacts, but only after
// the new one is listed: a registry that lost the push must not lose the old
// spec too. Each is verified before it is deleted (see removeVerified); a
// listed entry that is not a compat artifact of the image is kept with a
// warning on w.
func replaceOlder(ctx context.Context, sub *subject, pushed ocispec.Descriptor, w io.Writer) ([]ocispec.Descriptor, []Skipped, error) {
	descs, err := sub.list(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("pushed %s, but could not list artifacts to replace older ones (nothing removed): %w", pushed.Digest, err)
	}
	found := false
	older := make([]ocispec.Descriptor, 0, len(descs))
	for _, d := range descs {
		if d.Digest == pushed.Digest {
			found = true
			continue
		}
		older = append(older, d)
	}
	if !found {
		return nil, nil, fmt.Errorf("pushed %s, but %s does not list it among the image's referrers yet; older artifacts were kept", pushed.Digest, sub.img.Location)
	}
	res, err := removeVerified(ctx, sub, older, w)
	if err != nil {
		err = fmt.Errorf("pushed %s, but not every older artifact was removed: %w", pushed.Digest, err)
	}
	return append(res.Removed, res.Dangling...), res.Skipped, err
}

func printWarnings(w io.Writer, name string, problems []spec.Problem) {
	for _, p := range problems {
		if p.Severity == spec.SeverityWarning {
			fmt.Fprintf(w, "%s: %s\n", safetext.Escape(name), safetext.Escape(p.String()))
		}
	}
}
