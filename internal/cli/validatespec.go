package cli

import (
	"context"
	"github.com/spf13/cobra"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
)

func validateSpecCommand() *cobra.Command {
	var (
		timeout option.Timeout
		image   imageFlags
		out     option.Output
		file    string
		digest  string
	)
	cmd := &cobra.Command{
		Use:   "validate-spec [IMAGE | --file SPEC]",
		Short: "Validate a compatibility spec file, or an image's compatibility artifacts",
		Long: `Check a spec file (--file, - for stdin), or every compatibility artifact of IMAGE
(manifest shape, size limits, digests, then the spec), and print every problem
with its path and line. Exits 2 when any spec is invalid.`,
		Example: `  nfd-compat validate-spec --file spec.yaml
  nfd-compat validate-spec registry.example.com/app:v1 -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := out.Parse()
			if err != nil {
				return err
			}
			opts := compatspec.ValidateOptions{Digest: digest, Output: format, Stdout: cmd.OutOrStdout()}
			in, err := imageOrSpecFile(cmd, &image, firstArg(args), file, "--file", "validate")
			if err != nil {
				return err
			}
			opts.Image, opts.File, opts.FileName = in.Image, in.Data, in.Name
			return timeout.Run(cmd.Context(), func(ctx context.Context) error {
				return compatspec.Validate(ctx, opts)
			})
		},
	}
	image.add(cmd, "use this platform's manifest of an index")
	out.AddFlags(cmd.Flags())
	cmd.Flags().StringVarP(&file, "file", "f", "", "spec file to validate (- for stdin)")
	cmd.Flags().StringVar(&digest, "digest", "", "only the artifact with this digest")
	timeout.AddFlags(cmd.Flags(), 2*time.Minute)
	return cmd
}
