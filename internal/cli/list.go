package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

func listCommand() *cobra.Command {
	var (
		flags artifactFlags
	)
	cmd := &cobra.Command{
		Use:     "list-specs IMAGE",
		Short:   "List an image's compatibility artifacts, newest first",
		Example: `  nfd-compat list-specs registry.example.com/app:v1 -o json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return flags.run(cmd, args[0], func(ctx context.Context, imgOpts target.ImageOptions, format output.Format) error {
				return compatspec.List(ctx, compatspec.ListOptions{Image: imgOpts, Output: format, Stdout: cmd.OutOrStdout()})
			})
		},
	}
	flags.add(cmd, "use this platform's manifest of an index")
	return cmd
}
