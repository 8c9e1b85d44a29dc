package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/doctor"
	"github.com/nfd-compat/nfd-compat/pkg/containerdpaths"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

func doctorCommand() *cobra.Command {
	var (
		out          option.Output
		log          option.Log
		config       string
		address      string
		verifierName string
		skipFeatures bool
	)
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check this node's setup for pull-time enforcement and say what to fix",
		Long: `Check, one line each (ok, warn or FAIL, with the fix):

  node             which containerd this is: stock, k3s or RKE2, found by
                   which socket and config exist (flags override); on
                   k3s/RKE2 warns when the generated config.toml and its
                   template disagree on the policy stanza
  config           containerd's config.toml parses (imports followed)
  containerd       the daemon answers and is 2.1 or newer
  verifier-plugin  the daemon loaded the bindir verifier (or nfd-compat built in)
  cri-transfer     CRI pulls through the transfer service: none of the settings
                   that make it fall back to the local pull, which skips verifiers
  bin-dir          bin_dir exists and holds only executables
  verifier         nfd-compat-verifier is installed there and called
  policy           the policy stanza as the verifier reads it: bad values FAIL
                   (and say what the verifier does), unknown keys warn
  timeout          the policy's timeout is under per_verifier_timeout
  hosts            hosts.toml directory (config_path) exists and matches CRI's
  cache-dir        cache_dir is writable and private: owned by this user, not
                   writable by group/others (else the verifier ignores it);
                   stale temporary files
  features         feature discovery works on this host

Exit codes: 0 no check failed (warnings allowed), 2 at least one FAIL.`,
		Example: `  sudo nfd-compat doctor
  nfd-compat doctor --config /etc/containerd/config.toml --address /run/containerd/containerd.sock -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.Parse()
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("address") {
				address = envOr("CONTAINERD_ADDRESS", "")
			}
			node := containerdpaths.Detect("")
			config, _ = policy.ConfigFile(config, os.Getenv)
			return doctor.Run(cmd.Context(), doctor.Options{
				ConfigFile: config, Address: address, Node: &node, VerifierName: verifierName, SkipFeatures: skipFeatures,
				Output: format, Stdout: cmd.OutOrStdout(), Log: log.Logger(cmd.ErrOrStderr()),
			})
		},
	}
	fs := cmd.Flags()
	out.AddFlags(fs)
	log.AddFlags(fs)
	fs.StringVar(&config, "config", "", "containerd's config.toml (default $"+policy.ConfigEnv+", else this node's: "+policy.DefaultConfigFile+" or k3s's/RKE2's generated config.toml, as nfd-compat-verifier reads it)")
	fs.StringVarP(&address, "address", "a", "", "containerd's socket (default: the config's [grpc] address, else this node's: /run/containerd/containerd.sock or k3s's/RKE2's /run/k3s/containerd/containerd.sock; env CONTAINERD_ADDRESS)")
	fs.StringVar(&verifierName, "verifier-name", doctor.DefaultVerifierName, "file name of the verifier in bin_dir")
	fs.BoolVar(&skipFeatures, "skip-features", false, "skip the feature-discovery check")
	return cmd
}
