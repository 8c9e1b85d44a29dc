package pull

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"

	dockerconfig "github.com/containerd/containerd/v2/core/remotes/docker/config"
	"github.com/containerd/errdefs"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// resolve resolves name through pkg/target, as every other command does,
// with the hosts.toml roots, docker config.json credentials and scheme
// nerdctl's pull will use, and returns the descriptor containerd's image
// verifiers will be given and the registry options that reached it. With
// --insecure-registry it falls back to plain HTTP when the registry does
// not speak HTTPS, as nerdctl does. Registry errors are worded by
// target.Explain (inside Image.Resolve).
func resolve(ctx context.Context, name string, reg Registry) (ocispec.Descriptor, target.Options, error) {
	topts, err := registryOptions(name, reg)
	if err != nil {
		return ocispec.Descriptor{}, topts, err
	}
	desc, err := resolveWith(ctx, name, topts)
	if err == nil || !reg.Insecure || topts.PlainHTTP || !notHTTPS(err) {
		return desc, topts, err
	}
	topts.PlainHTTP = true
	desc, err2 := resolveWith(ctx, name, topts)
	if err2 != nil {
		return desc, topts, fmt.Errorf("%w (and over plain HTTP: %v)", err, err2)
	}
	return desc, topts, nil
}

func resolveWith(ctx context.Context, name string, topts target.Options) (ocispec.Descriptor, error) {
	img, err := target.Open(ctx, name, topts)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	desc, err := img.Resolve(ctx, nil)
	if err != nil && notHTTPS(err) {
		return desc, fmt.Errorf("%w (for a plain HTTP registry give --insecure-registry, or a hosts.toml with server = \"http://...\" under --hosts-dir)", err)
	}
	return desc, err
}

// registryOptions are the check's registry settings for name.
func registryOptions(name string, reg Registry) (target.Options, error) {
	dirs, err := hostsDirsFor(reg.HostsDirs, registryHost(name))
	if err != nil {
		return target.Options{}, err
	}
	return target.Options{
		HostsDir:     strings.Join(dirs, string(os.PathListSeparator)),
		PlainHTTP:    reg.PlainHTTP,
		Insecure:     reg.Insecure,
		DockerConfig: reg.DockerConfig,
	}, nil
}

// registryHost is the registry part of a normalized reference.
func registryHost(name string) string {
	host, _, _ := strings.Cut(name, "/")
	return host
}

// notHTTPS reports whether err says the registry does not speak HTTPS.
func notHTTPS(err error) bool {
	return errors.Is(err, http.ErrSchemeMismatch) || errors.Is(err, syscall.ECONNREFUSED)
}

// hostsDirsFor returns dirs with the first one that has a hosts.toml
// directory for host (or a _default one) moved to the front. The check
// searches the roots in order, as CRI does; nerdctl's pull through the
// transfer service hands containerd only the first root, so both then read
// the same hosts.toml. Roots that do not exist are kept (they configure
// nothing), so the check still reads registries as containerd does:
// docker.io through registry-1.docker.io, localhost over plain HTTP.
func hostsDirsFor(dirs []string, host string) ([]string, error) {
	for i, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		d, err := dockerconfig.HostDirFromRoot(dir)(host)
		if err != nil && !errdefs.IsNotFound(err) {
			return nil, fmt.Errorf("hosts dir %s: %w", dir, err)
		}
		if d != "" {
			out := append([]string{dir}, dirs[:i:i]...)
			return append(out, dirs[i+1:]...), nil
		}
	}
	return dirs, nil
}
