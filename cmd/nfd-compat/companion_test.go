package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
)

// buildCLI builds nfd-compat, and with companion nfd-compat-containerd
// too, static as `make build` does, into a new directory it returns.
func buildCLI(t *testing.T, companion bool) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds nfd-compat")
	}
	dir := t.TempDir()
	pkgs := []string{"."}
	if companion {
		pkgs = append(pkgs, "../nfd-compat-containerd")
	}
	cmd := exec.Command(testenv.GoTool(t), append([]string{"build", "-trimpath", "-o", dir + "/"}, pkgs...)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// nfdCompat runs dir's nfd-compat with args and stdin, with only dir's
// companion to find ($PATH holds no nfd-compat-containerd).
func nfdCompat(t *testing.T, dir, stdin string, args ...string) (cmd *exec.Cmd, stdout, stderr string, code int) {
	t.Helper()
	cmd = exec.Command(filepath.Join(dir, "nfd-compat"), args...)
	cmd.Env = append(os.Environ(), "PATH=/usr/bin:/bin")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("nfd-compat %v: %v", args, err)
	}
	return cmd, out.String(), errb.String(), code
}

// TestCompanionRunsInPlace: `nfd-compat pull ARGS` becomes the companion
// next to it, in the same process (so signals reach it), with the same
// arguments, stdin, stdout, stderr and exit code. The companion here is a
// shell script standing in for nfd-compat-containerd, to see its pid and
// argv.
func TestCompanionRunsInPlace(t *testing.T) {
	dir := buildCLI(t, false)
	script := "#!/bin/sh\necho \"pid $$\"\nfor a in \"$@\"; do echo \"arg $a\"; done\necho \"stdin $(cat)\"\necho to-stderr >&2\nexit 7\n"
	if err := os.WriteFile(filepath.Join(dir, "nfd-compat-containerd"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"pull", "--platform", "linux/arm64", "--help", "a b", "reg.example/app:v1"}
	cmd, stdout, stderr, code := nfdCompat(t, dir, "from-stdin", args...)
	want := "pid " + strconv.Itoa(cmd.Process.Pid) + "\n"
	for _, a := range args {
		want += "arg " + a + "\n"
	}
	want += "stdin from-stdin\n"
	if stdout != want || stderr != "to-stderr\n" || code != 7 {
		t.Errorf("got exit %d, stdout:\n%s\nstderr %q; want exit 7, stdout:\n%s\nstderr \"to-stderr\\n\"", code, stdout, stderr, want)
	}
}

// TestCompanionMissing: without nfd-compat-containerd, its commands exit 2
// naming it and how to install it; the others still run.
func TestCompanionMissing(t *testing.T) {
	dir := buildCLI(t, false)
	for _, c := range []string{"pull", "doctor", "check-images"} {
		_, _, stderr, code := nfdCompat(t, dir, "", c, "--help")
		if code != 2 || !strings.Contains(stderr, "nfd-compat "+c+": companion executable not found: nfd-compat-containerd, found neither at "+filepath.Join(dir, "nfd-compat-containerd")) ||
			!strings.Contains(stderr, "install nfd-compat-containerd in the same directory as nfd-compat") {
			t.Errorf("%s without the companion: exit %d, stderr %q", c, code, stderr)
		}
	}
	if _, stdout, stderr, code := nfdCompat(t, dir, "", "help", "doctor"); code != 0 || !strings.Contains(stdout, "Check, one line each") {
		t.Errorf("help doctor: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestCompanionReal: with the real companion, `nfd-compat CMD --help` is
// the real command's help (its flags, usage under nfd-compat's name), so is
// `nfd-compat help CMD`, shell
// completion offers its flags, and a usage error is the companion's, exit 2.
func TestCompanionReal(t *testing.T) {
	dir := buildCLI(t, true)
	for c, flag := range map[string]string{"pull": "--hosts-dir", "doctor": "--verifier-name", "check-images": "--all-namespaces"} {
		_, stdout, stderr, code := nfdCompat(t, dir, "", c, "--help")
		if code != 0 || !strings.Contains(stdout, flag) || !strings.Contains(stdout, "Usage:\n  nfd-compat "+c) || !strings.Contains(stdout, "Exit codes:") {
			t.Errorf("%s --help: exit %d, stderr %q, stdout:\n%s", c, code, stderr, stdout)
		}
	}
	if _, stdout, stderr, code := nfdCompat(t, dir, "", "help", "doctor"); code != 0 || !strings.Contains(stdout, "--verifier-name") {
		t.Errorf("help doctor: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	if _, stdout, stderr, code := nfdCompat(t, dir, "", "__complete", "pull", "--plat"); code != 0 || !strings.Contains(stdout, "--platform") {
		t.Errorf("completion of pull --plat: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	_, _, stderr, code := nfdCompat(t, dir, "", "pull", "a", "b")
	if code != 2 || !strings.Contains(stderr, "accepts 1 arg(s), received 2") {
		t.Errorf("pull a b: exit %d, stderr %q", code, stderr)
	}
}
