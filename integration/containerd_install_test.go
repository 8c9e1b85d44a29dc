package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
)

// TestContainerdInstallScript: contrib/containerd/install-verifier.sh
// installs the verifier and a drop-in that a real containerd imports; pulls
// are then checked, and doctor finds nothing to fix.
func TestContainerdInstallScript(t *testing.T) {
	bins := needBins(t, "nfd-compat-verifier")
	im := seedImages(t)
	root := t.TempDir()
	binDir, confDir, cacheDir, hostsDir := filepath.Join(root, "bin"), filepath.Join(root, "conf.d"), filepath.Join(root, "cache"), filepath.Join(root, "certs.d")
	mainConfig := filepath.Join(root, "config.toml")
	cmd := exec.Command("../contrib/containerd/install-verifier.sh", "--verifier", bins.Verifier, "--bin-dir", binDir,
		"--conf-dir", confDir, "--config", mainConfig, "--cache-dir", cacheDir, "--hosts-dir", hostsDir, "--mode", "enforce")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install-verifier.sh: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "restart containerd") {
		t.Fatalf("install-verifier.sh should tell the user to restart containerd:\n%s", out)
	}
	fi, err := os.Stat(filepath.Join(binDir, "nfd-compat-verifier"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("verifier not installed with mode 0755: %v %v", fi, err)
	}
	main, _ := os.ReadFile(mainConfig)
	if !strings.Contains(string(main), confDir+"/*.toml") {
		t.Fatalf("a new main config should import the drop-ins:\n%s", main)
	}
	// The drop-in replaces the harness's own bindir table and brings the policy.
	dropin := filepath.Join(confDir, "nfd-compat.toml")
	d := containerdtest.Start(t, bins, containerdtest.Options{Imports: []string{dropin}})
	if err := containerdtest.WritePlainHTTPHosts(hostsDir, im.reg.Host); err != nil {
		t.Fatal(err)
	}
	d.TrustPlainHTTP(t, im.reg.Host)
	ep := entryPoints()[0]
	pullOK(t, d, im.ok)
	pullRefused(t, d, ep, im.gpu, "incompatible with this host")
	if b, err := os.ReadFile(filepath.Join(cacheDir, "audit.jsonl")); err != nil || !strings.Contains(string(b), im.gpu) {
		t.Fatalf("audit.jsonl under --cache-dir lacks %s: %v\n%s", im.gpu, err, b)
	}
	r := d.NFDCompat(context.Background(), "doctor", "--config", d.ConfigFile, "--address", d.Address)
	if r.ExitCode() != 0 || strings.Contains(r.Stdout, "FAIL") {
		t.Fatalf("doctor after install-verifier.sh:\n%s", fmtResult(r))
	}
	// A second run keeps the drop-in and says so.
	out, err = exec.Command("../contrib/containerd/install-verifier.sh", "--verifier", bins.Verifier, "--bin-dir", binDir,
		"--conf-dir", confDir, "--config", mainConfig).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "keeping the existing") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	// A non-executable in bin_dir is refused: containerd would fail every pull.
	if err := os.WriteFile(filepath.Join(binDir, "README"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command("../contrib/containerd/install-verifier.sh", "--verifier", bins.Verifier, "--bin-dir", binDir,
		"--conf-dir", confDir, "--config", mainConfig).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "README is not an executable") {
		t.Fatalf("install-verifier.sh with a README in bin_dir: %v\n%s", err, out)
	}
}
