package cli

import (
	"syscall"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/companion"
)

// New returns the nfd-compat root command with every command. Its
// commands that live in a companion executable (companion.Containerd)
// replace the process with it.
func New() *cobra.Command { return newRoot(syscall.Exec, nil) }

// NewFor returns the root command to run args (os.Args[1:]) with: when
// args[0] is the name of a top-level command, the root holds that command
// alone, so that a process builds the flags of the command it runs and no
// other's (cobra's whole tree costs about 1 ms of every start:
// docs/validate-node.md, Performance); otherwise (help, completion, a flag,
// compat, a misspelt name) every command, as New.
func NewFor(args []string) *cobra.Command { return newRoot(syscall.Exec, args) }

// newRoot is NewFor with the companions run by exec.
func newRoot(exec companion.Exec, args []string) *cobra.Command {
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
	cmds := topLevel(exec)
	if len(args) > 0 {
		for _, c := range cmds {
			if c.name == args[0] {
				root.AddCommand(c.build())
				return root
			}
		}
	}
	root.AddCommand(build(cmds)...)
	compat := &cobra.Command{
		Use:   "compat",
		Short: "The same commands under the KEP's spelling: nfd-compat compat attach-spec ...",
	}
	compat.AddCommand(build(specCommands())...)
	root.AddCommand(compat)
	return root
}

// command is a command by name, built only when needed.
type command struct {
	name  string // the first word of the command's Use (TestTopLevelNames)
	build func() *cobra.Command
}

// build builds cmds.
func build(cmds []command) []*cobra.Command {
	out := make([]*cobra.Command, len(cmds))
	for i, c := range cmds {
		out[i] = c.build()
	}
	return out
}

// topLevel are the commands of nfd-compat's root but compat: the spec
// commands, version, the NodeFeatureRule and cluster commands, and the
// containerd commands (pull, doctor and check-images: stubs that run
// nfd-compat-containerd, which links containerd's client and nerdctl;
// audit reads the verifier's log and links neither).
func topLevel(exec companion.Exec) []command {
	cmds := append(specCommands(),
		command{"version", versionCommand},
		command{"validate", validateRulesCommand},
		command{"dryrun", dryRunCommand},
		command{"test", testRulesCommand},
		command{"schedule", scheduleCommand},
	)
	bin := companion.Containerd()
	for _, desc := range bin.Commands {
		cmds = append(cmds, command{desc().Name(), func() *cobra.Command { return companion.Stub(bin, desc, exec) }})
	}
	return append(cmds, command{"audit", auditCommand})
}

// specCommands are the spec-artifact commands; built once for the root and
// once for the compat group, since a cobra command has one parent.
func specCommands() []command {
	return []command{
		{"attach-spec", attachCommand},
		{"remove-spec", removeCommand},
		{"list-specs", listCommand},
		{"get-spec", getCommand},
		{"validate-spec", validateSpecCommand},
		{"validate-node", validateNodeCommand},
		{"export-features", exportFeaturesCommand},
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
