package containerdcli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/companion"
	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/doctor"
	"github.com/nfd-compat/nfd-compat/pkg/containerdpaths"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
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
	cmd := companion.Doctor()
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
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
			VerifierSocket: os.Getenv(wire.SocketEnv), VerifierFallback: os.Getenv(wire.FallbackEnv),
			Output: format, Stdout: cmd.OutOrStdout(), Log: log.Logger(cmd.ErrOrStderr()),
		})
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
