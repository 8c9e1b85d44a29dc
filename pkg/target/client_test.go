package target

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// The plain path and the hosts.toml path build their clients the same way:
// static credentials answer the registry's challenge, with nfd-compat's
// User-Agent, and writes and reads work through both.
func TestOneClientBothPaths(t *testing.T) {
	ctx := context.Background()
	var h recorder
	reg := testregistry.Start(t, testregistry.GGCRReferrers, h.mw, testregistry.BasicAuth("alice", "s3cret"))
	creds := &Credentials{Username: "alice", Password: "s3cret"}
	root := t.TempDir()
	writeHosts(t, root, "registry.example", fmt.Sprintf("server = \"http://%s\"\n", reg.Host))

	plain, err := Open(ctx, reg.Host+"/app:v1", Options{PlainHTTP: true, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	d, err := testimage.Push(ctx, plain.Store, "v1")
	if err != nil {
		t.Fatalf("push through the plain path: %v", err)
	}
	for name, o := range map[string]struct {
		ref  string
		opts Options
	}{
		"plain":      {reg.Host + "/app:v1", Options{PlainHTTP: true, Credentials: creds}},
		"hosts.toml": {"registry.example/app:v1", Options{HostsDir: root, Credentials: creds}},
	} {
		h.authAgents()
		img, err := Open(ctx, o.ref, o.opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, err := img.Resolve(ctx, nil); err != nil || got.Digest != d.Digest {
			t.Errorf("%s: resolve = %v, %v", name, got.Digest, err)
		}
		agents := h.authAgents()
		if len(agents) == 0 {
			t.Errorf("%s: no request carried the credentials", name)
		}
		for _, a := range agents {
			if !strings.HasPrefix(a, "nfd-compat") {
				t.Errorf("%s: User-Agent %q", name, a)
			}
		}
	}
	// Wrong credentials fail the same way on both paths.
	bad := &Credentials{Username: "alice", Password: "wrong"}
	for name, o := range map[string]Options{
		"plain":      {PlainHTTP: true, Credentials: bad},
		"hosts.toml": {HostsDir: root, Credentials: bad},
	} {
		ref := reg.Host + "/app:v1"
		if name == "hosts.toml" {
			ref = "registry.example/app:v1"
		}
		img, err := Open(ctx, ref, o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := img.Resolve(ctx, nil); err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("%s: resolve with wrong credentials = %v, want a 401", name, err)
		}
	}
}

// Static credentials are given for the image's registry whatever host name
// oras-go asks with. The plain path used to build them with
// auth.StaticCredential, which maps docker.io to registry-1.docker.io and
// so answered requests to docker.io, where the plain path sends them,
// anonymously.
func TestStaticCredentialsForDockerHub(t *testing.T) {
	img, err := Open(context.Background(), "docker.io/library/nginx:1.27", Options{Credentials: &Credentials{Username: "bob", Token: "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	repo, ok := img.Store.(*remote.Repository)
	if !ok {
		t.Fatalf("store is %T", img.Store)
	}
	client, ok := repo.Client.(*auth.Client)
	if !ok {
		t.Fatalf("client is %T", repo.Client)
	}
	if repo.Reference.Registry != "docker.io" {
		t.Fatalf("plain path talks to %s", repo.Reference.Registry)
	}
	cred, err := client.Credential(context.Background(), repo.Reference.Registry)
	if err != nil || cred.Username != "bob" || cred.AccessToken != "tok" {
		t.Errorf("credential for %s = %+v, %v", repo.Reference.Registry, cred.Username, err)
	}
}
