package cli

import (
	"syscall"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/companion"
)

// New returns the nfd-compat root command. Its commands that live in a
// companion executable (companion.Containerd) replace the process with it.
func New() *cobra.Command { return newRoot(syscall.Exec) }

// newRoot is New with the companions run by exec.
func newRoot(exec companion.Exec) *cobra.Command {
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
	root.AddCommand(containerdCommands(exec)...)
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

// NewCompanion returns the root command of a companion executable holding
// cmds: named nfd-compat, as the stubs that run it are its commands'
// parents (usage lines read `nfd-compat pull IMAGE`), with nfd-compat's exit
// codes in its help.
func NewCompanion(name string, cmds ...*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:   "nfd-compat",
		Short: name + ": nfd-compat's commands that link containerd's client, run as nfd-compat COMMAND",
		Long: name + ` holds the nfd-compat commands whose dependencies would slow
every other nfd-compat command's start (containerd's client and grpc,
nerdctl's pull). nfd-compat runs it for them, with the same arguments:
run ` + "`nfd-compat COMMAND`" + ` rather than this executable.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetHelpTemplate(root.HelpTemplate() + "\n" + exitCodesHelp)
	root.AddCommand(cmds...)
	return root
}
