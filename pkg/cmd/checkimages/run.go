package checkimages

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// Run checks every image and prints one row per image. It returns an
// error wrapping compat.ErrIncompatible when any image is
// incompatible with this host.
func Run(ctx context.Context, opts Options) error {
	if opts.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		opts.Log = l
	}
	rows, err := Check(ctx, opts)
	if err != nil {
		return err
	}
	if err := render(opts.Stdout, opts.Output, rows); err != nil {
		return err
	}
	n := 0
	for _, r := range rows {
		if r.Verdict == policy.Incompatible {
			n++
		}
	}
	if n > 0 {
		return fmt.Errorf("%d of %d images incompatible with this host: %w", n, len(rows), compat.ErrIncompatible)
	}
	return nil
}

// image is one image to check.
type image struct {
	namespace string
	img       client.Image
}

// Check lists the images and checks each; rows are sorted by namespace
// and name.
func Check(ctx context.Context, opts Options) ([]Row, error) {
	c, err := client.New(opts.Address, client.WithTimeout(10*time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect to containerd at %s: %w (give its socket with --address or CONTAINERD_ADDRESS)", opts.Address, err)
	}
	defer c.Close()
	nss := []string{opts.Namespace}
	if opts.AllNamespaces {
		if nss, err = c.NamespaceService().List(ctx); err != nil {
			return nil, fmt.Errorf("list containerd namespaces at %s: %w", opts.Address, err)
		}
	}
	var images []image
	for _, ns := range nss {
		imgs, err := c.ListImages(namespaces.WithNamespace(ctx, ns))
		if err != nil {
			return nil, fmt.Errorf("list images of namespace %s: %w", ns, err)
		}
		for _, img := range imgs {
			images = append(images, image{namespace: ns, img: img})
		}
	}
	slices.SortFunc(images, func(a, b image) int {
		return strings.Compare(a.namespace+"\x00"+a.img.Name(), b.namespace+"\x00"+b.img.Name())
	})
	v, err := newVerifier(opts)
	if err != nil {
		return nil, err
	}
	return checkAll(ctx, v, images, opts.Parallel), nil
}

func newVerifier(opts Options) (*verifier.Verifier, error) {
	pol := policy.Default()
	if opts.Policy != nil {
		p := *opts.Policy
		pol = &p
	}
	if pol.Mode == policy.ModeOff {
		pol.Mode = policy.ModeWarn
	}
	return verifier.New(verifier.Options{
		Policy:   pol,
		Target:   opts.Target,
		Discover: opts.Discover,
		Log:      opts.Log,
		Audit:    io.Discard,
	})
}

func checkAll(ctx context.Context, v *verifier.Verifier, images []image, parallel int) []Row {
	if parallel <= 0 {
		parallel = 4
	}
	rows := make([]Row, len(images))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel, len(images)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				rows[i] = checkOne(ctx, v, images[i])
			}
		}()
	}
	for i := range images {
		work <- i
	}
	close(work)
	wg.Wait()
	return rows
}

func checkOne(ctx context.Context, v *verifier.Verifier, im image) Row {
	name, desc := im.img.Name(), im.img.Target()
	r := Row{Namespace: im.namespace, Image: name, Digest: desc.Digest.String()}
	// CRI also stores images under their bare ID ("sha256:…"): no
	// registry to find artifacts in.
	if strings.HasPrefix(name, "sha256:") {
		r.Verdict, r.Why = policy.Skipped, "an image ID, not a registry name"
		return r
	}
	o := v.Decide(ctx, name, desc)
	r.Verdict, r.Artifact, r.Failed, r.Why = o.Verdict, o.Artifact, o.Failed, o.Why
	if o.Report != nil && o.Report.Compatible {
		r.BestSet = o.Report.BestSet
	}
	if o.Err != nil {
		r.Error = o.Err.Error()
	}
	return r
}

func render(w io.Writer, format output.Format, rows []Row) error {
	if format == output.JSON || format == output.YAML {
		if rows == nil {
			rows = []Row{}
		}
		return output.Encode(w, format, rows)
	}
	tw := output.NewTable(w)
	fmt.Fprintln(tw, "NAMESPACE\tIMAGE\tDIGEST\tVERDICT\tDETAILS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", safetext.Escape(r.Namespace), safetext.Escape(r.Image), safetext.Escape(shortDigest(r.Digest)), r.Verdict, safetext.Escape(details(r)))
	}
	return tw.Flush()
}

func details(r Row) string {
	switch {
	case r.Error != "":
		return r.Error
	case r.Why != "":
		return r.Why
	case len(r.Failed) > 0:
		return strings.Join(r.Failed, " | ")
	case r.BestSet != nil:
		s := fmt.Sprintf("best set #%d", r.BestSet.Index)
		if r.BestSet.Tag != "" {
			s += " " + r.BestSet.Tag
		}
		return s
	case r.Verdict == policy.Missing:
		return "no compatibility artifact"
	}
	return ""
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}
