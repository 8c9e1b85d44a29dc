package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// clientBin is the bindir client, built next to the full verifier.
func clientBin(t *testing.T) string {
	t.Helper()
	p := filepath.Join(filepath.Dir(verifierBin.Path(t)), "nfd-compat-verifier")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the client is not next to %s: %v (hack/build-verifier.sh builds both)", verifierBin.Path(t), err)
	}
	return p
}

// volatile are the fields of a log line that differ between two runs.
var volatile = regexp.MustCompile(`time="[^"]*" |duration_ms=[0-9.]+`)

func sameLines(a, b string) bool {
	return volatile.ReplaceAllString(a, "") == volatile.ReplaceAllString(b, "")
}

// residentEnv is containerd's environment for the client: the policy, a
// docker config, the socket and the fallback.
func residentEnv(t *testing.T, cfg, sock, fallback string) []string {
	return []string{policy.ConfigEnv + "=" + cfg, "DOCKER_CONFIG=" + filepath.Join(filepath.Dir(cfg), "docker"),
		wire.SocketEnv + "=" + sock, wire.FallbackEnv + "=" + fallback}
}

// TestResidentSameAsDirect: through the resident verifier the client
// prints and returns exactly what the one-shot verifier does (stdout,
// exit code; stderr but for times), for allowed, refused and artifact-less
// images, bad arguments and -h. The fallback named does not exist, so an
// answer not from the daemon would be a refusal.
func TestResidentSameAsDirect(t *testing.T) {
	full, cl := verifierBin.Path(t), clientBin(t)
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	ok, gpu, plain := push(t, reg, "ok", "demo-spec.yaml"), push(t, reg, "gpu", "gpu-spec.yaml"), push(t, reg, "plain", "")
	cfg, cacheDir := config(t, "")
	sock := filepath.Join(t.TempDir(), "run", "verifier.sock")
	containerdtest.StartVerifierd(t, full, sock)
	env := residentEnv(t, cfg, sock, "/nonexistent/nfd-compat-verifierd")

	for _, img := range []image{ok, gpu, plain, gpu, ok} {
		dc, dout, derr := runEnv(t, full, env, img)
		start := time.Now()
		cc, cout, cerr := runEnv(t, cl, env, img)
		took := time.Since(start)
		if dc != cc || dout != cout || !sameLines(derr, cerr) {
			t.Errorf("%s: direct exit %d %q\n%s\nthrough the daemon exit %d %q\n%s", img.name, dc, dout, derr, cc, cout, cerr)
		}
		t.Logf("%s: exit %d in %s: %s", img.name, cc, took, cout)
	}
	if n := len(auditLines(t, cacheDir)); n != 10 {
		t.Errorf("audit.jsonl has %d lines, want 10 (5 direct, 5 by the daemon)", n)
	}
	for _, args := range [][]string{{"-h"}, {"-bogus\x1b[2J"}, {"-digest", "sha256:x"}, {"-name", "reg.example/app:v1", "-stdin-media-type", "application/x-other"}} {
		var outs [2]string
		var codes [2]int
		for i, bin := range []string{full, cl} {
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), env...)
			cmd.Stdin = strings.NewReader("not read")
			var o, e strings.Builder
			cmd.Stdout, cmd.Stderr = &o, &e
			err := cmd.Run()
			codes[i] = cmd.ProcessState.ExitCode()
			if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
				t.Fatal(err)
			}
			outs[i] = o.String() + "\x00" + volatile.ReplaceAllString(e.String(), "")
		}
		if codes[0] != codes[1] || outs[0] != outs[1] {
			t.Errorf("%q: direct exit %d %q, client exit %d %q", args, codes[0], outs[0], codes[1], outs[1])
		}
	}
}

// TestResidentFallback: with the daemon killed (its socket left behind)
// or never started, the client execs the one-shot verifier: the same
// refusal, and the descriptor read from stdin handed on (an index is judged
// by its platform manifest's artifact only with it). With no fallback
// either, the pull is refused naming both paths and the fix.
func TestResidentFallback(t *testing.T) {
	full, cl := verifierBin.Path(t), clientBin(t)
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	gpu, ok := push(t, reg, "gpu", "gpu-spec.yaml"), push(t, reg, "ok", "demo-spec.yaml")
	cfg, _ := config(t, "")
	sock := filepath.Join(t.TempDir(), "run", "verifier.sock")
	d := containerdtest.StartVerifierd(t, full, sock)
	env := residentEnv(t, cfg, sock, full)
	_, want, _ := runEnv(t, full, env, gpu)
	d.Kill()
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("a killed daemon's socket should stay behind: %v", err)
	}
	code, out, stderr := runEnv(t, cl, env, gpu)
	if code != 1 || out != want || !strings.Contains(stderr, "deciding with the one-shot verifier "+full) {
		t.Errorf("daemon killed: exit %d %q (want %q)\n%s", code, out, want, stderr)
	}
	if code, out, _ := runEnv(t, cl, env, ok); code != 0 || !strings.Contains(out, "is compatible") {
		t.Errorf("daemon killed, compatible image: exit %d %q", code, out)
	}
	os.Remove(sock)
	if code, out, stderr = runEnv(t, cl, env, gpu); code != 1 || out != want || !strings.Contains(stderr, "is not there") {
		t.Errorf("no socket: exit %d %q\n%s", code, out, stderr)
	}
	env = residentEnv(t, cfg, sock, "/nonexistent/verifierd")
	code, out, _ = runEnv(t, cl, env, ok)
	if code != 1 || !strings.Contains(out, sock) || !strings.Contains(out, "/nonexistent/verifierd") || !strings.Contains(out, "fix: start nfd-compat-verifierd.service") {
		t.Errorf("neither: exit %d %q", code, out)
	}
}

// TestResidentUntrustedSocket: a socket in a directory anyone may write is
// not used, though the daemon there would answer (and is used once the
// directory is private): the one-shot verifier decides.
func TestResidentUntrustedSocket(t *testing.T) {
	full, cl := verifierBin.Path(t), clientBin(t)
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	gpu := push(t, reg, "gpu", "gpu-spec.yaml")
	cfg, _ := config(t, "")
	sock := filepath.Join(t.TempDir(), "run", "verifier.sock")
	containerdtest.FakeVerifierd(t, sock, false)
	env := residentEnv(t, cfg, sock, full)
	if code, out, _ := runEnv(t, cl, env, gpu); code != 0 || out != "fake: allowed" {
		t.Fatalf("a trusted socket's daemon should answer: exit %d %q", code, out)
	}
	if err := os.Chmod(filepath.Dir(sock), 0o777); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runEnv(t, cl, env, gpu)
	if code != 1 || !strings.Contains(out, "is incompatible with this host") || !strings.Contains(stderr, "writable by group or others") {
		t.Errorf("socket dir 0777: exit %d %q\n%s", code, out, stderr)
	}
	if err := os.Chmod(filepath.Dir(sock), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sock, 0o666); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runEnv(t, cl, env, gpu); code != 1 || !strings.Contains(out, "is incompatible") {
		t.Errorf("socket 0666: exit %d %q", code, out)
	}
}

// TestResidentHungDaemon: a daemon that accepts and never answers costs
// the pull at most wire.AckTimeout: the one-shot verifier then decides.
func TestResidentHungDaemon(t *testing.T) {
	full, cl := verifierBin.Path(t), clientBin(t)
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	gpu := push(t, reg, "gpu", "gpu-spec.yaml")
	cfg, _ := config(t, "")
	sock := filepath.Join(t.TempDir(), "run", "verifier.sock")
	containerdtest.FakeVerifierd(t, sock, true)
	start := time.Now()
	code, out, stderr := runEnv(t, cl, residentEnv(t, cfg, sock, full), gpu)
	took := time.Since(start)
	if code != 1 || !strings.Contains(out, "is incompatible") || !strings.Contains(stderr, "did not acknowledge the request within") {
		t.Errorf("hung daemon: exit %d %q\n%s", code, out, stderr)
	}
	if took < wire.AckTimeout || took > wire.AckTimeout+5*time.Second {
		t.Errorf("decided in %s: want the ack bound %s plus a one-shot decision", took, wire.AckTimeout)
	}
	t.Logf("hung daemon: decided in %s", took)
}

// TestResidentPolicyEdit: an edited config.toml applies to the next call
// without a restart, as with the one-shot verifier.
func TestResidentPolicyEdit(t *testing.T) {
	full, cl := verifierBin.Path(t), clientBin(t)
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	gpu := push(t, reg, "gpu", "gpu-spec.yaml")
	cfg, _ := config(t, "")
	sock := filepath.Join(t.TempDir(), "run", "verifier.sock")
	containerdtest.StartVerifierd(t, full, sock)
	env := residentEnv(t, cfg, sock, "/nonexistent/verifierd")
	if code, out, _ := runEnv(t, cl, env, gpu); code != 1 || !strings.HasSuffix(out, "refused by mode=enforce") {
		t.Fatalf("enforce: exit %d %q", code, out)
	}
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n", "[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\n  mode = \"warn\"\n", 1)
	if err := os.WriteFile(cfg, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runEnv(t, cl, env, gpu); code != 0 || !strings.Contains(out, "allowed by mode=warn") {
		t.Errorf("after the edit to warn: exit %d %q", code, out)
	}
}
