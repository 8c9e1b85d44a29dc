// Command nfd-compat attaches compatibility specs to container images and
// checks hosts against them. See `nfd-compat --help`.
package main

import (
	"context"
	"os"
	"syscall"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/cli"
	// First to initialise: validate-node starts on one P (see its doc).
	"github.com/nfd-compat/nfd-compat/internal/startup"
)

func main() {
	ctx, stop := notifyAfter(context.Background(), signalDelayFor(os.Args[1:]), os.Interrupt, syscall.SIGTERM)
	err := cli.NewFor(os.Args[1:]).ExecuteContext(ctx)
	stop()
	os.Exit(cli.Exit(os.Stderr, err))
}

// signalDelayFor is how long a command runs before signals cancel it: only
// validate-node, which writes nothing, lets a signal of its first
// signalDelay end the process at once; the commands that push or delete
// always stop where they are and clean up.
func signalDelayFor(args []string) time.Duration {
	if startup.ValidateNode(args) {
		return signalDelay
	}
	return 0
}
