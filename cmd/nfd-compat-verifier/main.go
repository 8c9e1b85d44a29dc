// Command nfd-compat-verifier is an image verifier for containerd v2's
// io.containerd.image-verifier.v1.bindir plugin: put it in bin_dir, and
// containerd runs it before every pull with -name, -digest,
// -stdin-media-type and the image descriptor on stdin. It exits 0 to allow
// the pull and 1 to refuse it, and prints the reason on stdout. The policy
// is [plugins."io.containerd.image-verifier.v1.nfd-compat"] in
// $NFD_COMPAT_CONFIG, else this node's config (policy.ConfigFile: stock
// containerd's /etc/containerd/config.toml, or the config.toml k3s and RKE2
// generate, as containerdpaths.Detect finds them).
//
// It is a small client (pkg/verifier/bindir/client, the standard library
// only, so it starts as fast as a hello-world binary): it asks the resident
// verifier (nfd-compat-verifierd serve) over a Unix socket and relays its
// answer, and execs the one-shot verifier (nfd-compat-verifierd) when the
// resident one cannot answer.
package main

import (
	"os"

	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/client"
)

func main() {
	os.Exit(client.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ()))
}
