package companion

import "github.com/spf13/cobra"

// Binary is a companion executable: its file name, how to install it (said
// when it is missing) and the descriptions of the commands it runs.
type Binary struct {
	Name     string
	Install  string
	Commands []func() *cobra.Command
}

// Stubs returns the stubs of every command of bin.
func (bin Binary) Stubs(exec Exec) []*cobra.Command {
	cmds := make([]*cobra.Command, 0, len(bin.Commands))
	for _, desc := range bin.Commands {
		cmds = append(cmds, Stub(bin, desc, exec))
	}
	return cmds
}
