package containerdcli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/companion"
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
	cmd := companion.Pull()
	cmd.Args = cobra.ExactArgs(1)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
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
			StderrTTY:   option.IsTerminal(cmd.ErrOrStderr()),
			Log:         logger,
		})
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
