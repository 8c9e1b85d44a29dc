package compatspec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// ListOptions are list-specs' inputs.
type ListOptions struct {
	Image  target.ImageOptions
	Output output.Format
	Stdout io.Writer
}

// ListEntry describes one compat artifact; list-specs prints one per artifact.
type ListEntry struct {
	Digest       string     `json:"digest"`
	Created      string     `json:"created,omitempty"`
	ArtifactType string     `json:"artifactType"`
	Size         int64      `json:"size"`
	Sets         []SetBrief `json:"sets,omitempty"`
	// Error says why the artifact's spec could not be read, if it could not.
	Error string `json:"error,omitempty"`
	// Dangling means the referrers list names a manifest the registry no
	// longer has (an interrupted or concurrent write); readers skip it and
	// `remove-spec --digest` drops it from the list.
	Dangling bool `json:"dangling,omitempty"`
}

// SetBrief is a compatibility set's tag and weight.
type SetBrief struct {
	Tag    string `json:"tag,omitempty"`
	Weight int    `json:"weight"`
}

// ListResult is what list-specs prints with -o json|yaml.
type ListResult struct {
	Subject   ocispec.Descriptor `json:"subject"`
	Artifacts []ListEntry        `json:"artifacts"`
}

// List prints the image's compat artifacts, newest first.
func List(ctx context.Context, opts ListOptions) error {
	sub, descs, err := openListed(ctx, opts.Image)
	if err != nil {
		return err
	}
	res := ListResult{Subject: sub.desc, Artifacts: make([]ListEntry, 0, len(descs))}
	for _, d := range descs {
		res.Artifacts = append(res.Artifacts, describe(ctx, sub, d))
	}
	if opts.Output != output.Table && opts.Output != "" {
		if err := output.Encode(opts.Stdout, opts.Output, res); err != nil {
			return err
		}
	} else if len(descs) > 0 {
		// No header over nothing: the exit-3 error says it all.
		if err := listTable(opts.Stdout, res); err != nil {
			return err
		}
	}
	if len(descs) == 0 {
		return sub.noArtifact()
	}
	return nil
}

// describe reads an artifact's spec for its sets; a broken artifact is still
// listed, with the reason, so it can be found and removed.
func describe(ctx context.Context, sub *subject, d ocispec.Descriptor) ListEntry {
	e := ListEntry{Digest: d.Digest.String(), Created: createdString(d), ArtifactType: d.ArtifactType, Size: d.Size}
	a, err := artifact.Fetch(ctx, sub.img.Store, d, sub.desc)
	if errors.Is(err, artifact.ErrDangling) {
		e.Dangling = true
		e.Error = fmt.Sprintf("dangling: listed, but the manifest is gone; drop it with `remove-spec --digest %s`", d.Digest)
		return e
	}
	if err != nil {
		e.Error = target.Explain(sub.img, err).Error()
		return e
	}
	s, _, err := spec.Parse(a.Spec)
	if s == nil {
		e.Error = err.Error()
		return e
	}
	if err != nil {
		e.Error = "invalid spec: run validate-spec for details"
	}
	for _, c := range s.Compatibilties {
		e.Sets = append(e.Sets, SetBrief{Tag: c.Tag, Weight: c.Weight})
	}
	return e
}

func listTable(w io.Writer, res ListResult) error {
	tw := output.NewTable(w)
	fmt.Fprintln(tw, "DIGEST\tCREATED\tARTIFACT TYPE\tSIZE\tSETS (TAG:WEIGHT)")
	for _, e := range res.Artifacts {
		sets := make([]string, 0, len(e.Sets))
		for _, s := range e.Sets {
			tag := s.Tag
			if tag == "" {
				tag = "-"
			}
			sets = append(sets, fmt.Sprintf("%s:%d", tag, s.Weight))
		}
		col := strings.Join(sets, ",")
		switch {
		case e.Dangling:
			col = e.Error
		case e.Error != "":
			col = "error: " + e.Error
		}
		created := e.Created
		if created == "" {
			created = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", safetext.Escape(e.Digest), safetext.Escape(created), safetext.Escape(e.ArtifactType), e.Size, safetext.Escape(col))
	}
	return tw.Flush()
}

func createdString(d ocispec.Descriptor) string {
	if t, ok := artifact.Created(d); ok {
		return t.UTC().Format(time.RFC3339)
	}
	return ""
}
