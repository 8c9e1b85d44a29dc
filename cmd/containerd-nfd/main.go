// Command containerd-nfd is containerd (the same version as in go.mod, with
// its standard built-in plugins) with nfd-compat's in-process image
// verifier linked in, as containerd's docs/PLUGINS.md describes for
// built-in plugins. Configure it with the usual config.toml; the policy is
// [plugins."io.containerd.image-verifier.v1.nfd-compat"].
//
// Build with CGO_ENABLED=1 -tags "no_btrfs no_devmapper no_zfs urfave_cli_no_docs".
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/containerd/containerd/v2/cmd/containerd/command"

	_ "github.com/containerd/containerd/v2/cmd/containerd/builtins"

	_ "github.com/nfd-compat/nfd-compat/plugins/imageverifier"
)

func main() {
	if err := command.App().Run(context.Background(), os.Args); err != nil {
		_, _ = fmt.Fprintln(os.Stderr, "containerd-nfd:", err)
		os.Exit(1)
	}
}
