package integration

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

const (
	user     = "alice"
	password = "s3cret-pa55"
)

// TestCredentials: docker config.json and the upstream stdin flags both
// work, and no secret ever shows in output or errors.
func TestCredentials(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.BasicAuth(user, password))
	repo := reg.AuthRepo(t, "private", user, password)
	if _, err := testimage.Push(ctx, repo, "v1"); err != nil {
		t.Fatal(err)
	}
	ref := reg.Ref("private", "v1")
	noSecret := func(t *testing.T, r result, secrets ...string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Fatalf("secret %q in output:\n%s%s", s, r.stdout, r.stderr)
			}
		}
	}

	// An empty docker config: the registry refuses, and the error says what to do.
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	r := must(t, 2, "list-specs", "--plain-http", ref)
	if !strings.Contains(r.stderr, "wants credentials") || !strings.Contains(r.stderr, "--registry-password-stdin") {
		t.Fatalf("unauthenticated: %s", r.stderr)
	}

	// Upstream's flags, password on stdin.
	r = run(t, password+"\n", "attach-spec", "--plain-http", ref, kepSpec, "--registry-username", user, "--registry-password-stdin")
	if r.code != 0 {
		t.Fatalf("attach with --registry-password-stdin: exit %d\n%s", r.code, r.stderr)
	}
	noSecret(t, r, password)
	r = run(t, "wrong-pa55\n", "list-specs", "--plain-http", ref, "--registry-username", user, "--registry-password-stdin")
	if r.code != 2 {
		t.Fatalf("wrong password: exit %d", r.code)
	}
	noSecret(t, r, "wrong-pa55", password)
	if r := run(t, "", "list-specs", "--plain-http", ref, "--registry-username", user); r.code != 2 || !strings.Contains(r.stderr, "--registry-password-stdin") {
		t.Fatalf("--registry-username alone must be refused: %d %s", r.code, r.stderr)
	}

	// docker login's config.json.
	dir := t.TempDir()
	cfg := `{"auths":{"` + reg.Host + `":{"auth":"` + base64.StdEncoding.EncodeToString([]byte(user+":"+password)) + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	r = must(t, 0, "list-specs", "--plain-http", ref)
	noSecret(t, r, password, base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	// The KEP example's verdict depends on the host's CPU vendor; reaching one is the point.
	if r := run(t, "", "validate-node", "--plain-http", ref); r.code != 0 && r.code != 1 {
		t.Fatalf("validate-node with docker credentials: exit %d\n%s", r.code, r.stderr)
	}
}

// TestRegistryRefusesDelete: a clear error naming the registry and its answer,
// and the artifact stays.
func TestRegistryRefusesDelete(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.RefuseDeletes)
	p := registryPlace(reg)
	_, img := p.push(t, "nodelete")
	ref := reg.Ref("nodelete", "v1")
	must(t, 0, "attach-spec", "--plain-http", ref, kepSpec)
	r := must(t, 2, "remove-spec", "--plain-http", ref)
	for _, want := range []string{"registry " + reg.Host, "refused to delete", "405", "unsupported"} {
		if !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(want)) {
			t.Fatalf("refused delete: want %q in\n%s", want, r.stderr)
		}
	}
	if n := len(p.referrers(t, "nodelete", img)); n != 1 {
		t.Fatalf("after a refused delete %d referrers remain, want 1", n)
	}
}
