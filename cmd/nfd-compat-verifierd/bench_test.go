package main

import (
	"path/filepath"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// BenchmarkWarmExec is a warm decision of the verifier as containerd runs
// it, exec and all: the binary ($NFD_COMPAT_BIN_DIR's, else built by
// hack/build-verifier.sh) exec'd with containerd's flags against an
// in-process registry (referrers API), cache_dir warm from a first
// decision. Compare with a hello-world exec for the start (docs/enforce.md).
func BenchmarkWarmExec(b *testing.B) {
	bin := verifierBin.Path(b)
	reg := testregistry.Start(b, testregistry.GGCRReferrers)
	ok := push(b, reg, "ok", "demo-spec.yaml")
	cfg, _ := config(b, "")
	if code, out, stderr := run(b, bin, cfg, ok); code != 0 {
		b.Fatalf("warm-up: exit %d, %q\n%s", code, out, stderr)
	}
	for b.Loop() {
		if code, out, stderr := run(b, bin, cfg, ok); code != 0 {
			b.Fatalf("exit %d, %q\n%s", code, out, stderr)
		}
	}
}

// BenchmarkResidentWarmExec is BenchmarkWarmExec through the shipped
// layout: the client exec'd with containerd's flags, asking a resident
// verifier (warm: one long-lived Verifier).
func BenchmarkResidentWarmExec(b *testing.B) {
	full := verifierBin.Path(b)
	cl := filepath.Join(filepath.Dir(full), "nfd-compat-verifier")
	reg := testregistry.Start(b, testregistry.GGCRReferrers)
	ok := push(b, reg, "ok", "demo-spec.yaml")
	cfg, _ := config(b, "")
	sock := filepath.Join(b.TempDir(), "run", "verifier.sock")
	containerdtest.StartVerifierd(b, full, sock)
	env := []string{policy.ConfigEnv + "=" + cfg, "DOCKER_CONFIG=" + b.TempDir(), wire.SocketEnv + "=" + sock, wire.FallbackEnv + "=/nonexistent"}
	if code, out, stderr := runEnv(b, cl, env, ok); code != 0 {
		b.Fatalf("warm-up: exit %d, %q\n%s", code, out, stderr)
	}
	for b.Loop() {
		if code, out, stderr := runEnv(b, cl, env, ok); code != 0 {
			b.Fatalf("exit %d, %q\n%s", code, out, stderr)
		}
	}
}
