package pull

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

func TestParseUnpack(t *testing.T) {
	for in, want := range map[string]*bool{"": nil, "auto": nil, "true": ptr(true), "false": ptr(false)} {
		u, err := ParseUnpack(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := u.nerdctl(); (got == nil) != (want == nil) || (got != nil && *got != *want) {
			t.Errorf("--unpack %q: nerdctl's Unpack %v, want %v", in, got, want)
		}
	}
	if _, err := ParseUnpack("yes"); err == nil || !strings.Contains(err.Error(), "auto, true, false") {
		t.Errorf("--unpack yes: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestHostsDirsFor: nerdctl's transfer pull reads only the first hosts
// root, so the one with the registry's hosts.toml goes first.
func TestHostsDirsFor(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeHosts(t, b, "registry.example.com:5000", `server = "http://registry.example.com:5000"`)
	got, err := hostsDirsFor([]string{"/nonexistent", a, b}, "registry.example.com:5000")
	if want := []string{b, "/nonexistent", a}; err != nil || !slices.Equal(got, want) {
		t.Errorf("hostsDirsFor = %q, %v; want %q", got, err, want)
	}
	if got, _ := hostsDirsFor([]string{a, b}, "other.example.com"); !slices.Equal(got, []string{a, b}) {
		t.Errorf("no hosts.toml for the registry: order changed to %q", got)
	}
}

func writeHosts(t *testing.T, root, host, toml string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, host), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, host, "hosts.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNerdctlOptions: what nerdctl's pull is given.
func TestNerdctlOptions(t *testing.T) {
	arm := &ocispec.Platform{OS: "linux", Architecture: "arm64"}
	o := nerdctlOptions(Options{
		Containerd: Containerd{Address: "/run/c.sock", Namespace: "k8s.io"},
		Registry:   Registry{PlainHTTP: true},
		Platform:   arm, Snapshotter: "native", Unpack: UnpackFalse, Quiet: true,
	}, registryOptionsFor(t, "/a:/b"))
	if o.Mode != "always" || len(o.OCISpecPlatform) != 1 || o.OCISpecPlatform[0].Architecture != "arm64" ||
		o.Unpack == nil || *o.Unpack || !o.Quiet {
		t.Errorf("pull options: %+v", o)
	}
	g := o.GOptions
	if g.Address != "/run/c.sock" || g.Namespace != "k8s.io" || g.Snapshotter != "native" || !slices.Equal(g.HostsDir, []string{"/a", "/b"}) {
		t.Errorf("global options: %+v", g)
	}
	if !g.InsecureRegistry {
		t.Error("--plain-http must reach nerdctl as --insecure-registry (it has no --plain-http)")
	}
}

func registryOptionsFor(t *testing.T, hostsDir string) (o target.Options) {
	t.Helper()
	o.HostsDir = hostsDir
	return o
}

// TestResolveExplained: the check resolves through pkg/target, so a
// registry's refusal is worded by target.Explain, as in every command.
func TestResolveExplained(t *testing.T) {
	ctx := context.Background()
	const user, password = "alice", "s3cret-pa55"
	reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.BasicAuth(user, password))
	repo := reg.AuthRepo(t, "private", user, password)
	pushed, err := testimage.Push(ctx, repo, "v1")
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.Ref("private", "v1")
	hosts := t.TempDir() // no hosts.toml: localhost is plain HTTP, as in containerd

	empty := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(empty, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = resolve(ctx, ref, Registry{HostsDirs: []string{hosts}, DockerConfig: empty})
	if err == nil || !strings.Contains(err.Error(), "wants credentials") || !strings.Contains(err.Error(), "docker login") {
		t.Fatalf("no credentials: want target.Explain's wording, got %v", err)
	}

	cfg := filepath.Join(t.TempDir(), "config.json")
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	if err := os.WriteFile(cfg, []byte(`{"auths":{"`+reg.Host+`":{"auth":"`+basic+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	desc, topts, err := resolve(ctx, ref, Registry{HostsDirs: []string{hosts}, DockerConfig: cfg})
	if err != nil || desc.Digest != pushed.Digest {
		t.Fatalf("docker config.json credentials: %v %v, want %s", desc.Digest, err, pushed.Digest)
	}
	if topts.HostsDir != hosts || topts.DockerConfig != cfg {
		t.Errorf("registry options of the check: %+v", topts)
	}
	if _, _, err := resolve(ctx, reg.Ref("private", "nope"), Registry{HostsDirs: []string{hosts}, DockerConfig: cfg}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing tag: %v", err)
	}
}
