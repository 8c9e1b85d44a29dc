package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
)

func validateSpecCommand() *cobra.Command {
	var (
		image  imageFlags
		out    option.Output
		file   string
		digest string
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
			switch {
			case file != "" && len(args) == 1:
				return errors.New("give either IMAGE or --file, not both")
			case file != "":
				if file == "-" && image.UsesStdin() {
					return fmt.Errorf("--file - and a --registry-*-stdin flag both want stdin: put the spec in a file")
				}
				if opts.File, opts.FileName, err = readSpecFile(cmd, file); err != nil {
					return err
				}
			case len(args) == 1:
				imgOpts, err := image.options(cmd, args[0])
				if err != nil {
					return err
				}
				opts.Image = &imgOpts
			default:
				return errors.New("nothing to validate: give IMAGE or --file SPEC")
			}
			return compatspec.Validate(cmd.Context(), opts)
		},
	}
	image.add(cmd, "use this platform's manifest of an index")
	out.AddFlags(cmd.Flags())
	cmd.Flags().StringVarP(&file, "file", "f", "", "spec file to validate (- for stdin)")
	cmd.Flags().StringVar(&digest, "digest", "", "only the artifact with this digest")
	return cmd
}
