// Command mkimage writes a small test image, or an index over one image per platform, into an OCI
// image layout and prints its digest. It feeds the README demo:
//
//	go run ./hack/mkimage -oci-layout DIR -tag TAG [-platforms linux/amd64,linux/arm64]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content/oci"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
)

func main() {
	dir := flag.String("oci-layout", "", "OCI image layout directory (created if missing)")
	tag := flag.String("tag", "", "tag of the image or index")
	platforms := flag.String("platforms", "linux/amd64", "comma-separated os/arch[/variant]; more than one makes an index")
	flag.Parse()
	if *dir == "" || *tag == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	digest, err := run(context.Background(), *dir, *tag, strings.Split(*platforms, ","))
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
	fmt.Println(digest)
}

func run(ctx context.Context, dir, tag string, platforms []string) (string, error) {
	store, err := oci.New(dir)
	if err != nil {
		return "", err
	}
	var desc ocispec.Descriptor
	if len(platforms) == 1 {
		desc, err = testimage.Push(ctx, store, tag, testimage.WithPlatform(platforms[0]))
	} else {
		desc, _, err = testimage.PushIndex(ctx, store, tag, platforms)
	}
	if err != nil {
		return "", err
	}
	return desc.Digest.String(), nil
}
