package cli

import (
	"github.com/spf13/cobra"
)

// New returns the nfd-compat root command.
func New() *cobra.Command {
	root := &cobra.Command{
		Use:   "nfd-compat",
		Short: "Attach hardware/OS requirements to container images and check hosts against them",
		Long: `nfd-compat implements Node Feature Discovery's image compatibility (KEP-1845):
image authors attach a compatibility spec to an image as an OCI artifact, and
hosts check their features (discovered with NFD's sources) against it.

Images are REGISTRY/REPOSITORY[:TAG|@DIGEST], or with --oci-layout an OCI
image layout directory DIR:TAG or DIR@DIGEST.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetHelpTemplate(root.HelpTemplate() + "\n" + exitCodesHelp)
	root.AddCommand(specCommands()...)
	compat := &cobra.Command{
		Use:   "compat",
		Short: "The same commands under the KEP's spelling: nfd-compat compat attach-spec ...",
	}
	compat.AddCommand(specCommands()...)
	root.AddCommand(compat, versionCommand())
	root.AddCommand(ruleCommands()...)
	root.AddCommand(containerdCommands()...)
	return root
}

// specCommands builds the spec-artifact commands; called once for the root
// and once for the compat group, since a cobra command has one parent.
func specCommands() []*cobra.Command {
	return []*cobra.Command{
		attachCommand(),
		removeCommand(),
		listCommand(),
		getCommand(),
		validateSpecCommand(),
		validateNodeCommand(),
		exportFeaturesCommand(),
	}
}
