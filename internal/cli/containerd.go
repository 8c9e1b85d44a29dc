package cli

import "github.com/spf13/cobra"

// containerdCommands are the commands that talk to containerd: pull, doctor,
// check-images, audit.
func containerdCommands() []*cobra.Command {
	return []*cobra.Command{pullCommand(), doctorCommand(), checkImagesCommand(), auditCommand()}
}
