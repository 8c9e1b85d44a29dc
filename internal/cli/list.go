package cli

import (
	"context"
	"github.com/spf13/cobra"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
)

func listCommand() *cobra.Command {
	var (
		timeout option.Timeout
		image   imageFlags
		out     option.Output
	)
	cmd := &cobra.Command{
		Use:     "list-specs IMAGE",
		Short:   "List an image's compatibility artifacts, newest first",
		Example: `  nfd-compat list-specs registry.example.com/app:v1 -o json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			imgOpts, err := image.options(cmd, args[0])
			if err != nil {
				return err
			}
			format, err := out.Parse()
			if err != nil {
				return err
			}
			return timeout.Run(cmd.Context(), func(ctx context.Context) error {
				return compatspec.List(ctx, compatspec.ListOptions{Image: imgOpts, Output: format, Stdout: cmd.OutOrStdout()})
			})
		},
	}
	image.add(cmd, "use this platform's manifest of an index")
	out.AddFlags(cmd.Flags())
	timeout.AddFlags(cmd.Flags(), 2*time.Minute)
	return cmd
}
