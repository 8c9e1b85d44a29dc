package target

import (
	"context"
	"strings"

	"github.com/containerd/containerd/v2/core/remotes/docker"
)

// openRemote opens a registry reference. Its endpoints are the registry
// itself (plainHost) or, with Options.HostsDir, those its hosts.toml lists
// (configuredHosts); each becomes an oras-go repository through the one
// constructor, newRepository, with the same credentials (docker
// config.json or static, looked up by the endpoint's host name). With more
// than one endpoint, or one lacking a capability, reads try them in the
// file's order (mirrors first, the server last) as containerd does
// (mirrored).
func openRemote(ctx context.Context, ref string, opts Options) (*Image, error) {
	parsed, err := parseRemote(ref)
	if err != nil {
		return nil, err
	}
	var hosts []docker.RegistryHost
	if opts.HostsDir != "" {
		hosts, err = configuredHosts(ctx, parsed, opts)
	} else {
		var h docker.RegistryHost
		h, err = plainHost(parsed, opts)
		hosts = []docker.RegistryHost{h}
	}
	if err != nil {
		return nil, err
	}
	cred, err := credentialFunc(opts)
	if err != nil {
		return nil, err
	}
	eps := make([]endpoint, 0, len(hosts))
	for _, h := range hosts {
		repo, err := newRepository(parsed, h, cred)
		if err != nil {
			return nil, err
		}
		eps = append(eps, endpoint{repo: repo, host: h})
	}
	img := &Image{Reference: parsed.Reference, Name: parsed.String(), Location: "registry " + parsed.Registry,
		Repository: parsed.Registry + "/" + parsed.Repository}
	if len(eps) == 1 && eps[0].host.Capabilities.Has(docker.HostCapabilityPull|docker.HostCapabilityResolve|docker.HostCapabilityReferrers) {
		img.Store = eps[0].repo
		if eps[0].host.Host != parsed.Registry {
			img.Location += " (via " + eps[0].host.Host + ")"
		}
		return img, nil
	}
	img.Store = &mirrored{registry: parsed.Registry, endpoints: eps}
	names := make([]string, len(eps))
	for i, e := range eps {
		names[i] = e.host.Host
	}
	img.Location += " (via " + strings.Join(names, ", ") + ")"
	return img, nil
}
