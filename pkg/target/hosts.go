package target

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/containerd/v2/core/remotes/docker"
	ctdconfig "github.com/containerd/containerd/v2/core/remotes/docker/config"
	"github.com/containerd/errdefs"
	"github.com/containerd/log"
	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
)

// openHosts opens a remote reference through the endpoints containerd's
// hosts.toml gives for its registry (Options.HostsDir), read with
// containerd's own core/remotes/docker/config.ConfigureHosts, so mirrors,
// server, skip_verify, ca, client certificates, header, dial_timeout,
// override_path and plain HTTP for http:// servers mean what they mean to
// containerd's CRI. Each endpoint becomes an oras-go repository; with more
// than one, reads try them in the file's order (mirrors first, the server
// last) as containerd does. Credentials still come from Options (docker
// config.json or static), looked up by the endpoint's host name.
func openHosts(ctx context.Context, parsed registry.Reference, opts Options) (*Image, error) {
	hostOpts := ctdconfig.HostOptions{HostDir: hostDirFromRoots(filepath.SplitList(opts.HostsDir))}
	if opts.PlainHTTP {
		hostOpts.DefaultScheme = "http"
	}
	tlsCfg, err := tlsConfig(opts)
	if err != nil {
		return nil, err
	}
	hostOpts.DefaultTLS = tlsCfg
	hosts, err := ctdconfig.ConfigureHosts(quietContainerdLog(ctx), hostOpts)(parsed.Registry)
	if err != nil {
		return nil, fmt.Errorf("read hosts.toml for %s under %s: %w (fix the file; containerd reads the same one)", parsed.Registry, opts.HostsDir, err)
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("hosts.toml for %s under %s lists no endpoint: add a server or a [host.\"...\"] table", parsed.Registry, opts.HostsDir)
	}
	cred, err := credentialFunc(opts)
	if err != nil {
		return nil, err
	}
	var eps []endpoint
	for _, h := range hosts {
		repo, err := hostRepository(parsed, h, cred)
		if err != nil {
			return nil, err
		}
		eps = append(eps, endpoint{repo: repo, host: h})
	}
	img := &Image{Reference: parsed.Reference, Name: parsed.String(), Location: "registry " + parsed.Registry}
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

// quietContainerdLog keeps containerd's informational hosts.toml messages
// ("host will try HTTPS first ...", on every localhost registry) off the
// commands' stderr, unless the caller put its own containerd logger in ctx;
// warnings and errors (a hosts.toml that does not decode) still show.
func quietContainerdLog(ctx context.Context) context.Context {
	if log.G(ctx).Logger != log.L.Logger {
		return ctx
	}
	l := logrus.New()
	l.SetOutput(os.Stderr)
	l.SetLevel(logrus.WarnLevel)
	return log.WithLogger(ctx, logrus.NewEntry(l))
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

func credentialFunc(opts Options) (auth.CredentialFunc, error) {
	if c := opts.Credentials; c != nil {
		cred := auth.Credential{Username: c.Username, Password: c.Password, AccessToken: c.Token}
		return func(context.Context, string) (auth.Credential, error) { return cred, nil }, nil
	}
	store, err := dockerStore(opts.DockerConfig)
	if err != nil {
		return nil, err
	}
	return credentials.Credential(store), nil
}

// hostRepository turns one containerd registry host into an oras-go
// repository: its scheme and host, its TLS/dial settings (the host's
// transport), and its path prefix, headers and ns query by rewriting.
func hostRepository(parsed registry.Reference, h docker.RegistryHost, cred auth.CredentialFunc) (*remote.Repository, error) {
	repo, err := remote.NewRepository(h.Host + "/" + parsed.Repository)
	if err != nil {
		return nil, fmt.Errorf("hosts.toml endpoint %s://%s for %s: %w", h.Scheme, h.Host, parsed.Registry, err)
	}
	repo.Reference.Reference = parsed.Reference
	repo.PlainHTTP = h.Scheme == "http"
	repo.MaxMetadataBytes = MaxMetadata
	repo.SkipReferrersGC = true
	base := http.DefaultTransport
	if h.Client != nil && h.Client.Transport != nil {
		base = h.Client.Transport
	}
	rt := &hostTransport{base: base, host: h.Host, path: h.Path, header: h.Header}
	if isProxy(h.Host, parsed.Registry) {
		rt.ns = parsed.Registry
	}
	client := &auth.Client{
		Client:     &http.Client{Transport: retryingTransport(rt)},
		Cache:      auth.NewCache(),
		Credential: cred,
	}
	client.SetUserAgent("nfd-compat")
	repo.Client = client
	return repo, nil
}

// isProxy is containerd's RegistryHost.isProxy: an endpoint other than the
// registry itself (docker.io's is registry-1.docker.io) gets ?ns=<registry>.
func isProxy(host, registry string) bool {
	return host != registry && !(registry == "docker.io" && host == "registry-1.docker.io")
}

// hostTransport maps what oras-go cannot say itself: oras-go always asks
// for /v2/..., containerd hosts may live under another path (a server URL
// with a path, or override_path); hosts.toml headers; the ns query of
// mirrors. Only requests to the endpoint's own host are changed (token
// servers are left alone).
type hostTransport struct {
	base   http.RoundTripper
	host   string
	path   string
	header http.Header
	ns     string
}

func (t *hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.host {
		return t.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	if t.path != "/v2" && (r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/")) {
		r.URL.Path = strings.TrimSuffix(t.path, "/") + strings.TrimPrefix(r.URL.Path, "/v2")
		r.URL.RawPath = ""
	}
	for k, vs := range t.header {
		if r.Header.Get(k) == "" {
			r.Header[k] = vs
		}
	}
	if t.ns != "" && r.URL.Path != "/v2/" && r.URL.Path != strings.TrimSuffix(t.path, "/")+"/" {
		q := r.URL.Query()
		q.Set("ns", t.ns)
		r.URL.RawQuery = q.Encode()
	}
	resp, err := t.base.RoundTrip(r)
	if resp != nil {
		// Answer for the request oras-go made: our rewrites, and
		// containerd's HTTPS-to-HTTP fallback for hosts it configures so
		// (localhost, http:// servers with TLS settings), must not look
		// like a redirect to another origin, or oras-go would not answer a
		// 401 with credentials where containerd would.
		resp.Request = req
	}
	return resp, err
}

// errNoCapableHost says which capability no endpoint has.
func errNoCapableHost(registry, what string) error {
	return fmt.Errorf("no hosts.toml endpoint of %s has the %q capability: add it to a host's capabilities or to the server: %w", registry, what, errors.ErrUnsupported)
}
