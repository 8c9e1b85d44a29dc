package cli

import (
	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/companion"
)

// containerdCommands are the commands that talk to containerd: pull,
// doctor and check-images, stubs that run nfd-compat-containerd (they link
// containerd's client and nerdctl), and audit, which reads the verifier's
// log and links neither.
func containerdCommands(exec companion.Exec) []*cobra.Command {
	return append(companion.Containerd().Stubs(exec), auditCommand())
}
