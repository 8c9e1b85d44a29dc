package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

func attachCommand() *cobra.Command {
	var (
		flags       artifactFlags
		mediaTypes  string
		annotations []string
		replace     bool
	)
	cmd := &cobra.Command{
		Use:   "attach-spec IMAGE SPEC",
		Short: "Validate a compatibility spec and attach it to an image as an OCI artifact",
		Long: `Validate SPEC (a file, or - for stdin) and push it as a compatibility artifact
whose subject is IMAGE. Nothing is pushed when the spec is invalid. Prints the
artifact's digest.`,
		Example: `  nfd-compat attach-spec registry.example.com/app:v1 spec.yaml
  nfd-compat attach-spec --platform linux/arm64 registry.example.com/app:v1 spec.yaml
  nfd-compat attach-spec --oci-layout ./layout:app spec.yaml --replace`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[1] == "-" && flags.image.UsesStdin() {
				return fmt.Errorf("SPEC - and a --registry-*-stdin flag both want stdin: put the spec in a file")
			}
			data, name, err := readSpecFile(cmd, args[1])
			if err != nil {
				return err
			}
			anns, err := parseAnnotations(annotations)
			if err != nil {
				return err
			}
			return flags.run(cmd, args[0], func(ctx context.Context, imgOpts target.ImageOptions, format output.Format) error {
				return compatspec.Attach(ctx, compatspec.AttachOptions{
					Image: imgOpts, Spec: data, SpecName: name, Format: artifact.Format(mediaTypes),
					Annotations: anns, Replace: replace, Output: format,
					Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(),
				})
			})
		},
	}
	flags.add(cmd, "attach to this platform's manifest of an index")
	cmd.Flags().StringVar(&mediaTypes, "media-types", string(artifact.FormatNFD), "artifact media types: nfd (upstream NFD v0.19) or kep (KEP-1845's original)")
	cmd.Flags().StringArrayVarP(&annotations, "annotation", "a", nil, "manifest annotation KEY=VALUE (repeatable)")
	cmd.Flags().BoolVar(&replace, "replace", false, "after the new artifact is pushed and listed, remove the image's older compatibility artifacts (each verified first, as remove-spec does; entries that are not one are kept with a warning)")
	return cmd
}

func parseAnnotations(kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid --annotation %q: want KEY=VALUE", kv)
		}
		m[k] = v
	}
	return m, nil
}
