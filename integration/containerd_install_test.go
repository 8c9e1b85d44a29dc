package integration

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/pkg/containerdpaths"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// TestContainerdInstallScript: contrib/containerd/install-verifier.sh
// installs the client, the full verifier and its unit, and a drop-in that a
// real containerd imports; with the installed resident verifier running,
// pulls are then checked, and doctor finds nothing to fix.
func TestContainerdInstallScript(t *testing.T) {
	bins := needBins(t, "nfd-compat-verifierd")
	im := seedImages(t)
	root := t.TempDir()
	binDir, confDir, cacheDir, hostsDir := filepath.Join(root, "bin"), filepath.Join(root, "conf.d"), filepath.Join(root, "cache"), filepath.Join(root, "certs.d")
	mainConfig := filepath.Join(root, "config.toml")
	fallback, unitDir := filepath.Join(root, "sbin", "nfd-compat-verifierd"), filepath.Join(root, "systemd")
	resident := []string{"--fallback", fallback, "--unit-dir", unitDir}
	cmd := exec.Command("../contrib/containerd/install-verifier.sh", append([]string{"--verifier", bins.Verifier, "--bin-dir", binDir,
		"--conf-dir", confDir, "--config", mainConfig, "--cache-dir", cacheDir, "--hosts-dir", hostsDir, "--mode", "enforce"}, resident...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install-verifier.sh: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "restart containerd") {
		t.Fatalf("install-verifier.sh should tell the user to restart containerd:\n%s", out)
	}
	for _, p := range []string{filepath.Join(binDir, "nfd-compat-verifier"), fallback} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o755 {
			t.Fatalf("%s not installed with mode 0755: %v %v", p, fi, err)
		}
	}
	if entries, _ := os.ReadDir(binDir); len(entries) != 1 {
		t.Fatalf("bin_dir should hold the client alone (containerd runs every file there): %v", entries)
	}
	unit, err := os.ReadFile(filepath.Join(unitDir, "nfd-compat-verifierd.service"))
	if err != nil || !strings.Contains(string(unit), "\nExecStart="+fallback+" serve -socket /run/nfd-compat/verifier.sock\n") ||
		!strings.Contains(string(unit), "RuntimeDirectory=nfd-compat") || !strings.Contains(string(unit), "Restart=on-failure") {
		t.Fatalf("unit: %v\n%s", err, unit)
	}
	if !strings.Contains(string(out), "systemctl enable --now nfd-compat-verifierd") || !strings.Contains(string(out), "VERIFIER_FALLBACK") {
		t.Fatalf("install-verifier.sh should say how to start the unit and that a non-default --fallback needs the variable:\n%s", out)
	}
	main, _ := os.ReadFile(mainConfig)
	if !strings.Contains(string(main), confDir+"/*.toml") {
		t.Fatalf("a new main config should import the drop-ins:\n%s", main)
	}
	// The drop-in replaces the harness's own bindir table and brings the policy.
	// containerd's environment names the installed fallback, as the
	// script says to for a non-default --fallback.
	dropin := filepath.Join(confDir, "nfd-compat.toml")
	d := containerdtest.Start(t, bins, containerdtest.Options{Imports: []string{dropin}, Env: []string{wire.FallbackEnv + "=" + fallback}})
	if err := containerdtest.WritePlainHTTPHosts(hostsDir, im.reg.Host); err != nil {
		t.Fatal(err)
	}
	d.TrustPlainHTTP(t, im.reg.Host)
	ep := entryPoints()[0]
	pullOK(t, d, im.ok) // no daemon yet: the installed fallback decides
	containerdtest.StartVerifierd(t, fallback, d.VerifierSocket)
	pullRefused(t, d, ep, im.gpu, "incompatible with this host")
	pullOK(t, d, im.none)
	if b, err := os.ReadFile(filepath.Join(cacheDir, "audit.jsonl")); err != nil || !strings.Contains(string(b), im.gpu) {
		t.Fatalf("audit.jsonl under --cache-dir lacks %s: %v\n%s", im.gpu, err, b)
	}
	r := d.NFDCompat(context.Background(), "doctor", "--config", d.ConfigFile, "--address", d.Address)
	if r.ExitCode() != 0 || strings.Contains(r.Stdout, "FAIL") {
		t.Fatalf("doctor after install-verifier.sh:\n%s", fmtResult(r))
	}
	// A second run keeps the drop-in and says so.
	out, err = exec.Command("../contrib/containerd/install-verifier.sh", append([]string{"--verifier", bins.Verifier, "--bin-dir", binDir,
		"--conf-dir", confDir, "--config", mainConfig}, resident...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "keeping the existing") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	// A non-executable in bin_dir is refused: containerd would fail every pull.
	if err := os.WriteFile(filepath.Join(binDir, "README"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command("../contrib/containerd/install-verifier.sh", append([]string{"--verifier", bins.Verifier, "--bin-dir", binDir,
		"--conf-dir", confDir, "--config", mainConfig}, resident...)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "README is not an executable") {
		t.Fatalf("install-verifier.sh with a README in bin_dir: %v\n%s", err, out)
	}
	os.Remove(filepath.Join(binDir, "README"))
	// The full verifier in bin_dir would run on every pull: refused.
	out, err = exec.Command("../contrib/containerd/install-verifier.sh", "--verifier", bins.Verifier, "--bin-dir", binDir,
		"--conf-dir", confDir, "--config", mainConfig, "--fallback", filepath.Join(binDir, "nfd-compat-verifierd"), "--unit-dir", unitDir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is inside bin_dir") {
		t.Fatalf("install-verifier.sh --fallback in bin_dir: %v\n%s", err, out)
	}
}

// TestContainerdInstallScriptK3s: on a k3s node install-verifier.sh, given
// no --config, finds k3s and writes the stanza into the containerd
// template k3s renders into config.toml at each start, keeping what the
// template already holds; a real containerd reading the rendered config
// then refuses an incompatible image.
//
// A real k3s cannot run here: it is downloaded from GitHub releases (no
// network), and github.com/k3s-io/k3s is not served by the module proxy
// (403 "not available"; its go.mod also replaces Kubernetes modules with
// k3s forks), so it cannot be built from source either. The test builds
// k3s's file layout under a temp root instead (--root), with a listening
// unix socket at k3s's socket path, and renders the template the way k3s
// does: Go's text/template with the base config defined as "base" (here
// just the version line; the harness's own config supplies the rest).
func TestContainerdInstallScriptK3s(t *testing.T) {
	bins := needBins(t, "nfd-compat-verifierd")
	im := seedImages(t)
	root := t.TempDir()
	etc := filepath.Join(root, "var/lib/rancher/k3s/agent/etc/containerd")
	tmpl := filepath.Join(etc, containerdpaths.TemplateName)
	user := "{{ template \"base\" . }}\n# the operator's own settings, kept\n[debug]\n  level = \"info\"" // no final newline
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmpl, []byte(user), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(root, containerdpaths.K3sAddress)
	if err := os.MkdirAll(filepath.Dir(sock), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", sock) // k3s is running
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// A stock config too (Docker's containerd): k3s's live socket wins.
	if err := os.MkdirAll(filepath.Join(root, "etc/containerd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/containerd/config.toml"), []byte("version = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	binDir, cacheDir := filepath.Join(root, "opt/bin"), filepath.Join(root, "cache")
	script := func(args ...string) (string, error) {
		out, err := exec.Command("../contrib/containerd/install-verifier.sh", append([]string{"--root", root,
			"--verifier", bins.Verifier, "--bin-dir", binDir, "--cache-dir", cacheDir}, args...)...).CombinedOutput()
		return string(out), err
	}

	// --dry-run changes nothing.
	out, err := script("--dry-run")
	if err != nil || !strings.Contains(out, "+ append the nfd-compat stanza to "+tmpl) {
		t.Fatalf("--dry-run: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(tmpl); string(b) != user {
		t.Fatalf("--dry-run changed the template:\n%s", b)
	}
	if _, err := os.Stat(binDir); !os.IsNotExist(err) {
		t.Fatalf("--dry-run created %s: %v", binDir, err)
	}

	out, err = script("--mode", "enforce")
	if err != nil {
		t.Fatalf("install-verifier.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"found k3s containerd; configuring k3s", "systemctl restart k3s (server) or systemctl restart k3s-agent (agent)", "stanza in " + tmpl,
		"systemctl enable --now nfd-compat-verifierd"} {
		if !strings.Contains(out, want) {
			t.Fatalf("install-verifier.sh output lacks %q:\n%s", want, out)
		}
	}
	// --root puts the full verifier and its unit under the root too.
	fallback := filepath.Join(root, "usr/local/sbin/nfd-compat-verifierd")
	if fi, err := os.Stat(fallback); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("full verifier: %v %v", fi, err)
	}
	if unit, err := os.ReadFile(filepath.Join(root, "etc/systemd/system/nfd-compat-verifierd.service")); err != nil || !strings.Contains(string(unit), "ExecStart="+fallback+" serve") {
		t.Fatalf("unit: %v\n%s", err, unit)
	}
	b, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), user+"\n") || !strings.Contains(string(b), "# BEGIN nfd-compat") {
		t.Fatalf("the template should keep the operator's content and gain the stanza:\n%s", b)
	}
	if fi, _ := os.Stat(tmpl); fi.Mode().Perm() != 0o600 {
		t.Fatalf("the template's mode changed to %v", fi.Mode())
	}
	hostsDir := filepath.Join(etc, "certs.d") // k3s's config_path, the default here
	if !strings.Contains(string(b), `config_path = "`+hostsDir+`"`) {
		t.Fatalf("config_path should default to k3s's certs.d:\n%s", b)
	}

	// A rerun keeps the template byte for byte.
	out, err = script()
	if err != nil || !strings.Contains(out, "keeping the existing nfd-compat stanza") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if b2, _ := os.ReadFile(tmpl); !bytes.Equal(b, b2) {
		t.Fatalf("second run changed the template:\n%s", b2)
	}

	// k3s's restart: render the template into config.toml.
	tp, err := template.New("config").Parse(string(b))
	if err == nil {
		_, err = tp.New("base").Parse("version = 3\n")
	}
	var rendered bytes.Buffer
	if err == nil {
		err = tp.Execute(&rendered, struct{}{})
	}
	if err != nil {
		t.Fatalf("the template does not render as k3s renders it: %v", err)
	}
	generated := filepath.Join(etc, "config.toml")
	if err := os.WriteFile(generated, rendered.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if f := containerdpaths.Detect(root); f.Distro != containerdpaths.K3s || f.Config != generated {
		t.Fatalf("detected %+v", f)
	}

	d := containerdtest.Start(t, bins, containerdtest.Options{Imports: []string{generated}, Env: []string{wire.FallbackEnv + "=" + fallback}})
	containerdtest.StartVerifierd(t, fallback, d.VerifierSocket)
	if err := containerdtest.WritePlainHTTPHosts(hostsDir, im.reg.Host); err != nil {
		t.Fatal(err)
	}
	d.TrustPlainHTTP(t, im.reg.Host)
	pullOK(t, d, im.ok)
	pullRefused(t, d, entryPoints()[0], im.gpu, "incompatible with this host")
	if b, err := os.ReadFile(filepath.Join(cacheDir, "audit.jsonl")); err != nil || !strings.Contains(string(b), im.gpu) {
		t.Fatalf("audit.jsonl under --cache-dir lacks %s: %v\n%s", im.gpu, err, b)
	}
	r := d.NFDCompat(context.Background(), "doctor", "--config", generated, "--address", d.Address, "--skip-features")
	if r.ExitCode() != 0 || strings.Contains(r.Stdout, "FAIL") {
		t.Fatalf("doctor on the rendered k3s config:\n%s", fmtResult(r))
	}

	// An image-verifier table the script did not write is left alone.
	own := filepath.Join(root, "own")
	if err := os.MkdirAll(filepath.Join(own, "var/lib/rancher/rke2/agent/etc/containerd"), 0o755); err != nil {
		t.Fatal(err)
	}
	ownTmpl := filepath.Join(own, "var/lib/rancher/rke2/agent/etc/containerd", containerdpaths.TemplateName)
	mine := "{{ template \"base\" . }}\n[plugins.\"io.containerd.image-verifier.v1.bindir\"]\n  bin_dir = \"/mine\"\n"
	if err := os.WriteFile(ownTmpl, []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := exec.Command("../contrib/containerd/install-verifier.sh", "--root", own, "--verifier", bins.Verifier,
		"--bin-dir", filepath.Join(own, "bin")).CombinedOutput()
	if err != nil || !strings.Contains(string(o), "already configures an image verifier") || !strings.Contains(string(o), "systemctl restart rke2-server (server)") {
		t.Fatalf("rke2 template with its own bindir table: %v\n%s", err, o)
	}
	if b, _ := os.ReadFile(ownTmpl); string(b) != mine {
		t.Fatalf("the operator's template was changed:\n%s", b)
	}
}
