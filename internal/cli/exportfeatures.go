package cli

import (
	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/exportfeatures"
)

func exportFeaturesCommand() *cobra.Command {
	var (
		discover option.Discover
		log      option.Log
		path     string
	)
	cmd := &cobra.Command{
		Use:   "export-features",
		Short: "Discover this host's features and print them as `nfd export features` does",
		Example: `  nfd-compat export-features -o node1.json
  nfd-compat validate-node IMAGE --features-file node1.json   # on any machine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exportfeatures.Run(cmd.Context(), exportfeatures.Options{
				Discover: discover.Options(log.Logger(cmd.ErrOrStderr())),
				Path:     path, Stdout: cmd.OutOrStdout(),
			})
		},
	}
	discover.AddFlags(cmd.Flags(), "feature sources to run (default: all but custom)")
	log.AddFlags(cmd.Flags())
	cmd.Flags().StringVarP(&path, "output", "o", "", "write to this file instead of stdout")
	return cmd
}
