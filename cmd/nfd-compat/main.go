// Command nfd-compat attaches compatibility specs to container images and
// checks hosts against them. See `nfd-compat --help`.
package main

import (
	"context"
	"os"
	"syscall"

	"github.com/nfd-compat/nfd-compat/internal/cli"
	// First to initialise: validate-node starts on one P (see its doc).
	_ "github.com/nfd-compat/nfd-compat/internal/startup"
)

func main() {
	ctx, stop := notifyAfter(context.Background(), signalDelay, os.Interrupt, syscall.SIGTERM)
	err := cli.NewFor(os.Args[1:]).ExecuteContext(ctx)
	stop()
	os.Exit(cli.Exit(os.Stderr, err))
}
