// Command validatenode is a measurement, not shipped: validate-node's own
// package (pkg/cmd/validatenode, all of it: hosts.toml, cache, fleet and
// cluster modes) run by a main of its own, without cobra and the other
// commands' packages (containerd's client and grpc, nerdctl, client-go's
// dynamic client). hack/bench-validate-node.sh times it as "split", what
// validate-node in a binary of its own would cost.
//
//	validatenode REF    # plain HTTP, uncached, upstream's JSON
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

func main() {
	opts := validatenode.Options{
		Image:        &target.ImageOptions{Ref: os.Args[1], Target: target.Options{PlainHTTP: true}},
		UpstreamJSON: true,
		Stdout:       os.Stdout,
	}
	if err := validatenode.Run(context.Background(), opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
