package pull

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/log"
	"github.com/containerd/nerdctl/v2/pkg/api/types"
	"github.com/containerd/nerdctl/v2/pkg/imgutil"
	"github.com/containerd/platforms"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// ErrTagMoved is returned (wrapped) when the registry served another image
// for the tag to nerdctl's pull than to the check.
var ErrTagMoved = errors.New("the tag moved between the check and the pull")

// Run checks the image against this host and, if the policy allows it,
// pulls it with nerdctl's own pull (pkg/imgutil.EnsureImage, the code
// `nerdctl pull` and `nerdctl run` run). A refused image is returned as an error wrapping
// compat.ErrIncompatible, artifact.ErrNoArtifact or
// compat.ErrNoApplicableSet (exit 1 or 3), or the check's error (exit 2).
func Run(ctx context.Context, opts Options) error {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		opts.Log = l
	}
	if opts.Containerd.Namespace == "" {
		opts.Containerd.Namespace = namespaces.Default
	}
	ref, err := target.ParseReference(opts.Ref)
	if err != nil {
		return err
	}
	// The name containerd stores the image under, as nerdctl pulls it.
	name := ref.DockerRef()

	c, err := connect(ctx, opts.Containerd)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx = namespaces.WithNamespace(ctx, opts.Containerd.Namespace)
	ctx = withLogger(ctx, opts.Log)

	desc, topts, err := resolve(ctx, name, opts.Registry)
	if err != nil {
		return err
	}
	o, err := check(ctx, opts, name, topts, desc)
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

	start := time.Now()
	ensured, err := imgutil.EnsureImage(ctx, c, name, nerdctlOptions(opts, topts))
	if err != nil {
		return fmt.Errorf("nerdctl pull of %s: %w", name, err)
	}
	if got := ensured.Image.Target().Digest; got != desc.Digest {
		// nerdctl resolves the tag again (in the daemon); the image it
		// stored is not the one checked. A containerd with our verifier
		// checked it, one without did not: remove it either way.
		if err := c.ImageService().Delete(ctx, ensured.Image.Name()); err != nil {
			return fmt.Errorf("%s: checked %s, pulled %s: %w; removing the pulled image failed: %v", name, desc.Digest, got, ErrTagMoved, err)
		}
		return fmt.Errorf("%s: checked %s, pulled %s: %w (removed it; pull again, or pull by digest)", name, desc.Digest, got, ErrTagMoved)
	}
	if opts.Quiet {
		_, err = fmt.Fprintln(opts.Stdout, name)
		return err
	}
	_, err = fmt.Fprintf(opts.Stdout, "pulled %s (%s) in %s\n", name, desc.Digest, time.Since(start).Round(time.Millisecond))
	return err
}

// nerdctlOptions are `nerdctl pull`'s options for this pull: one platform
// (the check's), always pulled, hosts.toml
// roots with the registry's first (nerdctl's transfer path reads only the
// first). nerdctl has no --plain-http: it is --insecure-registry, which
// tries HTTPS without verification and then plain HTTP.
func nerdctlOptions(opts Options, topts target.Options) types.ImagePullOptions {
	platform := platforms.DefaultSpec()
	if opts.Platform != nil {
		platform = *opts.Platform
	}
	return types.ImagePullOptions{
		Stdout: opts.Stdout,
		Stderr: safetext.NewWriter(opts.Stderr, opts.StderrTTY),
		GOptions: types.GlobalCommandOptions{
			Address:          opts.Containerd.Address,
			Namespace:        opts.Containerd.Namespace,
			Snapshotter:      opts.Snapshotter,
			HostsDir:         filepath.SplitList(topts.HostsDir),
			InsecureRegistry: opts.Registry.Insecure || opts.Registry.PlainHTTP,
		},
		Unpack:          opts.Unpack.nerdctl(),
		OCISpecPlatform: []ocispec.Platform{platform},
		Mode:            "always",
		Quiet:           opts.Quiet,
	}
}

// withLogger sends containerd's and nerdctl's log lines (log.G(ctx)) to
// the command's logger.
func withLogger(ctx context.Context, l logrus.FieldLogger) context.Context {
	switch l := l.(type) {
	case *logrus.Logger:
		return log.WithLogger(ctx, logrus.NewEntry(l))
	case *logrus.Entry:
		return log.WithLogger(ctx, l)
	}
	return ctx
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
