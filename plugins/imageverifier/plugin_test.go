package imageverifier

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

func TestConfigIsThePolicy(t *testing.T) {
	// containerd decodes the stanza into the registration's Config, a
	// Stanza; a bad mode fails closed with the problem as the reason.
	v := newVerifier(context.Background(), policy.Stanza{"mode": "nope", "cache_dir": t.TempDir()}, nil)
	j, err := v.VerifyImage(context.Background(), "x/y:z", ocispec.Descriptor{})
	if err != nil || j.OK || !strings.Contains(j.Reason, `mode = "nope"`) || !strings.Contains(j.Reason, policy.ByInvalid) {
		t.Errorf("invalid policy: %+v %v", j, err)
	}
}

// TestContainerdNFDPull pulls through a real containerd-nfd (prebuilt: set
// NFD_COMPAT_CONTAINERD_NFD and NFD_COMPAT_CTR to the binaries; root only):
// a compatible image pulls, an incompatible one is refused with our reason;
// once with the in-process plugin, once with the bindir executable
// (NFD_COMPAT_VERIFIER: the one-shot nfd-compat-verifierd, the in-process
// plugin disabled).
func TestContainerdNFDPull(t *testing.T) {
	t.Run("in-process", func(t *testing.T) { containerdPull(t, "") })
	t.Run("bindir", func(t *testing.T) {
		bin := os.Getenv("NFD_COMPAT_VERIFIER")
		if bin == "" {
			testenv.Missing(t, "set NFD_COMPAT_VERIFIER to the one-shot verifier (nfd-compat-verifierd)")
		}
		containerdPull(t, bin)
	})
}

func containerdPull(t *testing.T, verifierBin string) {
	daemon, ctr := os.Getenv("NFD_COMPAT_CONTAINERD_NFD"), os.Getenv("NFD_COMPAT_CTR")
	if daemon == "" || ctr == "" {
		testenv.Missing(t, "set NFD_COMPAT_CONTAINERD_NFD and NFD_COMPAT_CTR to containerd-nfd and ctr binaries")
	}
	testenv.Root(t, "starting containerd")
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	push := func(repo, specFile string) string {
		r := reg.Repo(t, repo)
		d, err := testimage.Push(ctx, r, "v1", testimage.WithPlatform("linux/"+runtime.GOARCH))
		if err != nil {
			t.Fatal(err)
		}
		spec, err := os.ReadFile(filepath.Join("..", "..", "examples", specFile))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := artifact.Attach(ctx, r, ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}, spec, artifact.AttachOptions{}); err != nil {
			t.Fatal(err)
		}
		return reg.Ref(repo, "v1")
	}
	ok, gpu := push("ok", "demo-spec.yaml"), push("gpu", "gpu-spec.yaml")

	dir, err := os.MkdirTemp("", "ctdnfd") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "c.sock")
	cfg := filepath.Join(dir, "config.toml")
	body := fmt.Sprintf(`version = 3
root = %[1]q
state = %[2]q
imports = []
disabled_plugins = ["io.containerd.cri.v1.runtime", "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images", "io.containerd.podsandbox.controller.v1.podsandbox"]
[grpc]
  address = %[3]q
[ttrpc]
  address = %[4]q
[plugins."io.containerd.image-verifier.v1.nfd-compat"]
  timeout = "3s"
  cache_dir = %[5]q
  config_path = %[6]q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), sock, sock+".ttrpc", filepath.Join(dir, "cache"), filepath.Join(dir, "certs.d"))
	verifierName := "nfd-compat"
	if verifierBin != "" {
		verifierName = "bindir"
		binDir := filepath.Join(dir, "bin")
		if err := os.MkdirAll(binDir, 0o755); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(verifierBin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(binDir, "nfd-compat-verifier"), data, 0o755); err != nil {
			t.Fatal(err)
		}
		body = strings.Replace(body, `"io.containerd.podsandbox.controller.v1.podsandbox"]`, `"io.containerd.podsandbox.controller.v1.podsandbox", "io.containerd.image-verifier.v1.nfd-compat"]`, 1)
		body += fmt.Sprintf("[plugins.\"io.containerd.image-verifier.v1.bindir\"]\n  bin_dir = %q\n  per_verifier_timeout = \"10s\"\n", binDir)
	}
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cmd := exec.Command(daemon, "--config", cfg)
	// The bindir verifier inherits containerd's environment.
	cmd.Env = append(os.Environ(), policy.ConfigEnv+"="+cfg)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if exec.Command(ctr, "--address", sock, "version").Run() == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("containerd-nfd did not start:\n%s", log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	out, err := exec.Command(ctr, "--address", sock, "plugins", "ls").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	// Disabled plugins are not listed.
	if listed := strings.Contains(string(out), "io.containerd.image-verifier.v1        nfd-compat               -              ok"); listed != (verifierBin == "") {
		t.Fatalf("nfd-compat plugin listed=%v, want %v:\n%s", listed, verifierBin == "", out)
	}
	pull := func(ref string) (string, error) {
		out, err := exec.Command(ctr, "--address", sock, "images", "pull", "--plain-http", ref).CombinedOutput()
		return string(out), err
	}
	for range 2 { // cold, then warm
		start := time.Now()
		if out, err := pull(ok); err != nil {
			t.Errorf("compatible image refused: %v\n%s\n%s", err, out, log.String())
		}
		t.Logf("%s: ctr pull of a compatible image took %s", verifierName, time.Since(start))
	}
	out2, err := pull(gpu)
	if err == nil {
		t.Errorf("incompatible image pulled:\n%s", out2)
	}
	want := "image verifier " + verifierName + " blocked pull of " + gpu
	if !strings.Contains(out2, want) || !strings.Contains(out2, "is incompatible with this host (set #0 gpu: pci.device") {
		t.Errorf("ctr says %q, want %q and our reason", out2, want)
	}
	t.Logf("ctr: %s", strings.TrimSpace(out2))
	audit, _ := os.ReadFile(filepath.Join(dir, "cache", "audit.jsonl"))
	if n := strings.Count(string(audit), "\n"); n != 3 {
		t.Errorf("audit has %d lines:\n%s", n, audit)
	}
}
