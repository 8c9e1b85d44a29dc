package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/pull"
)

// defaultHostsDirs is nerdctl's --hosts-dir default.
var defaultHostsDirs = []string{"/etc/containerd/certs.d", "/etc/docker/certs.d"}

func pullCommand() *cobra.Command {
	var (
		ctrd        ctrdFlags
		pol         policyFlags
		remote      option.Remote
		platform    option.Platform
		discover    option.Discover
		log         option.Log
		hostsDirs   []string
		insecure    bool
		snapshotter string
		unpack      string
		quiet       bool
	)
	cmd := &cobra.Command{
		Use:   "pull IMAGE",
		Short: "Check an image against this host, then pull it into containerd (nerdctl-style)",
		Long: `Resolve IMAGE (hosts.toml under --hosts-dir, docker config.json), run the
same check containerd's image verifiers run (the image's newest
compatibility artifact, evaluated on this host's features, decided by the
policy in containerd's config.toml), print the full report when the image is
refused or warned about, and pull it with nerdctl's own pull (the code ` + "`nerdctl pull`" + ` runs: nerdctl v2.3's
transfer-service pull on containerd >= 2.0, its progress on stderr, its
--hosts-dir, --insecure-registry, --platform and --unpack). A containerd
with nfd-compat-verifier installed checks it again: fine.

An image pulled under another digest than the one checked (the tag moved
in between) is removed again, exit 2. Credentials come from docker
config.json and its credential helpers (` + "`nerdctl login`" + `), as for nerdctl.

Exit codes: 0 pulled (compatible, or allowed by the policy), 1 refused as
incompatible, 2 error (or refused by on_error=deny, or the tag moved), 3
refused for having no compatibility artifact (on_missing=deny).`,
		Example: `  nfd-compat pull registry.example.com/app:v1
  nfd-compat pull --namespace k8s.io --platform linux/arm64 --unpack false registry.example.com/app:v1
  nfd-compat pull --mode warn --on-missing deny registry.example.com/app:v1
  nfd-compat pull --insecure-registry 10.0.0.5:5000/app:v1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			if remote.OCILayout {
				return errors.New("pull takes images from registries: --oci-layout is not supported")
			}
			if remote.Username != "" || remote.UsesStdin() {
				return errors.New("pull authenticates as nerdctl pull does, from docker config.json and its credential helpers: log in with `nerdctl login REGISTRY` (or `docker login`) instead of --registry-username/--registry-password-stdin/--registry-token-stdin")
			}
			if remote.CAFile != "" {
				return errors.New("--ca-file is not supported by pull: put the CA in a hosts.toml under --hosts-dir (ca = \"/path/ca.crt\"), as containerd reads it")
			}
			topts, err := remote.Options(cmd.InOrStdin())
			if err != nil {
				return err
			}
			p, err := platform.Parse()
			if err != nil {
				return err
			}
			u, err := pull.ParseUnpack(unpack)
			if err != nil {
				return err
			}
			logger := log.Logger(cmd.ErrOrStderr())
			ctrd.logPick(fs, logger)
			policy, err := pol.load(fs, logger)
			if err != nil {
				return err
			}
			check := pull.Check{Policy: policy, Discover: discover.Options(logger)}
			if log.Verbose {
				check.Log = logger
			}
			return pull.Run(cmd.Context(), pull.Options{
				Ref:        args[0],
				Containerd: pull.Containerd{Address: ctrd.address, Namespace: ctrd.namespace},
				Registry: pull.Registry{
					HostsDirs: hostsDirs, PlainHTTP: topts.PlainHTTP, Insecure: insecure || topts.Insecure,
				},
				Platform:    p,
				Snapshotter: snapshotter,
				Unpack:      u,
				Check:       check,
				Quiet:       quiet,
				Stdout:      cmd.OutOrStdout(),
				Stderr:      cmd.ErrOrStderr(),
				StderrTTY:   isTerminalWriter(cmd.ErrOrStderr()),
				Log:         logger,
			})
		},
	}
	fs := cmd.Flags()
	ctrd.add(fs, true)
	pol.add(fs)
	remote.AddFlags(fs)
	for _, hidden := range []string{"oci-layout", "ca-file", "insecure", "registry-username", "registry-password-stdin", "registry-token-stdin"} {
		_ = fs.MarkHidden(hidden)
	}
	platform.AddFlags(fs, "pull this platform's image (default: this host's)")
	discover.AddFlags(fs, "ignored: the check runs the sources the spec's rules need")
	_ = fs.MarkHidden("sources")
	log.AddFlags(fs)
	fs.StringSliceVar(&hostsDirs, "hosts-dir", defaultHostsDirs, "directories of <registry>/hosts.toml; the first with the registry's is used")
	fs.BoolVar(&insecure, "insecure-registry", false, "skip TLS verification, and fall back to plain HTTP, for the registry")
	fs.StringVar(&snapshotter, "snapshotter", envOr("CONTAINERD_SNAPSHOTTER", ""), "snapshotter to unpack into (default: containerd's; env CONTAINERD_SNAPSHOTTER)")
	fs.StringVar(&unpack, "unpack", "auto", "unpack the image: auto (as nerdctl: yes, one platform is pulled), true or false")
	fs.BoolVarP(&quiet, "quiet", "q", false, "no progress; print only the image name (and the report if refused or warned)")
	return cmd
}
