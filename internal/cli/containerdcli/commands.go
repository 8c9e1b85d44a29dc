package containerdcli

import "github.com/spf13/cobra"

// Commands returns the commands of nfd-compat-containerd, the real ones of
// companion.Containerd's descriptions, in that order.
func Commands() []*cobra.Command {
	return []*cobra.Command{pullCommand(), doctorCommand(), checkImagesCommand()}
}
