package target

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/content/oci"
)

// Options say where and how to reach an image.
type Options struct {
	// OCILayout treats the reference as DIR[:TAG|@DIGEST] of an OCI image layout.
	OCILayout bool
	// PlainHTTP talks HTTP instead of HTTPS to the registry.
	PlainHTTP bool
	// Insecure skips TLS certificate verification.
	Insecure bool
	// CAFile is a PEM bundle trusted in addition to the system roots.
	CAFile string
	// Credentials, when set, replace the docker config lookup.
	Credentials *Credentials
	// DockerConfig is the docker config.json to read credentials from; empty
	// means $DOCKER_CONFIG/config.json or ~/.docker/config.json.
	DockerConfig string
	// HostsDir is containerd's hosts.toml directory (CRI's registry
	// config_path, e.g. /etc/containerd/certs.d; several separated by ':').
	// Set, the registry's endpoints, mirrors, TLS and plain HTTP come from
	// <dir>/<host>/hosts.toml as containerd reads it (see configuredHosts);
	// PlainHTTP, Insecure and CAFile then act as defaults for hosts that
	// hosts.toml does not configure.
	HostsDir string
	// Log receives what containerd's libraries log while Open reads
	// hosts.toml: their warnings and errors as warnings, the rest at Debug.
	// Nil sends warnings and errors to stderr and drops the rest. Open
	// never takes a logger from its context.
	Log logrus.FieldLogger
}

// Open opens ref as an image.
func Open(ctx context.Context, ref string, opts Options) (*Image, error) {
	if opts.OCILayout {
		return openLayout(ctx, ref)
	}
	return openRemote(ctx, ref, opts)
}

// openLayout opens DIR[:TAG|@DIGEST]. The directory must already be an OCI
// layout: a typo must not silently create an empty one.
func openLayout(ctx context.Context, ref string) (*Image, error) {
	dir, reference := SplitLayoutReference(ref)
	if reference == "" {
		return nil, fmt.Errorf("OCI layout reference %q names no image: write DIR:TAG or DIR@sha256:DIGEST", ref)
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return nil, fmt.Errorf("%s is not an OCI image layout (no oci-layout file): create one with `oras cp`/`skopeo copy ... oci:%s` or check the path", dir, dir)
	}
	store, err := oci.NewWithContext(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
	}
	// Delete removes the manifest asked for and nothing else, as a registry
	// does. oras-go's default garbage collection would also delete every
	// referrer of it and every manifest it leaves without a predecessor or
	// tag: removing an artifact would delete its subject image when that image
	// is untagged (pushed by digest). The artifact's own blobs stay on disk.
	store.AutoGC = false
	return &Image{Store: store, Reference: reference, Name: ref, Location: "OCI layout " + dir}, nil
}
