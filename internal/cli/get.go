package cli

import (
	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
)

func getCommand() *cobra.Command {
	var (
		image  imageFlags
		digest string
	)
	cmd := &cobra.Command{
		Use:     "get-spec IMAGE",
		Short:   "Print an image's compatibility spec (the newest, or --digest)",
		Example: `  nfd-compat get-spec registry.example.com/app:v1 > spec.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			imgOpts, err := image.options(cmd, args[0])
			if err != nil {
				return err
			}
			return compatspec.Get(cmd.Context(), compatspec.GetOptions{Image: imgOpts, Digest: digest, Stdout: cmd.OutOrStdout()})
		},
	}
	image.add(cmd, "use this platform's manifest of an index")
	cmd.Flags().StringVar(&digest, "digest", "", "the artifact with this digest (a unique prefix is enough)")
	return cmd
}
