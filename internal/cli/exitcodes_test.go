package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
)

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := New()
	cmd.SetArgs(args)
	var out, errOut bytes.Buffer
	cmd.SetIn(strings.NewReader(""))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	code = Exit(&errOut, cmd.Execute())
	return out.String(), errOut.String(), code
}

// layout writes an OCI layout with image v1 and returns DIR and the
// image's manifest blob path.
func layout(t *testing.T) (dir, manifestBlob string) {
	t.Helper()
	dir, _, d := testimage.Layout(t, "v1")
	return dir, filepath.Join(dir, "blobs", d.Digest.Algorithm().String(), d.Digest.Encoded())
}

// TestUsageExitCodes: values that cannot be right are usage errors (exit
// 2) with a message naming the flag, before any registry is asked.
func TestUsageExitCodes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join("..", "..", "examples", "gpu-spec.yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"get-spec", "reg.invalid/app:v1", "--digest", "sha256:zz"}, `--digest: invalid digest "sha256:zz"`},
		{[]string{"get-spec", "reg.invalid/app:v1", "--digest", "f3ef"}, "write ALGORITHM:HEX, e.g. sha256:f3ef"},
		{[]string{"remove-spec", "reg.invalid/app:v1", "--digest", "sha256:zz"}, "not a lower-case hex digit"},
		{[]string{"validate-node", "--spec", spec, "--digest", "f3ef"}, "--digest: invalid digest"},
		{[]string{"list-specs", "reg.invalid/app:v1", "--timeout", "-1s"}, "--timeout -1s: give a positive duration"},
		{[]string{"validate-node", "--spec", spec, "--timeout", "-1s"}, "--timeout -1s"},
		{[]string{"validate-node", "--spec", spec, "--cache-dir", file}, "is a file, not a directory"},
		{[]string{"validate-node", "--spec", spec, "--pods"}, "--pods lists the cluster's pods: add --cluster"},
		{[]string{"validate-node", "--spec", spec, "--pods", "--cluster", "--kubeconfig", file}, "--pods matches pods by the artifact the webhook placed them for: give IMAGE, not --spec"},
		{[]string{"validate-node", "reg.invalid/app:v1", "--pods", "--cluster", "--output-json", "--kubeconfig", file}, "--pods has no place in upstream's --output-json schema"},
		{[]string{"validate-node", "--spec", spec, "--cache-dir", filepath.Join(file, "sub")}, "--cache-dir " + filepath.Join(file, "sub")},
	} {
		_, stderr, code := run(t, tc.args...)
		if code != ExitError || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, ExitError, tc.want)
		}
	}
}

// TestListSpecsNoArtifactNoHeader: an image without artifacts gets the
// exit-3 error, not an empty table first.
func TestListSpecsNoArtifactNoHeader(t *testing.T) {
	dir, _ := layout(t)
	stdout, stderr, code := run(t, "list-specs", "--oci-layout", dir+":v1")
	if code != ExitNoArtifact || stdout != "" || !strings.Contains(stderr, "has no compatibility artifact") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestAttachIncompleteLayout: a layout whose index.json names an image
// manifest it does not hold is an error (exit 2) and nothing is written.
func TestAttachIncompleteLayout(t *testing.T) {
	dir, blob := layout(t)
	if err := os.Remove(blob); err != nil {
		t.Fatal(err)
	}
	before := tree(t, dir)
	_, stderr, code := run(t, "attach-spec", "--oci-layout", dir+":v1", filepath.Join("..", "..", "examples", "gpu-spec.yaml"))
	if code != ExitError || !strings.Contains(stderr, "is missing: the layout is incomplete") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if after := tree(t, dir); after != before {
		t.Errorf("the layout changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// tree lists dir's files with their sizes.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(strings.TrimPrefix(p, dir) + " " + fi.Mode().String())
		if !fi.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.WriteString(" " + string(data))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCompanionCommandsListed: the commands nfd-compat-containerd runs are
// in nfd-compat's help as any other, and run through the companion: with
// none installed, exit 2 and an error naming it.
func TestCompanionCommandsListed(t *testing.T) {
	stdout, _, code := run(t, "--help")
	if code != ExitOK {
		t.Fatalf("--help: exit %d", code)
	}
	for _, want := range []string{"pull ", "doctor ", "check-images ", "audit "} {
		if !strings.Contains(stdout, "\n  "+want) {
			t.Errorf("--help does not list %q:\n%s", want, stdout)
		}
	}
	t.Setenv("PATH", t.TempDir())
	// The test binary's directory holds no nfd-compat-containerd.
	_, stderr, code := run(t, "check-images", "--all-namespaces")
	if code != ExitError || !strings.Contains(stderr, "nfd-compat-containerd, found neither") {
		t.Errorf("check-images without the companion: exit %d, stderr %q; want %d naming nfd-compat-containerd", code, stderr, ExitError)
	}
}

// TestTopLevelNames: NewFor builds only the command it is asked for, by a
// name that is that command's, and runs it as New's tree would; anything
// else (help, a flag, compat, a misspelt name) gets the whole tree.
func TestTopLevelNames(t *testing.T) {
	noExec := func(string, []string, []string) error { t.Error("exec called"); return nil }
	all := newRoot(noExec, nil)
	cmds := topLevel(noExec)
	if got, want := len(all.Commands()), len(cmds)+1; got != want { // + compat
		t.Errorf("the whole tree has %d commands, topLevel %d (+ compat)", got, len(cmds))
	}
	for _, c := range cmds {
		if name := c.build().Name(); name != c.name {
			t.Errorf("command %q is listed as %q", name, c.name)
		}
		one := newRoot(noExec, []string{c.name, "--help"})
		if got := one.Commands(); len(got) != 1 || got[0].Name() != c.name {
			t.Errorf("NewFor(%s): %d commands", c.name, len(got))
		}
	}
	for _, args := range [][]string{nil, {"--help"}, {"help", "validate-node"}, {"compat", "get-spec"}, {"validate-nod"}, {"__complete", "val"}} {
		if got := len(newRoot(noExec, args).Commands()); got != len(all.Commands()) {
			t.Errorf("NewFor(%q): %d commands, want the whole tree's %d", args, got, len(all.Commands()))
		}
	}
	// A command run alone behaves as in the whole tree.
	spec := filepath.Join("..", "..", "examples", "gpu-spec.yaml")
	args := []string{"validate-node", "--spec", spec, "--timeout", "-1s"}
	r := newRoot(noExec, args)
	r.SetArgs(args)
	var out, errOut bytes.Buffer
	r.SetOut(&out)
	r.SetErr(&errOut)
	if code := Exit(&errOut, r.Execute()); code != ExitError || !strings.Contains(errOut.String(), "--timeout -1s") {
		t.Errorf("validate-node alone: exit %d, stderr %q", code, errOut.String())
	}
}
