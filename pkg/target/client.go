package target

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

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

func newClient(host string, opts Options) (*auth.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	cfg, err := tlsConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		tr.TLSClientConfig = cfg
	}
	client := &auth.Client{
		Client: &http.Client{Transport: retryingTransport(tr)},
		Cache:  auth.NewCache(),
	}
	client.SetUserAgent("nfd-compat")
	switch {
	case opts.Credentials != nil:
		c := opts.Credentials
		client.Credential = auth.StaticCredential(host, auth.Credential{Username: c.Username, Password: c.Password, AccessToken: c.Token})
	default:
		store, err := dockerStore(opts.DockerConfig)
		if err != nil {
			return nil, err
		}
		client.Credential = credentials.Credential(store)
	}
	return client, nil
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
