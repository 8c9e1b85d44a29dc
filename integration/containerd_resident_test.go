package integration

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/doctor"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// blockedLine is containerd's refusal from "image verifier" to the end of
// the reason: what ctr, nerdctl and the kubelet show.
var blockedLine = regexp.MustCompile(`image verifier bindir blocked pull[^\n]*`)

// TestContainerdResident: the shipped layout (the client in bin_dir, the
// resident verifier beside containerd) through a real containerd and ctr.
// A refusal reads the same whoever decided: the resident verifier, the
// one-shot verifier after the daemon was killed, behind a socket in a
// directory anyone may write (a daemon there would allow), or behind a
// daemon that accepts and never answers (decided within wire.AckTimeout
// more). An edited config.toml applies to the next pull.
func TestContainerdResident(t *testing.T) {
	bins := needBins(t, "nfd-compat-verifierd")
	im := seedImages(t)
	ep := entryPoints()[2]
	if ep.name != "bindir+daemon" {
		t.Fatalf("entry point %q", ep.name)
	}
	d := containerdtest.Start(t, bins, ep.opts(bins, basePolicy(im)))
	d.TrustPlainHTTP(t, im.reg.Host)
	refusal := func(what string) string {
		t.Helper()
		r := pullRefused(t, d, ep, im.gpu, "incompatible with this host", "refused by mode=enforce")
		line := blockedLine.FindString(r.Output())
		if line == "" {
			t.Fatalf("%s: no refusal line in\n%s", what, r.Output())
		}
		return line
	}
	doctorSays := func(want doctor.Status, says string) {
		t.Helper()
		cmd := exec.Command(bins.NFDCompat, "doctor", "--config", d.ConfigFile, "--address", d.Address, "--skip-features", "-o", "json")
		cmd.Env = append(os.Environ(), wire.SocketEnv+"="+d.VerifierSocket, wire.FallbackEnv+"="+bins.VerifierD)
		out, _ := cmd.Output()
		var results []doctor.Result
		if err := json.Unmarshal(out, &results); err != nil {
			t.Fatalf("doctor: %v\n%s", err, out)
		}
		for _, r := range results {
			if r.Check == "resident" {
				if r.Status != want || !strings.Contains(r.Message, says) {
					t.Errorf("doctor's resident check: %+v, want %s saying %q", r, want, says)
				}
				return
			}
		}
		t.Errorf("doctor has no resident check:\n%s", out)
	}
	doctorSays(doctor.OK, "nfd-compat-verifierd (devel) pid ")
	byDaemon := refusal("resident")
	pullOK(t, d, im.ok)
	pullOK(t, d, im.none)
	if n := len(audit(t, d)); n != 3 {
		t.Fatalf("audit has %d entries, want 3", n)
	}

	d.Verifierd.Kill()
	doctorSays(doctor.Warn, "each pull execs the one-shot verifier")
	if got := refusal("daemon killed"); got != byDaemon {
		t.Errorf("refusal by the fallback differs:\n%s\nby the daemon:\n%s", got, byDaemon)
	}

	containerdtest.FakeVerifierd(t, d.VerifierSocket, true)
	start := time.Now()
	got := refusal("hung daemon")
	took := time.Since(start)
	if got != byDaemon || took > wire.AckTimeout+5*time.Second || took < wire.AckTimeout {
		t.Errorf("hung daemon: decided in %s (bound %s + a one-shot decision): %s", took, wire.AckTimeout, got)
	}
	t.Logf("hung daemon: pull refused in %s", took)

	// An allowing fake daemon at the socket's path: containerd's
	// environment names the path, so the fake's directory takes the place
	// of the hung one's.
	vd := filepath.Dir(d.VerifierSocket)
	fake := filepath.Join(filepath.Dir(vd), "vd2", "verifier.sock")
	containerdtest.FakeVerifierd(t, fake, false)
	if err := os.Rename(vd, vd+".hung"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Dir(fake), vd); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(vd, 0o777); err != nil {
		t.Fatal(err)
	}
	if got := refusal("untrusted socket directory"); got != byDaemon {
		t.Errorf("socket dir 0777: %s", got)
	}
	if err := os.Chmod(vd, 0o755); err != nil {
		t.Fatal(err)
	}
	if r := d.Pull(context.Background(), im.gpu); r.Err != nil {
		t.Errorf("the fake daemon in a private directory should have allowed (else the test above proves nothing): %s", r.Output())
	}

	// The real daemon again; then the policy edited to warn mode.
	if err := os.RemoveAll(vd); err != nil {
		t.Fatal(err)
	}
	containerdtest.StartVerifierd(t, bins.VerifierD, d.VerifierSocket)
	pullRefused(t, d, ep, im.multi, "incompatible with this host")
	b, err := os.ReadFile(d.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	warn := strings.Replace(string(b), `mode = "enforce"`, `mode = "warn"`, 1)
	if warn == string(b) {
		t.Fatal("no mode line to edit")
	}
	if err := os.WriteFile(d.ConfigFile, []byte(warn), 0o644); err != nil {
		t.Fatal(err)
	}
	pullOK(t, d, im.multi)
	if e, _ := findAudit(audit(t, d), im.multi); !strings.HasPrefix(e.By, "mode=warn") || !e.Warn {
		t.Errorf("after the edit: %+v", e)
	}
}
