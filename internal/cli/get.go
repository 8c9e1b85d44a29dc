package cli

import (
	"context"
	"github.com/spf13/cobra"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
)

func getCommand() *cobra.Command {
	var (
		timeout option.Timeout
		image   imageFlags
		digest  string
		log     option.Log
	)
	cmd := &cobra.Command{
		Use:     "get-spec IMAGE",
		Short:   "Print an image's compatibility spec (the newest, or --digest)",
		Example: `  nfd-compat get-spec registry.example.com/app:v1 > spec.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkDigest(digest); err != nil {
				return err
			}
			imgOpts, err := image.options(cmd, args[0])
			if err != nil {
				return err
			}
			return timeout.Run(cmd.Context(), func(ctx context.Context) error {
				return compatspec.Get(ctx, compatspec.GetOptions{Image: imgOpts, Digest: digest, Stdout: cmd.OutOrStdout(),
					Log: log.Logger(cmd.ErrOrStderr())})
			})
		},
	}
	image.add(cmd, "use this platform's manifest of an index")
	cmd.Flags().StringVar(&digest, "digest", "", "the artifact with this digest (a unique prefix is enough)")
	timeout.AddFlags(cmd.Flags(), 2*time.Minute)
	log.AddFlags(cmd.Flags())
	return cmd
}
