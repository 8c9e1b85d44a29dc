package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

func removeCommand() *cobra.Command {
	var (
		flags  artifactFlags
		digest string
		all    bool
	)
	cmd := &cobra.Command{
		Use:   "remove-spec IMAGE",
		Short: "Remove compatibility artifacts of an image (never the image or other referrers)",
		Long: `Remove the compatibility artifact of IMAGE. With several, choose one with
--digest or remove all with --all.

Before anything is deleted, its manifest is fetched by digest and must be a
compatibility artifact of IMAGE: an OCI image manifest with one of the
compatibility artifactTypes, the empty config, exactly one spec layer and
IMAGE as its subject. What the referrers list merely labels as one (on
registries without the referrers API that list is the sha256-<hex> tag, which
anyone with push rights can rewrite) is never deleted: the image, signatures,
SBOMs and other images' artifacts are kept, with a "Skipped" warning on stderr.

Exit status: 0 when every listed entry was removed or skipped as not a
compatibility artifact (--all); 2 when the one asked for (--digest, or the only
one) is not a compatibility artifact of IMAGE, or an entry could not be fetched
to verify it (it is kept), or the registry refused the delete; 3 when IMAGE has
no compatibility artifact.`,
		Example: `  nfd-compat remove-spec registry.example.com/app:v1
  nfd-compat remove-spec registry.example.com/app:v1 --digest sha256:1a2b
  nfd-compat remove-spec --oci-layout ./layout:app --all`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkDigest(digest); err != nil {
				return err
			}
			return flags.run(cmd, args[0], func(ctx context.Context, imgOpts target.ImageOptions, format output.Format) error {
				return compatspec.Remove(ctx, compatspec.RemoveOptions{
					Image: imgOpts, Digest: digest, All: all, Output: format,
					Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(),
				})
			})
		},
	}
	flags.add(cmd, "use this platform's manifest of an index")
	cmd.Flags().StringVar(&digest, "digest", "", "remove the artifact with this digest (a unique prefix is enough)")
	cmd.Flags().BoolVar(&all, "all", false, "remove every compatibility artifact of the image")
	return cmd
}
