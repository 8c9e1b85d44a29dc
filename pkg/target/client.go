package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	"github.com/containerd/containerd/v2/core/remotes/docker"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
)

// Credentials are static registry credentials given on the command line.
// Exactly one of Password or Token is used.
type Credentials struct {
	Username string
	Password string
	Token    string
}

// String never shows secrets, so a stray %v cannot leak them.
func (c Credentials) String() string { return fmt.Sprintf("credentials for %q", c.Username) }

// GoString covers %#v.
func (c Credentials) GoString() string { return c.String() }

// newRepository is the one place a registry client is built, for every
// endpoint of every path (one host from Options, or each host hosts.toml
// lists): an oras-go repository for parsed at endpoint h, talking h's
// scheme through h's transport (TLS, dial settings) with h's path prefix,
// headers and ns query (hostTransport), retried, authenticated with cred
// and a token cache of its own.
func newRepository(parsed registry.Reference, h docker.RegistryHost, cred auth.CredentialFunc) (*remote.Repository, error) {
	repo, err := remote.NewRepository(h.Host + "/" + parsed.Repository)
	if err != nil {
		return nil, fmt.Errorf("endpoint %s://%s for %s: %w", h.Scheme, h.Host, parsed.Registry, err)
	}
	repo.Reference.Reference = parsed.Reference
	repo.PlainHTTP = h.Scheme == "http"
	repo.MaxMetadataBytes = MaxMetadata
	// On registries without the referrers API, oras-go keeps the referrers
	// list in a sha256-<hex> tag. By default it deletes the replaced list by
	// digest, and when the last referrer goes it pushes nothing; registries
	// that keep serving a tag whose manifest was deleted by digest
	// (go-containerregistry's) then resurrect removed artifacts. Always
	// pushing the new (possibly empty) list over the tag is right everywhere;
	// the old list is left to the registry's garbage collection.
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

// plainHost is the one endpoint of a registry reached without hosts.toml:
// the registry itself, over HTTPS (HTTP with PlainHTTP) with the TLS
// setup Insecure and CAFile ask for, able to do everything.
func plainHost(parsed registry.Reference, opts Options) (docker.RegistryHost, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	cfg, err := tlsConfig(opts)
	if err != nil {
		return docker.RegistryHost{}, err
	}
	if cfg != nil {
		tr.TLSClientConfig = cfg
	}
	scheme := "https"
	if opts.PlainHTTP {
		scheme = "http"
	}
	return docker.RegistryHost{
		Client:       &http.Client{Transport: tr},
		Host:         parsed.Registry,
		Scheme:       scheme,
		Path:         "/v2",
		Capabilities: docker.HostCapabilityPull | docker.HostCapabilityResolve | docker.HostCapabilityPush | docker.HostCapabilityReferrers,
	}, nil
}

// credentialFunc answers every endpoint of the image: the static
// Credentials when given (the user gave them for this image's registry and
// its mirrors), else docker config.json and its credential helpers, looked
// up by the endpoint's host name.
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

func dockerStore(path string) (credentials.Store, error) {
	var (
		store credentials.Store
		err   error
	)
	if path != "" {
		store, err = credentials.NewStore(path, credentials.StoreOptions{})
	} else {
		store, err = credentials.NewStoreFromDocker(credentials.StoreOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("read docker credentials: %w (fix or move the docker config.json, or pass --registry-username)", err)
	}
	return store, nil
}

// tlsConfig is the TLS setup --insecure and --ca-file ask for, or nil for
// Go's defaults.
func tlsConfig(opts Options) (*tls.Config, error) {
	if !opts.Insecure && opts.CAFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: opts.Insecure} //nolint:gosec // the user asked for --insecure
	if opts.CAFile != "" {
		pool, err := certPool(opts.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

func certPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read --ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", path)
	}
	return pool, nil
}
