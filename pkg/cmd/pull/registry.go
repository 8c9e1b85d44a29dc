package pull

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/containerd/v2/core/remotes/docker"
	dockerconfig "github.com/containerd/containerd/v2/core/remotes/docker/config"
	"github.com/containerd/containerd/v2/core/transfer/registry"
	"github.com/containerd/errdefs"
	"github.com/containerd/nerdctl/v2/pkg/imgutil/dockerconfigresolver"
	"github.com/distribution/reference"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
)

// image is the parsed reference and how its registry is reached.
type image struct {
	// name is the normalized reference: docker.io/library/alpine:latest.
	name string
	// domain is the registry host as written: docker.io, 127.0.0.1:5000.
	domain string
	creds  *credentials
	// scheme is "http" when the registry turned out (or was declared, or
	// is on localhost, as nerdctl assumes) to speak plain HTTP.
	scheme string
}

func parseRef(ref string) (*image, error) {
	named, err := reference.ParseDockerRef(ref)
	if err != nil {
		return nil, fmt.Errorf("invalid image reference %q: expected [REGISTRY/]REPOSITORY[:TAG|@DIGEST], e.g. docker.io/library/alpine:3.20: %w", ref, err)
	}
	return &image{name: named.String(), domain: reference.Domain(named)}, nil
}

// credentials answer containerd's credential requests (the transfer
// service asks the client, per registry host) and the local resolver's:
// static credentials for the image's registry, else docker config.json and
// its credential helpers, read with nerdctl's dockerconfigresolver.
type credentials struct {
	domain string
	static *staticCreds
	docker dockerconfigresolver.AuthCreds
	log    logrus.FieldLogger
}

type staticCreds struct{ username, secret string }

func newCredentials(domain string, reg Registry, log logrus.FieldLogger) *credentials {
	c := &credentials{domain: domain, log: log}
	if s := reg.Credentials; s != nil {
		if s.Token != "" {
			c.static = &staticCreds{secret: s.Token}
		} else {
			c.static = &staticCreds{username: s.Username, secret: s.Password}
		}
		return c
	}
	docker, err := dockerconfigresolver.NewAuthCreds(domain)
	if err != nil {
		log.Warnf("docker config.json unreadable, pulling without its credentials: %v", err)
		return c
	}
	c.docker = docker
	return c
}

// forImageRegistry reports whether host is the image's registry; Docker
// Hub's API host is registry-1.docker.io.
func (c *credentials) forImageRegistry(host string) bool {
	return host == c.domain || (c.domain == "docker.io" && host == "registry-1.docker.io")
}

// lookup never fails: containerd's transfer service waits for an answer to
// every request, so a failed lookup is logged and answered anonymously.
func (c *credentials) lookup(host string) (username, secret string) {
	if c.static != nil {
		if c.forImageRegistry(host) {
			return c.static.username, c.static.secret
		}
		return "", ""
	}
	if c.docker == nil {
		return "", ""
	}
	u, s, err := c.docker(host)
	if err != nil {
		c.log.Warnf("credentials for %s from docker config.json: %v (pulling anonymously)", host, err)
		return "", ""
	}
	return u, s
}

// GetCredentials is registry.CredentialHelper.
func (c *credentials) GetCredentials(_ context.Context, _, host string) (registry.Credentials, error) {
	u, s := c.lookup(host)
	return registry.Credentials{Host: host, Username: u, Secret: s}, nil
}

// hostsRoot returns the first of dirs with a hosts.toml directory for host
// (or a _default one), as nerdctl searches --hosts-dir; "" when none has.
// containerd's transfer service takes a single root, read by the daemon.
func hostsRoot(dirs []string, host string) (string, error) {
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		found, err := dockerconfig.HostDirFromRoot(dir)(host)
		if err != nil && !errdefs.IsNotFound(err) {
			return "", fmt.Errorf("hosts dir %s: %w", dir, err)
		}
		if found != "" {
			return dir, nil
		}
	}
	return "", nil
}

// resolve resolves the reference the way containerd will, with the same
// hosts.toml, credentials and scheme, and returns the descriptor the image
// verifiers will be given. With --insecure-registry it falls back to plain
// HTTP when the registry does not speak HTTPS, as nerdctl does.
func (img *image) resolve(ctx context.Context, reg Registry) (ocispec.Descriptor, error) {
	desc, err := img.resolveWith(ctx, reg, reg.PlainHTTP)
	if err == nil || !reg.Insecure || reg.PlainHTTP || !notHTTPS(err) {
		return desc, err
	}
	desc, err2 := img.resolveWith(ctx, reg, true)
	if err2 != nil {
		return desc, fmt.Errorf("%w (and over plain HTTP: %v)", err, err2)
	}
	img.scheme = "http"
	return desc, nil
}

func (img *image) resolveWith(ctx context.Context, reg Registry, plainHTTP bool) (ocispec.Descriptor, error) {
	opts := []dockerconfigresolver.Opt{
		dockerconfigresolver.WithHostsDirs(reg.HostsDirs),
		dockerconfigresolver.WithPlainHTTP(plainHTTP),
		dockerconfigresolver.WithSkipVerifyCerts(reg.Insecure),
		dockerconfigresolver.WithAuthCreds(func(host string) (string, string, error) {
			u, s := img.creds.lookup(host)
			return u, s, nil
		}),
	}
	resolver, err := dockerconfigresolver.New(ctx, img.domain, opts...)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("set up registry access for %s: %w", img.domain, err)
	}
	_, desc, err := resolver.Resolve(ctx, img.name)
	if err != nil {
		return ocispec.Descriptor{}, explainResolve(img, err)
	}
	if local, _ := docker.MatchLocalhost(img.domain); plainHTTP || local {
		img.scheme = "http"
	}
	return desc, nil
}

func notHTTPS(err error) bool {
	return errors.Is(err, http.ErrSchemeMismatch) || strings.Contains(err.Error(), "connection refused") ||
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

func explainResolve(img *image, err error) error {
	switch {
	case errdefs.IsNotFound(err):
		return fmt.Errorf("resolve %s: %w (check the name and tag)", img.name, err)
	case errors.Is(err, docker.ErrInvalidAuthorization), strings.Contains(err.Error(), "401 Unauthorized"):
		return fmt.Errorf("resolve %s: %w (log in with `nerdctl login %s` / `docker login`, or give --registry-username with --registry-password-stdin)", img.name, err, img.domain)
	case notHTTPS(err):
		return fmt.Errorf("resolve %s: %w (for a plain HTTP registry give --plain-http, --insecure-registry, or a hosts.toml with server = \"http://%s\" under --hosts-dir)", img.name, err, img.domain)
	}
	return fmt.Errorf("resolve %s: %w", img.name, err)
}

// transferHosts returns the hosts root the daemon should read for this pull.
// With --insecure-registry it writes a temporary one that says what the
// resolve found out (HTTPS without verification, or plain HTTP), since the
// transfer service takes no TLS options from the client; cleanup removes it.
func (img *image) transferHosts(reg Registry) (root string, cleanup func(), err error) {
	if !reg.Insecure {
		root, err := hostsRoot(reg.HostsDirs, img.domain)
		return root, func() {}, err
	}
	dir, err := os.MkdirTemp("", "nfd-compat-hosts-")
	if err != nil {
		return "", nil, fmt.Errorf("write hosts.toml for --insecure-registry: %w", err)
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	host := img.domain
	if host == "docker.io" {
		host = "registry-1.docker.io"
	}
	scheme := "https"
	if img.scheme == "http" {
		scheme = "http"
	}
	server := scheme + "://" + host
	toml := fmt.Sprintf("server = %q\n\n[host.%q]\n  capabilities = [\"pull\", \"resolve\"]\n", server, server)
	if scheme == "https" {
		toml += "  skip_verify = true\n"
	}
	hd := filepath.Join(dir, img.domain)
	if err := os.MkdirAll(hd, 0o755); err != nil {
		cleanup()
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(hd, "hosts.toml"), []byte(toml), 0o644); err != nil {
		cleanup()
		return "", nil, err
	}
	// The daemon, not this process, reads the file.
	if err := os.Chmod(dir, 0o755); err != nil {
		cleanup()
		return "", nil, err
	}
	return dir, cleanup, nil
}
