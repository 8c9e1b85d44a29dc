// Command nfd-compat attaches compatibility specs to container images and
// checks hosts against them. See `nfd-compat --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/nfd-compat/nfd-compat/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.New().ExecuteContext(ctx)
	stop()
	code := cli.ExitCode(err)
	// An incompatible verdict is an answer, already printed, not an error.
	if err != nil && code != cli.ExitIncompatible {
		fmt.Fprintln(os.Stderr, "Error:", err)
	}
	os.Exit(code)
}
