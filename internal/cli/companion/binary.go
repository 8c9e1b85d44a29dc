package companion

import "github.com/spf13/cobra"

// Binary is a companion executable: its file name, how to install it (said
// when it is missing) and the descriptions of the commands it runs.
type Binary struct {
	Name     string
	Install  string
	Commands []func() *cobra.Command
}
