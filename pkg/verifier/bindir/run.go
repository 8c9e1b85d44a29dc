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
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
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
//
// Run makes a new Verifier for the call (the one-shot verifier);
// Resident.Run is the same protocol with one long-lived Verifier.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return run(ctx, args, stdin, stdout, stderr, getenv, oneShot{})
}

// verifiers gives a call its policy and its Verifier: oneShot reads and
// makes them for the call, Resident keeps them across calls.
type verifiers interface {
	// policy returns the policy of this call, its problems logged to l;
	// the error is only for a config that could not be read at all.
	policy(getenv func(string) string, l logrus.FieldLogger) (*policy.Policy, error)
	// verifier returns a Verifier deciding by pol.
	verifier(pol *policy.Policy, getenv func(string) string, l logrus.FieldLogger) (*verifier.Verifier, error)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, vs verifiers) int {
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

	var a wire.Args
	fs := a.FlagSet()
	fs.SetOutput(io.Discard) // the parse error is refuse's reason, escaped; -h prints fs.Usage
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
	if a.Name == "" {
		return refuse("no -name given: containerd passes the image reference with -name")
	}

	pol, err := vs.policy(getenv, l)
	if err != nil {
		return refuse("cannot read the policy, refusing %s: %v (fix it; `nfd-compat doctor` checks it)", a.Name, err)
	}
	desc, derr := readDescriptor(stdin, a.MediaType, a.Digest)
	if derr != nil {
		l.WithError(derr).Warn("nfd-compat: using -digest alone; an index is then checked by its own referrers only")
	}
	v, err := vs.verifier(pol, getenv, l)
	if err != nil {
		return refuse("%v", err)
	}
	j, err := v.Judge(verifier.WithLog(ctx, l), a.Name, desc)
	if err != nil {
		return refuse("%v", err)
	}
	fmt.Fprintln(stdout, j.Reason)
	if j.OK {
		return ExitAllow
	}
	return ExitRefuse
}

// oneShot reads the policy and makes a Verifier on every call.
type oneShot struct{}

func (oneShot) policy(getenv func(string) string, l logrus.FieldLogger) (*policy.Policy, error) {
	return loadPolicy(getenv, l)
}

func (oneShot) verifier(pol *policy.Policy, getenv func(string) string, l logrus.FieldLogger) (*verifier.Verifier, error) {
	return newVerifier(pol, getenv, l)
}

// newVerifier is the Verifier of a policy, credentials from getenv's
// docker config, metrics in cache_dir's textfile.
func newVerifier(pol *policy.Policy, getenv func(string) string, l logrus.FieldLogger) (*verifier.Verifier, error) {
	return verifier.New(verifier.Options{Policy: pol, Log: l, Target: target.Options{DockerConfig: verifier.DockerConfigPath(getenv)},
		Observer: &metrics.Textfile{Dir: pol.CacheDir, Log: l}})
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
