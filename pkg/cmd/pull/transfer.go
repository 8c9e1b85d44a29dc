package pull

import (
	"context"
	"fmt"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/transfer"
	transferimage "github.com/containerd/containerd/v2/core/transfer/image"
	"github.com/containerd/containerd/v2/core/transfer/registry"
	"github.com/containerd/platforms"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// transferPull pulls img through containerd's transfer service, the path
// ctr, nerdctl (with the transfer service) and CRI take, so containerd's
// image verifiers run on it. The source is pinned to the digest that was
// checked, so a tag moved in between cannot slip another image through;
// the image is stored under its name.
func transferPull(ctx context.Context, c *client.Client, img *image, desc ocispec.Descriptor, opts Options, progress transfer.ProgressFunc) error {
	hostsRoot, cleanup, err := img.transferHosts(opts.Registry)
	if err != nil {
		return err
	}
	defer cleanup()

	source := img.name
	if desc.Digest != "" && !hasDigest(source) {
		source += "@" + desc.Digest.String()
	}
	ropts := []registry.Opt{registry.WithCredentials(img.creds)}
	if hostsRoot != "" {
		ropts = append(ropts, registry.WithHostDir(hostsRoot))
	}
	if img.scheme == "http" {
		ropts = append(ropts, registry.WithDefaultScheme("http"))
	}
	reg, err := registry.NewOCIRegistry(ctx, source, ropts...)
	if err != nil {
		return fmt.Errorf("set up the registry source for %s: %w", img.name, err)
	}

	platform := platforms.DefaultSpec()
	if opts.Platform != nil {
		platform = *opts.Platform
	}
	sopts := []transferimage.StoreOpt{transferimage.WithPlatforms(platform), transferimage.WithAllMetadata}
	if unpack(opts.Unpack, platform) {
		sopts = append(sopts, transferimage.WithUnpack(platform, opts.Snapshotter))
	}
	store := transferimage.NewStore(img.name, sopts...)

	topts := []transfer.Opt{}
	if progress != nil {
		topts = append(topts, transfer.WithProgress(progress))
	}
	if err := c.Transfer(ctx, reg, store, topts...); err != nil {
		return fmt.Errorf("containerd pull of %s: %w", img.name, err)
	}
	return nil
}

// unpack decides --unpack: auto unpacks only images of this host's platform,
// which are the only ones it can run.
func unpack(u Unpack, p ocispec.Platform) bool {
	switch u {
	case UnpackTrue:
		return true
	case UnpackFalse:
		return false
	}
	return platforms.Default().Match(p)
}

func hasDigest(ref string) bool {
	for i := len(ref) - 1; i >= 0 && ref[i] != '/'; i-- {
		if ref[i] == '@' {
			return true
		}
	}
	return false
}
