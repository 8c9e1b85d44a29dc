package pull

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/transfer"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/sirupsen/logrus"
)

// Run checks the image against this host and, if the policy allows it,
// pulls it through containerd's transfer service. A refused image is
// returned as an error wrapping compat.ErrIncompatible,
// artifact.ErrNoArtifact or compat.ErrNoApplicableSet (exit 1 or 3), or
// the check's error (exit 2).
func Run(ctx context.Context, opts Options) error {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		opts.Log = l
	}
	if opts.Containerd.Namespace == "" {
		opts.Containerd.Namespace = namespaces.Default
	}
	img, err := parseRef(opts.Ref)
	if err != nil {
		return err
	}
	img.creds = newCredentials(img.domain, opts.Registry, opts.Log)

	c, err := connect(ctx, opts.Containerd)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx = namespaces.WithNamespace(ctx, opts.Containerd.Namespace)

	desc, err := img.resolve(ctx, opts.Registry)
	if err != nil {
		return err
	}
	o, err := check(ctx, opts, img, desc)
	if err != nil {
		return err
	}
	if !opts.Quiet || !o.Decision.Allow || o.Decision.Warn {
		if err := printOutcome(opts.Stdout, o); err != nil {
			return err
		}
	}
	if !o.Decision.Allow {
		return refusal(o)
	}

	var pf *progressPrinter
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	if !opts.Quiet {
		pf = newProgressPrinter(opts.Stdout, opts.TTY)
		go pf.run(pctx)
	}
	var progress transfer.ProgressFunc
	if pf != nil {
		progress = pf.update
	}
	start := time.Now()
	err = transferPull(ctx, c, img, desc, opts, progress)
	stop()
	if pf != nil {
		pf.finish()
	}
	if err != nil {
		return err
	}
	if opts.Quiet {
		_, err = fmt.Fprintln(opts.Stdout, img.name)
		return err
	}
	_, err = fmt.Fprintf(opts.Stdout, "pulled %s (%s) in %s\n", img.name, desc.Digest, time.Since(start).Round(time.Millisecond))
	return err
}

// connect opens the client and makes sure the daemon answers, so a wrong
// --address fails before any registry traffic.
func connect(ctx context.Context, c Containerd) (*client.Client, error) {
	cl, err := client.New(c.Address, client.WithDefaultNamespace(c.Namespace), client.WithTimeout(10*time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect to containerd at %s: %w (is it running? give its socket with --address or CONTAINERD_ADDRESS)", c.Address, err)
	}
	vctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cl.Version(vctx); err != nil {
		cl.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within 10s")
		}
		return nil, fmt.Errorf("containerd at %s: %w (is it running? give its socket with --address or CONTAINERD_ADDRESS)", c.Address, err)
	}
	return cl, nil
}
