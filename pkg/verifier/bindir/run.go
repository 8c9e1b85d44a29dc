package bindir

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/target"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// Run is the containerd bindir verifier protocol
// (containerd's docs/image-verification.md): flags -name, -digest, -stdin-media-type,
// the image descriptor as JSON on stdin; the reason on stdout; the exit code
// (ExitAllow, ExitRefuse) is returned. The policy is read on every call
// with policy.Load from policy.ConfigFile (the file named by
// $NFD_COMPAT_CONFIG, else /etc/containerd/config.toml, whose absence means
// the defaults). Unknown keys are logged warnings; a stanza with bad values
// is decided as policy.Decide says (enforce mode fails closed, excluded
// images and warn/off mode are never refused), exactly as in the in-process
// plugin. Only a config file that cannot be read at all (not TOML, a
// missing named file or import) refuses every pull, with the problem as the
// reason: nothing is known of its mode or exclusions.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	l := logrus.New()
	l.SetOutput(stderr)
	l.SetLevel(logrus.InfoLevel)
	refuse := func(format string, a ...any) int {
		// The reason reaches ctr and kubelet events: -name and errors are
		// not trusted to be free of credentials and control characters.
		msg := "nfd-compat: " + safetext.Line(fmt.Sprintf(format, a...))
		l.Error(msg)
		fmt.Fprintln(stdout, msg)
		return ExitRefuse
	}

	fs := flag.NewFlagSet("nfd-compat-verifier", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the parse error is refuse's reason, escaped; -h prints fs.Usage
	name := fs.String("name", "", "the image reference containerd is pulling")
	dgst := fs.String("digest", "", "the digest the reference resolved to")
	mediaType := fs.String("stdin-media-type", "", "media type of stdin (containerd sends "+ocispec.MediaTypeDescriptor+")")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: nfd-compat-verifier -name REF -digest DIGEST -stdin-media-type %s < descriptor.json\n\n"+
			"A containerd image verifier (io.containerd.image-verifier.v1.bindir): exits 0 to allow the pull, 1 to refuse it,\n"+
			"and prints the reason. Policy: [plugins.%q] in $%s or %s.\n\n", ocispec.MediaTypeDescriptor, policy.PluginURI, policy.ConfigEnv, policy.DefaultConfigFile)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return ExitUsage
	} else if err != nil {
		return refuse("bad arguments: %v (containerd calls verifiers with -name, -digest and -stdin-media-type)", err)
	}
	if *name == "" {
		return refuse("no -name given: containerd passes the image reference with -name")
	}

	pol, err := loadPolicy(getenv, l)
	if err != nil {
		return refuse("cannot read the policy, refusing %s: %v (fix it; `nfd-compat doctor` checks it)", *name, err)
	}
	desc, derr := readDescriptor(stdin, *mediaType, *dgst)
	if derr != nil {
		l.WithError(derr).Warn("nfd-compat: using -digest alone; an index is then checked by its own referrers only")
	}
	v, err := verifier.New(verifier.Options{Policy: pol, Log: l, Target: target.Options{DockerConfig: verifier.DockerConfigPath(getenv)},
		Observer: &metrics.Textfile{Dir: pol.CacheDir, Log: l}})
	if err != nil {
		return refuse("%v", err)
	}
	j, err := v.Judge(ctx, *name, desc)
	if err != nil {
		return refuse("%v", err)
	}
	fmt.Fprintln(stdout, j.Reason)
	if j.OK {
		return ExitAllow
	}
	return ExitRefuse
}

// loadPolicy reads the policy, logging unknown keys and bad values; the
// error is only for a config that could not be read at all.
func loadPolicy(getenv func(string) string, l logrus.FieldLogger) (*policy.Policy, error) {
	pol, src, err := policy.Load(policy.ConfigFile("", getenv))
	verifier.LogPolicyProblems(l, src, err)
	if pol == nil {
		return nil, err
	}
	return pol, nil
}
