// Command nfd-compat-containerd runs nfd-compat's commands that link
// containerd's client and nerdctl (pull, doctor, check-images): nfd-compat
// replaces itself with it for them, so that its other commands start
// without those packages. Installed next to nfd-compat; run `nfd-compat
// pull|doctor|check-images`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/nfd-compat/nfd-compat/internal/cli"
	"github.com/nfd-compat/nfd-compat/internal/cli/companion"
	"github.com/nfd-compat/nfd-compat/internal/cli/containerdcli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.NewCompanion(companion.Containerd().Name, containerdcli.Commands()...).ExecuteContext(ctx)
	stop()
	os.Exit(cli.Exit(os.Stderr, err))
}
