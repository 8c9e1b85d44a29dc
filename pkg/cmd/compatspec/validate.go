package compatspec

import (
	"context"
	"errors"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// ValidateOptions are validate-spec's inputs: a spec file, or an image whose
// compat artifacts are checked (all of them, or the one Digest names).
type ValidateOptions struct {
	// File is the spec's content and FileName its name, in file mode.
	File     []byte
	FileName string
	// Image is set in image mode.
	Image  *ImageOptions
	Digest string
	Output output.Format
	Stdout io.Writer
}

// ValidateResult is one checked spec.
type ValidateResult struct {
	// Source is the file name or the artifact digest.
	Source   string         `json:"source"`
	Valid    bool           `json:"valid"`
	Problems []spec.Problem `json:"problems"`
}

// ValidateReport is what validate-spec prints with -o json|yaml.
type ValidateReport struct {
	Valid   bool                `json:"valid"`
	Subject *ocispec.Descriptor `json:"subject,omitempty"`
	Results []ValidateResult    `json:"results"`
}

// Validate checks a spec file or an image's compat artifacts and prints every
// problem. It returns an error wrapping spec.ErrInvalid when any is invalid.
func Validate(ctx context.Context, opts ValidateOptions) error {
	var rep ValidateReport
	if opts.Image == nil {
		rep.Results = []ValidateResult{checkSpec(opts.FileName, opts.File)}
	} else {
		sub, err := openSubject(ctx, *opts.Image)
		if err != nil {
			return err
		}
		rep.Subject = &sub.desc
		if rep.Results, err = checkArtifacts(ctx, sub, opts.Digest); err != nil {
			return err
		}
	}
	rep.Valid = true
	invalid := 0
	for _, r := range rep.Results {
		if !r.Valid {
			rep.Valid = false
			invalid++
		}
	}
	if opts.Output == output.Table || opts.Output == "" {
		if err := validateTable(opts.Stdout, rep); err != nil {
			return err
		}
	} else if err := output.Encode(opts.Stdout, opts.Output, rep); err != nil {
		return err
	}
	if !rep.Valid {
		return fmt.Errorf("%d of %d specs invalid: %w", invalid, len(rep.Results), spec.ErrInvalid)
	}
	return nil
}

func checkArtifacts(ctx context.Context, sub *subject, digest string) ([]ValidateResult, error) {
	descs, err := sub.list(ctx)
	if err != nil {
		return nil, err
	}
	if len(descs) == 0 {
		return nil, sub.noArtifact()
	}
	if digest != "" {
		d, err := artifact.Select(descs, digest)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sub.img.Name, err)
		}
		descs = []ocispec.Descriptor{d}
	}
	results := make([]ValidateResult, 0, len(descs))
	for _, d := range descs {
		a, err := artifact.Fetch(ctx, sub.img.Store, d, sub.desc)
		if err != nil {
			if !errors.Is(err, artifact.ErrInvalidArtifact) {
				return nil, target.Explain(sub.img, err)
			}
			results = append(results, ValidateResult{Source: d.Digest.String(), Problems: []spec.Problem{{
				Path: "manifest", Severity: spec.SeverityError, Message: err.Error(),
			}}})
			continue
		}
		results = append(results, checkSpec(d.Digest.String(), a.Spec))
	}
	return results, nil
}

func checkSpec(source string, data []byte) ValidateResult {
	_, problems, err := spec.Parse(data)
	if problems == nil {
		problems = []spec.Problem{}
	}
	return ValidateResult{Source: source, Valid: err == nil, Problems: problems}
}

func validateTable(w io.Writer, rep ValidateReport) error {
	for _, r := range rep.Results {
		state := "valid"
		if !r.Valid {
			state = "INVALID"
		}
		fmt.Fprintf(w, "%s: %s\n", output.Escape(r.Source), state)
		if len(r.Problems) == 0 {
			continue
		}
		tw := output.NewTable(w)
		fmt.Fprintln(tw, "  LINE\tSEVERITY\tPATH\tPROBLEM")
		for _, p := range r.Problems {
			line := "-"
			if p.Line > 0 {
				line = fmt.Sprint(p.Line)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", line, p.Severity, output.Escape(p.Path), output.Escape(p.Message))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
