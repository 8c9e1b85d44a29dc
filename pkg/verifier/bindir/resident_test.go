package bindir

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// TestWireConstants: what the stdlib-only client assumes is what this
// package does.
func TestWireConstants(t *testing.T) {
	if wire.DescriptorMediaType != ocispec.MediaTypeDescriptor {
		t.Errorf("wire.DescriptorMediaType %q, ocispec %q", wire.DescriptorMediaType, ocispec.MediaTypeDescriptor)
	}
	if maxDescriptor != wire.MaxStdin {
		t.Errorf("stdin bounds differ: %d and %d", maxDescriptor, wire.MaxStdin)
	}
}

// TestForwardedEnv: every variable a decision reads is one the client
// forwards (the daemon's getenv knows no other).
func TestForwardedEnv(t *testing.T) {
	cfg := testfiles.Write(t, t.TempDir(), "config.toml", "version = 3\n[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n  mode = \"off\"\n  cache_dir = \""+t.TempDir()+"\"\n")
	var mu sync.Mutex
	asked := map[string]bool{}
	getenv := func(k string) string {
		mu.Lock()
		asked[k] = true
		mu.Unlock()
		if k == policy.ConfigEnv {
			return cfg
		}
		return ""
	}
	var out, errb strings.Builder
	code := Run(context.Background(), []string{"-name", "reg.invalid/app:v1", "-digest", "sha256:" + strings.Repeat("a", 64)}, strings.NewReader(""), &out, &errb, getenv)
	if code != ExitAllow {
		t.Fatalf("mode off: exit %d %q\n%s", code, out.String(), errb.String())
	}
	for k := range asked {
		if !slices.Contains(wire.ForwardedEnv, k) {
			t.Errorf("a decision reads $%s, which the client does not forward (wire.ForwardedEnv)", k)
		}
	}
	if !asked[policy.ConfigEnv] || !asked["HOME"] {
		t.Errorf("asked %v: the policy and credentials lookups should ask", asked)
	}
}

// TestResidentFollowsConfig: the resident verifier reads the policy again
// when a file it came from changes (a drop-in added to an imported glob,
// then removed), keeps one Verifier while nothing changes, and says what a
// one-shot verifier would.
func TestResidentFollowsConfig(t *testing.T) {
	dir := t.TempDir()
	cache := t.TempDir() // not under dir: creating it would change dir, a reload
	cfg := testfiles.Write(t, dir, "config.toml", "version = 3\nimports = [\"conf.d/*.toml\"]\n[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n  mode = \"off\"\n  cache_dir = \""+cache+"\"\n")
	if err := os.Mkdir(filepath.Join(dir, "conf.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == policy.ConfigEnv {
			return cfg
		}
		return ""
	}
	r := &Resident{}
	args := []string{"-name", "reg.invalid/app:v1", "-digest", "sha256:" + strings.Repeat("a", 64)}
	call := func(vs verifiers) (int, string) {
		var out, errb strings.Builder
		code := run(context.Background(), args, strings.NewReader(""), &out, &errb, getenv, vs)
		return code, out.String()
	}
	same := func(what string) (int, string) {
		t.Helper()
		code, out := call(r)
		if dc, dout := call(oneShot{}); dc != code || dout != out {
			t.Errorf("%s: resident exit %d %q, one-shot exit %d %q", what, code, out, dc, dout)
		}
		return code, out
	}
	if code, out := same("mode off"); code != ExitAllow || !strings.Contains(out, "mode=off") {
		t.Fatalf("mode off: exit %d %q", code, out)
	}
	v := r.held.v
	same("again")
	if r.held.v != v || v == nil {
		t.Errorf("a second call with nothing changed made a new Verifier")
	}
	dropin := testfiles.Write(t, filepath.Join(dir, "conf.d"), "strict.toml", "version = 3\n[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n  mode = \"strict\"\n")
	if code, out := same("drop-in added"); code != ExitRefuse || !strings.Contains(out, `mode = "strict"`) {
		t.Errorf("drop-in added: exit %d %q", code, out)
	}
	if err := os.Remove(dropin); err != nil {
		t.Fatal(err)
	}
	if code, out := same("drop-in removed"); code != ExitAllow || !strings.Contains(out, "mode=off") {
		t.Errorf("drop-in removed: exit %d %q", code, out)
	}
	if err := os.WriteFile(cfg, []byte("version = 3\n[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := same("not TOML"); code != ExitRefuse || !strings.Contains(out, "cannot read the policy") {
		t.Errorf("not TOML: exit %d %q", code, out)
	}
}
