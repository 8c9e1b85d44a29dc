// Command nfd-compat-verifier is an image verifier for containerd v2's
// io.containerd.image-verifier.v1.bindir plugin: put it in bin_dir, and
// containerd runs it before every pull with -name, -digest,
// -stdin-media-type and the image descriptor on stdin. It exits 0 to allow
// the pull and 1 to refuse it, and prints the reason on stdout. The policy
// is [plugins."io.containerd.image-verifier.v1.nfd-compat"] in
// $NFD_COMPAT_CONFIG, else this node's config (policy.ConfigFile: stock
// containerd's /etc/containerd/config.toml, or the config.toml k3s and RKE2
// generate, as containerdpaths.Detect finds them).
// The protocol is pkg/verifier/bindir; this is only its main.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := bindir.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
