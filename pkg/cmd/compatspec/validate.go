package compatspec

import (
	"context"
	"errors"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
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
	Image  *target.ImageOptions
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
		r, err := checkSpec(ctx, opts.FileName, opts.File)
		if err != nil {
			return err
		}
		rep.Results = []ValidateResult{r}
	} else {
		img, err := opts.Image.Open(ctx)
		if err != nil {
			return err
		}
		r, err := artifact.Resolve(ctx, img, artifact.LoadOptions{Platform: opts.Image.Platform, SubjectOnly: true})
		if err != nil {
			return err
		}
		rep.Subject = &r.Subjects[0]
		if rep.Results, err = checkArtifacts(ctx, r, opts.Digest); err != nil {
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

// checkArtifacts checks every artifact of r's subject, or the one digest
// selects; an artifact that breaks the format is a result, not an error.
func checkArtifacts(ctx context.Context, r *artifact.Resolved, digest string) ([]ValidateResult, error) {
	subject := r.Subjects[0]
	descs, err := r.List(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Image.Name, err)
	}
	if len(descs) == 0 {
		return nil, fmt.Errorf("%s (%s) has no compatibility artifact: attach one with `nfd-compat attach-spec`: %w", r.Image.Name, subject.Digest, artifact.ErrNoArtifact)
	}
	if digest != "" {
		d, err := artifact.Select(descs, digest)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Image.Name, err)
		}
		descs = []ocispec.Descriptor{d}
	}
	results := make([]ValidateResult, 0, len(descs))
	for _, d := range descs {
		a, err := r.Fetch(ctx, d, subject)
		if err != nil {
			if !errors.Is(err, artifact.ErrInvalidArtifact) {
				return nil, fmt.Errorf("%s: %w", r.Image.Name, err)
			}
			results = append(results, ValidateResult{Source: d.Digest.String(), Problems: []spec.Problem{{
				Path: "manifest", Severity: spec.SeverityError, Message: err.Error(),
			}}})
			continue
		}
		r, err := checkSpec(ctx, d.Digest.String(), a.Spec)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}

// checkSpec parses and validates one spec. A check cut short by ctx is an
// error, never a verdict: the spec is then not known to be valid.
func checkSpec(ctx context.Context, source string, data []byte) (ValidateResult, error) {
	_, problems, err := spec.ParseContext(ctx, data)
	if err != nil && !errors.Is(err, spec.ErrInvalid) {
		return ValidateResult{}, fmt.Errorf("%s: %w", source, err)
	}
	if problems == nil {
		problems = []spec.Problem{}
	}
	return ValidateResult{Source: source, Valid: err == nil, Problems: problems}, nil
}

func validateTable(w io.Writer, rep ValidateReport) error {
	for _, r := range rep.Results {
		state := "valid"
		if !r.Valid {
			state = "INVALID"
		}
		fmt.Fprintf(w, "%s: %s\n", safetext.Escape(r.Source), state)
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
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", line, p.Severity, safetext.Escape(p.Path), safetext.Escape(p.Message))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
