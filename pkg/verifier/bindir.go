package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// BinDir exit codes: containerd allows the pull on 0 and refuses it on
// anything else.
const (
	ExitAllow  = 0
	ExitRefuse = 1
	// ExitUsage answers -h (containerd never passes it; non-zero anyway).
	ExitUsage = 2
)

// maxDescriptor bounds the descriptor read from stdin.
const maxDescriptor = 1 << 20

// RunBinDir is the containerd bindir verifier protocol
// (docs/image-verification.md): flags -name, -digest, -stdin-media-type,
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
func RunBinDir(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	l := logrus.New()
	l.SetOutput(stderr)
	l.SetLevel(logrus.InfoLevel)
	refuse := func(format string, a ...any) int {
		// The reason reaches ctr and kubelet events: -name and errors are
		// not trusted to be free of credentials and control characters.
		msg := "nfd-compat: " + safetext.Escape(safetext.Redact(fmt.Sprintf(format, a...)))
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
	v, err := New(Options{Policy: pol, Log: l, Target: target.Options{DockerConfig: DockerConfigPath(getenv)},
		Observer: &metrics.Textfile{Dir: pol.CacheDir, Log: l}})
	if err != nil {
		return refuse("%v", err)
	}
	j, err := v.Verify(ctx, *name, desc)
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
	LogPolicyProblems(l, src, err)
	if pol == nil {
		return nil, err
	}
	return pol, nil
}

// LogPolicyProblems logs what policy.Load found: unknown keys as warnings,
// bad values as an error saying what the verifier does about them. The
// bindir executable and the in-process plugin log the same lines.
func LogPolicyProblems(l logrus.FieldLogger, src *policy.Source, err error) {
	if src != nil {
		for _, w := range src.Warnings {
			l.Warn("nfd-compat: " + w)
		}
	}
	if errors.Is(err, policy.ErrInvalid) {
		l.WithError(err).Error("nfd-compat: invalid policy, bad keys at their defaults: in enforce mode every checked pull is refused, in warn mode pulls are only warned about; excluded images always pass (fix it; `nfd-compat doctor` checks it)")
	}
}

// readDescriptor reads the descriptor containerd sends on stdin. When it
// cannot be used, it returns a descriptor with -digest alone and why.
func readDescriptor(stdin io.Reader, mediaType, dgst string) (ocispec.Descriptor, error) {
	fallback := ocispec.Descriptor{Digest: digest.Digest(dgst)}
	if mediaType != ocispec.MediaTypeDescriptor {
		return fallback, fmt.Errorf("stdin media type %q is not %s", mediaType, ocispec.MediaTypeDescriptor)
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxDescriptor))
	if err != nil {
		return fallback, fmt.Errorf("read descriptor from stdin: %w", err)
	}
	var d ocispec.Descriptor
	if err := json.Unmarshal(b, &d); err != nil {
		return fallback, fmt.Errorf("descriptor on stdin is not JSON: %w", err)
	}
	if dgst != "" && d.Digest.String() != dgst {
		return fallback, fmt.Errorf("descriptor on stdin has digest %s, -digest says %s", d.Digest, dgst)
	}
	return d, nil
}

// DockerConfigPath is where credentials are read: $DOCKER_CONFIG/config.json,
// else "" (oras' default, ~/.docker/config.json) when $HOME is set, else
// /root/.docker/config.json (containerd's environment under systemd has no
// HOME).
func DockerConfigPath(getenv func(string) string) string {
	if d := getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json")
	}
	if getenv("HOME") != "" {
		return ""
	}
	return "/root/.docker/config.json"
}
