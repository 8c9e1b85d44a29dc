package target

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/containerd/containerd/v2/core/remotes/docker"
	ctdconfig "github.com/containerd/containerd/v2/core/remotes/docker/config"
	"github.com/containerd/errdefs"
	"oras.land/oras-go/v2/registry"
)

// configuredHosts are the endpoints containerd's hosts.toml gives for the
// registry of parsed (Options.HostsDir), read with containerd's own
// core/remotes/docker/config.ConfigureHosts, so mirrors, server,
// skip_verify, ca, client certificates, header, dial_timeout,
// override_path and plain HTTP for http:// servers mean what they mean to
// containerd's CRI. PlainHTTP, Insecure and CAFile are the defaults for
// hosts the file does not configure. What containerd logs while reading
// goes to Options.Log (see withContainerdLog).
func configuredHosts(ctx context.Context, parsed registry.Reference, opts Options) ([]docker.RegistryHost, error) {
	hostOpts := ctdconfig.HostOptions{HostDir: hostDirFromRoots(filepath.SplitList(opts.HostsDir))}
	if opts.PlainHTTP {
		hostOpts.DefaultScheme = "http"
	}
	tlsCfg, err := tlsConfig(opts)
	if err != nil {
		return nil, err
	}
	hostOpts.DefaultTLS = tlsCfg
	hosts, err := ctdconfig.ConfigureHosts(withContainerdLog(ctx, opts.Log), hostOpts)(parsed.Registry)
	if err != nil {
		return nil, fmt.Errorf("read hosts.toml for %s under %s: %w (fix the file; containerd reads the same one)", parsed.Registry, opts.HostsDir, err)
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("hosts.toml for %s under %s lists no endpoint: add a server or a [host.\"...\"] table", parsed.Registry, opts.HostsDir)
	}
	return hosts, nil
}

// hostDirFromRoots is CRI's: the first root with a directory for the host
// wins.
func hostDirFromRoots(roots []string) func(string) (string, error) {
	fns := make([]func(string) (string, error), len(roots))
	for i, r := range roots {
		fns[i] = ctdconfig.HostDirFromRoot(r)
	}
	return func(host string) (dir string, err error) {
		for _, fn := range fns {
			dir, err = fn(host)
			if (err != nil && !errdefs.IsNotFound(err)) || dir != "" {
				break
			}
		}
		return dir, err
	}
}

// errNoCapableHost says which capability no endpoint has.
func errNoCapableHost(registry, what string) error {
	return fmt.Errorf("no hosts.toml endpoint of %s has the %q capability: add it to a host's capabilities or to the server: %w", registry, what, errors.ErrUnsupported)
}
