// Command nfd-compat-verifierd is the full nfd-compat image verifier, in
// two modes:
//
//   - `nfd-compat-verifierd serve [-socket PATH]` is the resident verifier
//     (contrib/containerd/nfd-compat-verifierd.service): it answers the
//     small nfd-compat-verifier client that containerd execs from bin_dir,
//     over a Unix socket (default /run/nfd-compat/verifier.sock), with one
//     long-lived verifier (pkg/verifier/bindir/server);
//   - given containerd's bindir flags (-name, -digest, -stdin-media-type) it
//     is the one-shot verifier (pkg/verifier/bindir.Run), which the client
//     execs when the resident one cannot answer.
//
// It must not be in containerd's bin_dir (containerd runs every file
// there). hack/build-verifier.sh builds it (against the build copy of NFD
// that leaves client-go out).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var code int
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		code = server.Main(ctx, os.Args[2:], os.Stderr, os.Getenv)
	} else {
		code = bindir.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	}
	stop()
	os.Exit(code)
}
